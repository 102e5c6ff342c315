# AVCL pretraining model, C3D encoders (paper Sec. III-B): C3D's eight 3x3x3
# convs and five max-pools with fc6/fc7 replaced by global spatio-temporal
# pooling (C3DGAP; the pooling is done by the recognizer). BN after each conv,
# as in the C3D used by self-supervised video work trained from scratch
# (the original C3D has none: set norm_cfg=None).
# Video 16x112x112 -> 512 x 1x4x4. Audio: one-frame, one-channel
# spectrogram clip, no temporal pooling, temporal kernel 1 -> 512 x 1x4x4.
_base_ = ['./avcl_r3d.py']

model = dict(
    video_backbone=dict(
        _delete_=True,
        type='C3DGAP',
        in_channels=3,
        base_channels=64,
        temporal_pool=True,
        temporal_kernel=3,
        norm_cfg=dict(type='BN3d')),
    audio_backbone=dict(
        _delete_=True,
        type='C3DGAP',
        in_channels=1,
        base_channels=64,
        temporal_pool=False,
        temporal_kernel=1,
        norm_cfg=dict(type='BN3d')))
