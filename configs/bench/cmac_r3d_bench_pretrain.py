# CMAC pretraining on the bench data: bench-size encoders (8 base
# channels), 64 filter channels, a 64-d contrastive head, a queue of 128
# keys (under half the 288 training clips) and momentum 0.99.
_base_ = ['../_base_/models/cmac_r3d.py', '../_base_/pretrain_bench.py']
model = dict(
    video_backbone=dict(base_channels=8),
    audio_backbone=dict(base_channels=8),
    feat_channels=(64, 64),
    momentum=0.99,
    head=dict(filter_channels=64, saliency_channels=32, feat_dim=64,
              momentum=0.99, loss=dict(queue_size=128)))
