# Video encoder of the 2D-with-temporal-module family: TSM (Lin et al.,
# ResNet-50 with temporal shift, 1/8 of the channels shifted) on the 16
# frames of the clip, folded into the batch (video_input='frames'); frame
# features averaged (TSN consensus). 2048 channels, projected to the audio
# encoder's 512 for CGRA and AMFM. Use it as `model = {{_base_.tsm_r50}}`.
tsm_r50 = dict(
    video_backbone=dict(
        _delete_=True,  # replace the R3D video encoder, do not merge
        type='ResNetTSM', depth=50, num_segments=16, shift_div=8,
        pretrained=None, pretrained2d=False, norm_eval=False),
    video_input='frames',
    proj_channels=512)
