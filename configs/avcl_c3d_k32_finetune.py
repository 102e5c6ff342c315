# AVCL finetuning + test, c3d encoders, Kinetics-Sounds32
# (paper Sec. III-B): both encoders and AMFM from the pretraining checkpoint,
# classifier on [f_v; f_a] with dropout 0.7, wd 5e-3, 150 epochs, best val
# top-1 kept, 10-clip test.
#   bash tools/dist_train.sh configs/avcl_c3d_k32_finetune.py 8 \
#       --cfg-options load_from=work_dirs/avcl_c3d_k32/epoch_300.pth
_base_ = [
    './_base_/models/avcl_c3d.py',
    './_base_/datasets/kinetics_sounds_av.py',
    './_base_/schedules/sgd_finetune_150e.py', './_base_/default_runtime.py'
]
ann_file_train = 'data/kinetics_sounds/k32_train.txt'
ann_file_val = 'data/kinetics_sounds/k32_val.txt'
ann_file_test = 'data/kinetics_sounds/k32_test.txt'
class_list = 'data/kinetics_sounds/k32_classes.txt'
model = dict(
    ssl_head=None,
    train_mode='cls',
    cls_head=dict(type='AVClsHead', num_classes=32, dropout_ratio=0.7,
                  average_clips='prob'))
train_dataloader = dict(
    dataset=dict(ann_file=ann_file_train, classes=class_list))
val_dataloader = dict(dataset=dict(ann_file=ann_file_val, classes=class_list))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file_test, classes=class_list))
sync_bn = 'torch'
optim_wrapper = dict(type='FiniteLossOptimWrapper')
auto_scale_lr = dict(enable=True, base_batch_size=16)
custom_hooks = [dict(type='BadSampleReportHook')]
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2,
                    save_best='acc/top1', rule='greater'))
