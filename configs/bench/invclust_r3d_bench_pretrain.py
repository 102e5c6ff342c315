# Invariant Information Clustering (Ji et al.) pretraining on the bench
# data: bench-size encoders (8 base channels), 12 clusters (the classes).
_base_ = ['../_base_/models/invclust_r3d.py', '../_base_/pretrain_bench.py']
model = dict(
    video_backbone=dict(base_channels=8),
    audio_backbone=dict(base_channels=8),
    feat_channels=(64, 64),
    neck=dict(video=dict(out_channels=12), audio=dict(out_channels=12)),
    head=dict(loss=dict(num_clusters=12)))
