# AVID+CMA pretraining on the demo dataset. CMA starts from a Cross-AVID
# checkpoint: run avid_cross_r3d_demo_pretrain.py first; `load_from` is its
# epoch-15 checkpoint in the default work dir (override with
#   --cfg-options load_from=PATH). Its encoders, projectors and memory banks
# are restored; CMAPositiveSetHook then computes each clip's positive set
# from the banks. The 96-clip demo set gets 8 positives per clip (32 in the
# paper, a third of this dataset), 64 negatives; 15 more epochs.
#   python tools/train.py configs/related/demo/cma_r3d_demo_pretrain.py
_base_ = ['../../_base_/models/cma_r3d.py',
          '../../_base_/pretrain_demo.py']
model = dict(
    video_backbone=dict(base_channels=16),
    audio_backbone=dict(base_channels=16),
    feat_channels=(128, 128),
    head=dict(loss=dict(num_negatives=64, num_positives=8)))
optim_wrapper = dict(optimizer=dict(lr=0.01))
load_from = 'work_dirs/avid_cross_r3d_demo_pretrain/epoch_15.pth'
train_cfg = dict(max_epochs=15)
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=1))
custom_hooks = [
    dict(type='BadSampleReportHook'),
    dict(type='MemoryBankSizeHook'),
    dict(type='CMAPositiveSetHook', k_pos=8),
]
