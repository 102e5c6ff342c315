# Finetuning + 10-clip test of avcl_r3d_resnetaudio_k32.py (R3D video,
# ResNetAudio audio) on Kinetics-Sounds32.
#   bash tools/dist_train.sh \
#       configs/backbones/avcl_r3d_resnetaudio_k32_finetune.py 8 \
#       --cfg-options load_from=work_dirs/avcl_r3d_resnetaudio_k32/epoch_300.pth
_base_ = ['../avcl_r3d_k32_finetune.py', '../_base_/encoders/resnet_audio.py']
model = {{_base_.resnet_audio}}
