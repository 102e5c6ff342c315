# Shared by the bench finetuning / supervised configs: 20 epochs of SGD
# (lr 0.01, momentum 0.9, weight decay 5e-3), batch 16, validation on the
# 96 val clips every 2 epochs keeping the best top-1, a one-clip test on the
# 576 test clips. Leaf configs add the classifier at bench size and
# load_from the pretraining checkpoint (none: from scratch).
_base_ = [
    './datasets/bench_av.py', './schedules/sgd_finetune_150e.py',
    './default_runtime.py'
]
train_cfg = dict(max_epochs=20, val_interval=2)
optim_wrapper = dict(
    type='FiniteLossOptimWrapper',
    optimizer=dict(lr=0.01, momentum=0.9, weight_decay=5e-3))
default_hooks = dict(
    logger=dict(interval=18),
    checkpoint=dict(interval=2, max_keep_ckpts=1, save_best='acc/top1',
                    rule='greater'))
custom_hooks = [dict(type='BadSampleReportHook'),
                dict(type='AMFMMonitorHook', interval=18)]
randomness = dict(seed=0)
