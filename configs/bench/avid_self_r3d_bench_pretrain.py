# Self-AVID (AVID Eq. 4) pretraining on the bench data: bench-size encoders
# (8 base channels) and MLPs (128 hidden, 64-d), 256 negatives drawn from
# the other 287 training clips' memory-bank rows.
_base_ = ['../_base_/models/avid_r3d.py', '../_base_/pretrain_bench.py']
model = dict(
    video_backbone=dict(base_channels=8),
    audio_backbone=dict(base_channels=8),
    feat_channels=(64, 64),
    neck=dict(video=dict(hidden_channels=128, out_channels=64),
              audio=dict(hidden_channels=128, out_channels=64)),
    head=dict(loss=dict(target='self', num_negatives=256)))
custom_hooks = [dict(type='BadSampleReportHook'),
                dict(type='MemoryBankSizeHook')]
