# SimCLR (cross-modal NT-Xent) pretraining on the bench data: bench-size
# encoders (8 base channels) and projectors (128 hidden, 64-d).
_base_ = ['../_base_/models/simclr_r3d.py', '../_base_/pretrain_bench.py']
model = dict(
    video_backbone=dict(base_channels=8),
    audio_backbone=dict(base_channels=8),
    feat_channels=(64, 64),
    neck=dict(video=dict(hidden_channels=128, out_channels=64),
              audio=dict(hidden_channels=128, out_channels=64)))
