# BYOL (momentum target network + predictor): demo pretraining
# (CPU, minutes), the AVCL demo pretraining without AMFM and with a
# demo-sized projector (the paper-sized one is in
# configs/baselines/byol_r3d_k32.py). Then finetune:
#   python tools/train.py configs/baselines/demo/concat_r3d_demo_finetune.py \
#       --work-dir work_dirs/byol_r3d_demo_finetune \
#       --cfg-options \
#       load_from=work_dirs/byol_r3d_demo_pretrain/epoch_30.pth
# Demo: momentum 0.99 raised to 1 by the cosine schedule (180 steps).
_base_ = ['../_base_/ssl_r3d_demo.py']
proj = dict(in_channels=128, hidden_channels=256, out_channels=64,
            num_layers=2)
pred = dict(in_channels=64, hidden_channels=256, out_channels=64,
            num_layers=2)
model = dict(
    type='MomentumAVRecognizer',
    momentum=0.99,
    momentum_schedule='cosine',
    ssl_head=dict(
        _delete_=True,  # replace the base's ssl_head, do not merge
        type='AVSSLHead',
        projector=dict(type='AVProjection', video=proj, audio=proj,
                       predictor=pred),
        loss=dict(type='BYOLLoss')))
