# Shared by the demo finetuning configs: 30 epochs of SGD (lr 0.01, wd 5e-3),
# validation every 3 epochs keeping the best top-1, 3-clip test. Leaf configs
# add the classifier model at demo size and load_from the pretraining run.
_base_ = [
    './datasets/demo_av.py', './schedules/sgd_finetune_150e.py',
    './default_runtime.py'
]
train_cfg = dict(max_epochs=30, val_interval=3)
optim_wrapper = dict(
    type='FiniteLossOptimWrapper',
    optimizer=dict(lr=0.01, momentum=0.9, weight_decay=5e-3))
default_hooks = dict(
    logger=dict(interval=6),
    checkpoint=dict(interval=3, max_keep_ckpts=1, save_best='acc/top1',
                    rule='greater'))
custom_hooks = [dict(type='BadSampleReportHook'),
                dict(type='AMFMMonitorHook', interval=6)]
randomness = dict(seed=0)
