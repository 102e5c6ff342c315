# Finetuning + 10-clip test of avcl_tsm_r50_k32.py (TSM-R50 video, R3D
# audio) on Kinetics-Sounds32.
#   bash tools/dist_train.sh configs/backbones/avcl_tsm_r50_k32_finetune.py 8 \
#       --cfg-options load_from=work_dirs/avcl_tsm_r50_k32/epoch_300.pth
_base_ = ['../avcl_r3d_k32_finetune.py', '../_base_/encoders/tsm_r50.py']
model = {{_base_.tsm_r50}}
