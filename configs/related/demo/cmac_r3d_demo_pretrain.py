# CMAC pretraining on the demo dataset (CPU, minutes): MapAVRecognizer
# passes the unpooled encoder maps to the CMAC head (PCF, saliency heads,
# attention consistency, MoCo-queue contrastive loss). Demo-sized: 128
# filter channels, 128-d contrastive head, a queue of 48 keys (3 batches;
# the 96-clip set must not see its own old keys as negatives), momentum
# 0.99 (0.999 would barely move the key encoders in 180 steps).
#   python tools/train.py configs/related/demo/cmac_r3d_demo_pretrain.py
_base_ = [
    '../../_base_/models/avcl_r3d.py', '../../_base_/datasets/demo_av.py',
    '../../_base_/schedules/sgd_pretrain_300e.py',
    '../../_base_/default_runtime.py'
]
model = dict(
    # the comparison methods use the plain R3D encoders (AVCL's signed
    # features are a reading of AVCL's Eq. 6)
    signed_features=False,
    type='MapAVRecognizer',
    momentum=0.99,
    video_backbone=dict(base_channels=16),
    audio_backbone=dict(base_channels=16),
    feat_channels=(128, 128),
    neck=None,
    ssl_head=dict(
        _delete_=True,
        type='CMACHead',
        in_channels=128,
        filter_channels=128,
        num_scales=2,
        norm='cosine',
        saliency_channels=64,
        feat_dim=128,
        proj_layers=2,
        momentum=0.99,
        loss=dict(type='CMACLoss', temperature=0.07, queue_size=48,
                  lambda_ac=1.5)))
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
val_dataloader = None
val_evaluator = None
test_dataloader = None
test_evaluator = None
