# AVID+CMA (AVID-CMA Eq. 7-10), R3D encoders, Kinetics-Sounds32.
# CMA starts from a Cross-AVID checkpoint (paper: the Cross-AVID model at
# half of its schedule, then as many epochs again). Run
# configs/related/avid_cross_r3d_k32.py first; `load_from` below is its
# epoch-150 checkpoint in the default work dir (override with
#   --cfg-options load_from=PATH). It restores the encoders, projectors
# and memory banks; CMAPositiveSetHook then takes for every clip the
# K_p = 32 clips of highest agreement min(v_i.v_j, a_i.a_j) on the banks
# (computed once and kept, as in the paper), and the loss is Cross-AVID +
# lambda * within-modal positive discrimination (K_n = 1024 negatives
# outside the positive set, lambda = 1), for 150 epochs (150 + 150 = the
# 300 epochs of the other methods).
#   bash tools/dist_train.sh configs/related/cma_r3d_k32.py 8
_base_ = ['../_base_/models/cma_r3d.py', '../_base_/pretrain_ks.py']
train_dataloader = dict(
    batch_size=2,
    dataset=dict(ann_file='data/kinetics_sounds/k32_train.txt',
                 classes=None))
load_from = 'work_dirs/avid_cross_r3d_k32/epoch_150.pth'
train_cfg = dict(max_epochs=150)
# MemoryBankSizeHook (ABOVE_NORMAL) runs before CMAPositiveSetHook (NORMAL)
custom_hooks = [
    dict(type='BadSampleReportHook'),
    dict(type='MemoryBankSizeHook'),
    dict(type='CMAPositiveSetHook', k_pos=32, interval_epochs=None,
         chunk_size=4096),
]
