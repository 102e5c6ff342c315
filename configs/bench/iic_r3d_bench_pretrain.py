# IIC (Tao et al.'s inter-intra contrastive framework) pretraining on the
# bench data: bench-size encoders (8 base channels), no projector.
_base_ = ['../_base_/models/iic_r3d.py', '../_base_/pretrain_bench.py']
model = dict(
    video_backbone=dict(base_channels=8),
    audio_backbone=dict(base_channels=8),
    feat_channels=(64, 64))
