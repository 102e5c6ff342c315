# MoCo pretraining on the bench data: bench-size encoders (8 base channels),
# projectors (128 hidden, 64-d), a queue of 128 keys per modality (under
# half the 288 training clips, so that a clip rarely meets its own old key
# as a negative) and momentum 0.99 (0.999 barely moves the key encoders in
# the bench's 720 steps).
_base_ = ['../_base_/models/moco_r3d.py', '../_base_/pretrain_bench.py']
model = dict(
    video_backbone=dict(base_channels=8),
    audio_backbone=dict(base_channels=8),
    feat_channels=(64, 64),
    momentum=0.99,
    neck=dict(video=dict(hidden_channels=128, out_channels=64),
              audio=dict(hidden_channels=128, out_channels=64)),
    head=dict(loss=dict(queue_size=128, feat_dim=64)))
