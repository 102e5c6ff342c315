# BYOL pretraining on the bench data: bench-size encoders (8 base channels),
# projector and predictor MLPs (256 hidden, 64-d), momentum 0.99 raised to 1
# by the cosine schedule.
_base_ = ['../_base_/models/byol_r3d.py', '../_base_/pretrain_bench.py']
model = dict(
    video_backbone=dict(base_channels=8),
    audio_backbone=dict(base_channels=8),
    feat_channels=(64, 64),
    momentum=0.99,
    neck=dict(video=dict(hidden_channels=256, out_channels=64),
              audio=dict(hidden_channels=256, out_channels=64)),
    head=dict(predictor=dict(hidden_channels=256, out_channels=64)))
