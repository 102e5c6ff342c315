# CMAC pretraining on the demo dataset (CPU, minutes): the CMAC model
# passes the unpooled encoder maps to the CMAC head (PCF, saliency heads,
# attention consistency, MoCo-queue contrastive loss). Demo-sized: 128
# filter channels, 128-d contrastive head, a queue of 48 keys (3 batches;
# the 96-clip set must not see its own old keys as negatives), momentum
# 0.99 (0.999 would barely move the key encoders in 180 steps).
#   python tools/train.py configs/related/demo/cmac_r3d_demo_pretrain.py
_base_ = ['../../_base_/models/cmac_r3d.py',
          '../../_base_/pretrain_demo.py']
model = dict(
    video_backbone=dict(base_channels=16),
    audio_backbone=dict(base_channels=16),
    feat_channels=(128, 128),
    momentum=0.99,
    head=dict(filter_channels=128, saliency_channels=64, feat_dim=128,
              momentum=0.99, loss=dict(queue_size=48)))
optim_wrapper = dict(optimizer=dict(lr=0.01))
custom_hooks = [dict(type='BadSampleReportHook')]
