# Supervised finetuning of demo-pretrained AVID / CMA / CMAC encoders with
# a classifier on the plain concatenation [v; a] (no fusion neck); the best
# val top-1 checkpoint is kept and tested with 3-clip averaging. Pass the
# pretraining checkpoint and a work dir per method, e.g.
#   python tools/train.py configs/related/demo/related_r3d_demo_finetune.py \
#       --work-dir work_dirs/related_demo/cma_finetune \
#       --cfg-options load_from=work_dirs/cma_r3d_demo_pretrain/epoch_15.pth
_base_ = [
    '../../_base_/models/avcl_r3d.py', '../../_base_/datasets/demo_av.py',
    '../../_base_/schedules/sgd_finetune_150e.py',
    '../../_base_/default_runtime.py'
]
model = dict(
    video_backbone=dict(base_channels=16),
    audio_backbone=dict(base_channels=16),
    feat_channels=(128, 128),
    neck=None,
    ssl_head=None,
    train_mode='cls',
    cls_head=dict(type='AVClsHead', num_classes=6, dropout_ratio=0.7,
                  average_clips='prob'))
train_cfg = dict(max_epochs=12, val_interval=2)
optim_wrapper = dict(
    type='FiniteLossOptimWrapper',
    optimizer=dict(lr=0.01, momentum=0.9, weight_decay=5e-3))
default_hooks = dict(
    logger=dict(interval=6),
    checkpoint=dict(interval=2, max_keep_ckpts=1, save_best='acc/top1',
                    rule='greater'))
custom_hooks = [dict(type='BadSampleReportHook')]
randomness = dict(seed=0)
