# AVID+CMA pretraining on the bench data: 20 CMA epochs from the epoch-20
# Cross-AVID checkpoint (avid_cross_r3d_bench_pretrain.py), so that the two
# stages together train as long as every other method (40 epochs). Its
# encoders, MLPs and memory banks are restored; CMAPositiveSetHook picks 8
# positives per clip by cross-modal agreement (32 in the paper, with 24
# training clips per class here), 256 negatives. Point load_from at the
# Cross-AVID run:
#   python tools/train.py configs/bench/cma_r3d_bench_pretrain.py --seed 0 \
#       --cfg-options load_from=work_dirs/x/avid_cross/pretrain/epoch_20.pth
_base_ = ['../_base_/models/cma_r3d.py', '../_base_/pretrain_bench.py']
model = dict(
    video_backbone=dict(base_channels=8),
    audio_backbone=dict(base_channels=8),
    feat_channels=(64, 64),
    neck=dict(video=dict(hidden_channels=128, out_channels=64),
              audio=dict(hidden_channels=128, out_channels=64)),
    head=dict(loss=dict(num_negatives=256, num_positives=8)))
load_from = 'work_dirs/avid_cross_r3d_bench_pretrain/epoch_20.pth'
train_cfg = dict(max_epochs=20)
custom_hooks = [
    dict(type='BadSampleReportHook'),
    dict(type='MemoryBankSizeHook'),
    dict(type='CMAPositiveSetHook', k_pos=8),
]
