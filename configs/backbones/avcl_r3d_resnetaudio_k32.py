# AVCL pretraining on Kinetics-Sounds32 with the paper's R3D video encoder
# and mmaction2's ResNetAudio (ResNet-50, 2D) audio encoder on the log-mel
# image; everything else is avcl_r3d_k32.py.
#   bash tools/dist_train.sh configs/backbones/avcl_r3d_resnetaudio_k32.py 8
# An audio checkpoint (e.g. an mmaction2 audio recognizer, keys under
# `backbone.`) initialises only the audio stream:
#   --cfg-options model.audio_pretrained=audio.pth
_base_ = ['../avcl_r3d_k32.py', '../_base_/encoders/resnet_audio.py']
model = {{_base_.resnet_audio}}
