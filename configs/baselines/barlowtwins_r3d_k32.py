# Barlow Twins (Zbontar et al. 2021) as an AVCL comparison method (Table IV,
# R3D, K32: 69.6 top-1 in the paper): the video-audio cross-correlation of
# the batch-standardised embeddings is pushed to the identity, lambda 0.0051.
# Projector 512 -> 2048 -> 2048 -> 2048 (BN, ReLU in the hidden layers; the
# paper's 8192 shrunk with the 512-d encoders).
#   bash tools/dist_train.sh configs/baselines/barlowtwins_r3d_k32.py 8
# then finetune with configs/baselines/concat_r3d_k32_finetune.py.
_base_ = ['./_base_/ssl_r3d_k32.py']
proj = dict(in_channels=512, hidden_channels=2048, out_channels=2048,
            num_layers=3)
model = dict(
    ssl_head=dict(
        _delete_=True,  # replace the base's ssl_head, do not merge
        type='AVSSLHead',
        projector=dict(type='AVProjection', video=proj, audio=proj),
        loss=dict(type='BarlowTwinsLoss', lambd=0.0051)))
