# SimCLR (cross-modal NT-Xent): demo pretraining
# (CPU, minutes), the AVCL demo pretraining without AMFM and with a
# demo-sized projector (the paper-sized one is in
# configs/baselines/simclr_r3d_k32.py). Then finetune:
#   python tools/train.py configs/baselines/demo/concat_r3d_demo_finetune.py \
#       --work-dir work_dirs/simclr_r3d_demo_finetune \
#       --cfg-options \
#       load_from=work_dirs/simclr_r3d_demo_pretrain/epoch_30.pth
_base_ = ['../_base_/ssl_r3d_demo.py']
proj = dict(in_channels=128, hidden_channels=128, out_channels=64,
            num_layers=2)
model = dict(
    ssl_head=dict(
        _delete_=True,  # replace the base's ssl_head, do not merge
        type='AVSSLHead',
        projector=dict(type='AVProjection', video=proj, audio=proj),
        loss=dict(type='NTXentCrossModalLoss', temperature=0.1)))
