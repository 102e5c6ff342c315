# SimSiam (Chen & He 2021) as an AVCL comparison method (Table IV, R3D, K32:
# 72.9 top-1 in the paper): the prediction of each modality is pulled to the
# stop-gradient projection of the other modality. SimSiam's 3-layer
# projector 512 -> 2048 -> 2048 (BN on the output) and bottleneck predictor
# 2048 -> 512 -> 2048.
#   bash tools/dist_train.sh configs/baselines/simsiam_r3d_k32.py 8
# then finetune with configs/baselines/concat_r3d_k32_finetune.py.
_base_ = ['./_base_/ssl_r3d_k32.py']
proj = dict(in_channels=512, hidden_channels=2048, out_channels=2048,
            num_layers=3, last_bn=True)
pred = dict(in_channels=2048, hidden_channels=512, out_channels=2048,
            num_layers=2)
model = dict(
    ssl_head=dict(
        _delete_=True,  # replace the base's ssl_head, do not merge
        type='AVSSLHead',
        projector=dict(type='AVProjection', video=proj, audio=proj,
                       predictor=pred),
        loss=dict(type='SimSiamLoss')))
