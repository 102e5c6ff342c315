# Shared by the demo pretraining configs (embedded demo dataset, CPU,
# minutes): 30 epochs of SGD (the paper's lr 0.001, momentum 0.9, wd 5e-4),
# no labels, no validation. Leaf configs add a model (configs/_base_/models)
# narrowed to demo size (16 base channels, 128-d encoder outputs).
_base_ = [
    './datasets/demo_av.py', './schedules/sgd_pretrain_300e.py',
    './default_runtime.py'
]
# no labels are read during pretraining
train_dataloader = dict(dataset=dict(classes=None))
train_cfg = dict(max_epochs=30)
optim_wrapper = dict(
    type='FiniteLossOptimWrapper',
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
