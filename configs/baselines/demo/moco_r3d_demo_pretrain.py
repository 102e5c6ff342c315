# MoCo (momentum encoders + key queues): demo pretraining
# (CPU, minutes), the AVCL demo pretraining without AMFM and with a
# demo-sized projector (the paper-sized one is in
# configs/baselines/moco_r3d_k32.py). Then finetune:
#   python tools/train.py configs/baselines/demo/concat_r3d_demo_finetune.py \
#       --work-dir work_dirs/moco_r3d_demo_finetune \
#       --cfg-options \
#       load_from=work_dirs/moco_r3d_demo_pretrain/epoch_30.pth
# Demo: queue of 64 keys (< 96 training clips), momentum 0.99 (180 steps).
_base_ = ['../_base_/ssl_r3d_demo.py']
proj = dict(in_channels=128, hidden_channels=128, out_channels=64,
            num_layers=2, with_bn=False)
model = dict(
    type='MomentumAVRecognizer',
    momentum=0.99,
    momentum_schedule='constant',
    ssl_head=dict(
        _delete_=True,  # replace the base's ssl_head, do not merge
        type='AVSSLHead',
        projector=dict(type='AVProjection', video=proj, audio=proj),
        loss=dict(type='MoCoQueueLoss', temperature=0.07, queue_size=64,
                  feat_dim=64)))
