# AVCL pretraining on Kinetics-Sounds32 with an MViT-S video encoder
# (transformer; its class token is the clip feature) and the paper's R3D
# audio encoder; everything else is avcl_r3d_k32.py.
#   bash tools/dist_train.sh configs/backbones/avcl_mvit_s_k32.py 8
# Start the video stream from mmaction2's Kinetics-400 MViT-S checkpoint
# (configs/recognition/mvit of mmaction2, 16x4x1; keys under `backbone.`):
#   --cfg-options model.video_pretrained=mvit_s_k400.pth
_base_ = ['../avcl_r3d_k32.py', '../_base_/encoders/mvit_s.py']
model = {{_base_.mvit_s}}
