# SimSiam pretraining on the bench data: bench-size encoders (8 base
# channels), 3-layer projector (256-d) and bottleneck predictor (64 hidden).
_base_ = ['../_base_/models/simsiam_r3d.py', '../_base_/pretrain_bench.py']
model = dict(
    video_backbone=dict(base_channels=8),
    audio_backbone=dict(base_channels=8),
    feat_channels=(64, 64),
    neck=dict(video=dict(hidden_channels=256, out_channels=256),
              audio=dict(hidden_channels=256, out_channels=256)),
    head=dict(predictor=dict(hidden_channels=64, out_channels=256)))
