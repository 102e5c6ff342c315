# AVCL pretraining on Kinetics-Sounds32 with a TSM ResNet-50 video encoder
# (2D CNN + temporal shift) and the paper's R3D audio encoder; everything
# else (data, AMFM, CGRA + SelfCL, schedule) is avcl_r3d_k32.py.
#   bash tools/dist_train.sh configs/backbones/avcl_tsm_r50_k32.py 8
# Start the video stream from mmaction2's Kinetics-400 TSM-R50 checkpoint
# (configs/recognition/tsm of mmaction2; keys under `backbone.`):
#   --cfg-options model.video_pretrained=tsm_r50_k400.pth
# (with that checkpoint, also set ImageNet mean/std in the preprocessor).
_base_ = ['../avcl_r3d_k32.py', '../_base_/encoders/tsm_r50.py']
model = {{_base_.tsm_r50}}
