# AVCL self-supervised pretraining on the demo dataset (CPU, minutes).
# Same model, reading of Eq. 3-11 and lr (0.001) as the paper configs, with
# 16 instead of 64 base channels and the demo's smaller inputs.
_base_ = [
    '../_base_/models/avcl_r3d.py', '../_base_/datasets/demo_av.py',
    '../_base_/schedules/sgd_pretrain_300e.py',
    '../_base_/default_runtime.py'
]
model = dict(
    video_backbone=dict(base_channels=16),
    audio_backbone=dict(base_channels=16),
    feat_channels=(128, 128))
# no labels are read during pretraining
train_dataloader = dict(dataset=dict(classes=None))
train_cfg = dict(max_epochs=30)
optim_wrapper = dict(
    type='FiniteLossOptimWrapper',
    # the paper's lr: at 0.01 every reading loses 25-50 % of its gate
    # channels within 120 steps (docs/amfm_readings.md)
    optimizer=dict(lr=0.001, momentum=0.9, weight_decay=5e-4))
default_hooks = dict(
    logger=dict(interval=6),
    checkpoint=dict(interval=10, max_keep_ckpts=1))
# AMFMMonitorHook logs amfm_dead_share and cgra_diag_mean every 6
# iterations and warns once when most gate channels are dead (models without
# an AMFM neck skip it)
custom_hooks = [dict(type='BadSampleReportHook'),
                dict(type='AMFMMonitorHook', interval=6)]
randomness = dict(seed=0)
# self-supervised: no validation or test during pretraining
val_dataloader = None
val_evaluator = None
test_dataloader = None
test_evaluator = None
