# Audio encoder of mmaction2's own audio family: ResNetAudio (ResNet-50 with
# frequency-time convolutions, Xiao et al. "Audiovisual SlowFast") on the
# 112x112 log-mel image (audio_input='image'; the pipeline packs (1, H, W)).
# 1024 channels, projected with the R3D video's 512 to 512.
# Use it as `model = {{_base_.resnet_audio}}`.
resnet_audio = dict(
    audio_backbone=dict(
        _delete_=True,  # replace the R3D audio encoder, do not merge
        type='ResNetAudio', depth=50, in_channels=1, pretrained=None,
        norm_eval=False),
    audio_input='image',
    proj_channels=512)
