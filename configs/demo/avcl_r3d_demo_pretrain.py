# AVCL self-supervised pretraining on the demo dataset (CPU, minutes).
# Same model as the paper's R3D AVCL with 16 instead of 64 base channels.
_base_ = [
    '../_base_/models/avcl_r3d.py', '../_base_/datasets/demo_av.py',
    '../_base_/schedules/sgd_pretrain_300e.py',
    '../_base_/default_runtime.py'
]
model = dict(
    video_backbone=dict(base_channels=16),
    audio_backbone=dict(base_channels=16),
    feat_channels=(128, 128),
    # sigmoid gate: with the paper's ReLU gate, CGRA's column normalisation
    # drives most gate channels to zero for good (measured: 116 of 128 dead
    # after 15 SGD steps on one demo batch, L_cor rising 40 -> 116); see
    # README "Notes on the paper".
    neck=dict(gate='sigmoid'))
# no labels are read during pretraining
train_dataloader = dict(dataset=dict(classes=None))
train_cfg = dict(max_epochs=30)
optim_wrapper = dict(
    type='FiniteLossOptimWrapper',
    optimizer=dict(lr=0.01, momentum=0.9, weight_decay=5e-4))
default_hooks = dict(
    logger=dict(interval=6),
    checkpoint=dict(interval=10, max_keep_ckpts=1))
custom_hooks = [dict(type='BadSampleReportHook')]
randomness = dict(seed=0)
# self-supervised: no validation or test during pretraining
val_dataloader = None
val_evaluator = None
test_dataloader = None
test_evaluator = None
