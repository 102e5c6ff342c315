# Shared by the bench pretraining configs (configs/bench/*_pretrain.py): the
# bench data (configs/_base_/datasets/bench_av.py), no labels, no
# validation, one schedule for every method: 40 epochs of SGD (momentum
# 0.9, weight decay 5e-4, batch 16, constant lr 0.01 as in the demo).
# AVCL alone uses lr 0.003 (configs/bench/avcl_r3d_bench_pretrain.py; why:
# docs/leaderboard.md). Leaf configs add a model
# (configs/_base_/models/<method>_r3d.py) at bench size: R3D encoders of 8
# base channels (64-d outputs).
_base_ = [
    './datasets/bench_av.py', './schedules/sgd_pretrain_300e.py',
    './default_runtime.py'
]
train_dataloader = dict(dataset=dict(classes=None))  # no labels are read
train_cfg = dict(max_epochs=40)
optim_wrapper = dict(
    type='FiniteLossOptimWrapper',
    optimizer=dict(lr=0.01, momentum=0.9, weight_decay=5e-4))
default_hooks = dict(
    logger=dict(interval=18),
    checkpoint=dict(interval=10, max_keep_ckpts=1))
# models without an AMFM neck skip AMFMMonitorHook
custom_hooks = [dict(type='BadSampleReportHook'),
                dict(type='AMFMMonitorHook', interval=18)]
randomness = dict(seed=0)
val_dataloader = None
val_evaluator = None
test_dataloader = None
test_evaluator = None
