# IIC (inter-intra contrastive framework, Tao et al. 2020): demo pretraining
# (CPU, minutes), the AVCL demo pretraining without AMFM; intra-negatives
# are the clips' own frames with one frame repeated (the paper-sized config
# is configs/baselines/iic_r3d_k32.py). Then finetune:
#   python tools/train.py configs/baselines/demo/concat_r3d_demo_finetune.py \
#       --work-dir work_dirs/iic_r3d_demo_finetune \
#       --cfg-options \
#       load_from=work_dirs/iic_r3d_demo_pretrain/epoch_30.pth
_base_ = ['../_base_/ssl_r3d_demo.py']
model = dict(
    type='InterIntraAVRecognizer',
    intra_negative='repeat',
    ssl_head=dict(
        _delete_=True,  # replace the base's ssl_head, do not merge
        type='AVSSLHead',
        projector=None,
        loss=dict(type='InterIntraContrastLoss', temperature=0.07)))
