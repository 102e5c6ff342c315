# Shared by the Kinetics-Sounds finetuning configs (paper Sec. III-B):
# wd 5e-3, 150 epochs, best val top-1 kept, 10-clip test, SyncBN, lr scaled
# from the paper's total batch 16. Leaf configs add the model and the splits.
_base_ = [
    './datasets/kinetics_sounds_av.py', './schedules/sgd_finetune_150e.py',
    './default_runtime.py'
]
sync_bn = 'torch'
optim_wrapper = dict(type='FiniteLossOptimWrapper')
auto_scale_lr = dict(enable=True, base_batch_size=16)
# AMFMMonitorHook logs amfm_dead_share and cgra_diag_mean every 20
# iterations and warns once when most gate channels are dead (models without
# an AMFM neck skip it)
custom_hooks = [dict(type='BadSampleReportHook'),
                dict(type='AMFMMonitorHook', interval=20)]
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', interval=1, max_keep_ckpts=2,
                    save_best='acc/top1', rule='greater'))
