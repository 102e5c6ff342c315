# Finetuning + 10-clip test of avcl_mvit_s_k32.py (MViT-S video, R3D audio)
# on Kinetics-Sounds32.
#   bash tools/dist_train.sh configs/backbones/avcl_mvit_s_k32_finetune.py 8 \
#       --cfg-options load_from=work_dirs/avcl_mvit_s_k32/epoch_300.pth
_base_ = ['../avcl_r3d_k32_finetune.py', '../_base_/encoders/mvit_s.py']
model = {{_base_.mvit_s}}
