# Shared by the AVID / CMA configs at Kinetics-Sounds32 scale: the AVID
# model (configs/_base_/models/avid_r3d.py) on the AVCL pretraining schedule
# of configs/_base_/pretrain_ks.py (SGD lr 0.001, 300 epochs, total batch
# 16 = 8 GPUs x 2, SyncBN: the projection BNs see the global batch) so that
# all methods of the comparison share data, encoders and schedule. (The AVID
# paper itself: Adam lr 1e-4, wd 1e-5, batch 256, 400 epochs; set
# optim_wrapper.optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-5) to
# follow it.)
_base_ = ['../../_base_/models/avid_r3d.py', '../../_base_/pretrain_ks.py']
train_dataloader = dict(
    batch_size=2,
    dataset=dict(ann_file='data/kinetics_sounds/k32_train.txt',
                 classes=None))
custom_hooks = [
    dict(type='BadSampleReportHook'),
    dict(type='MemoryBankSizeHook'),
]
