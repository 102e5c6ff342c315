
_base_ = ['../../_base_/models/avid_r3d.py',
          '../../_base_/pretrain_demo.py']
model = dict(
    video_backbone=dict(base_channels=16),
    audio_backbone=dict(base_channels=16),
    feat_channels=(128, 128),
    head=dict(loss=dict(num_negatives=64)))
# the lr the comparison methods were measured with on the demo
optim_wrapper = dict(optimizer=dict(lr=0.01))
custom_hooks = [
    dict(type='BadSampleReportHook'),
    dict(type='MemoryBankSizeHook'),
]
