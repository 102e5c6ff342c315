# Shared by the Kinetics-Sounds AVCL pretraining configs (paper Sec. III-B):
# SGD lr 0.001, momentum 0.9, wd 5e-4, 300 epochs, total batch 16 = 8 GPUs x
# 2 clips, BN synchronised across GPUs, no labels, no validation.
_base_ = [
    './datasets/kinetics_sounds_av.py', './schedules/sgd_pretrain_300e.py',
    './default_runtime.py'
]
val_dataloader = None
val_evaluator = None
test_dataloader = None
test_evaluator = None
sync_bn = 'torch'
optim_wrapper = dict(type='FiniteLossOptimWrapper')
auto_scale_lr = dict(enable=True, base_batch_size=16)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
# AMFMMonitorHook logs amfm_dead_share and cgra_diag_mean every 20
# iterations and warns once when most gate channels are dead (models without
# an AMFM neck skip it)
custom_hooks = [dict(type='BadSampleReportHook'),
                dict(type='AMFMMonitorHook', interval=20)]
