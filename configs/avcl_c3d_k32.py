# AVCL self-supervised pretraining, c3d encoders, Kinetics-Sounds32
# (paper Sec. III-B): SGD lr 0.001, momentum 0.9, wd 5e-4, 300 epochs,
# total batch 16 = 8 GPUs x 2 clips, BN synchronised across GPUs.
#   bash tools/dist_train.sh configs/avcl_c3d_k32.py 8
_base_ = [
    './_base_/models/avcl_c3d.py',
    './_base_/datasets/kinetics_sounds_av.py',
    './_base_/schedules/sgd_pretrain_300e.py', './_base_/default_runtime.py'
]
ann_file_train = 'data/kinetics_sounds/k32_train.txt'
train_dataloader = dict(
    batch_size=2, dataset=dict(ann_file=ann_file_train, classes=None))
val_dataloader = None
val_evaluator = None
test_dataloader = None
test_evaluator = None
sync_bn = 'torch'
optim_wrapper = dict(type='FiniteLossOptimWrapper')
auto_scale_lr = dict(enable=True, base_batch_size=16)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
custom_hooks = [dict(type='BadSampleReportHook')]
