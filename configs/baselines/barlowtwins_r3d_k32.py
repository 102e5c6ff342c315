# Barlow Twins (Zbontar et al. 2021) as an AVCL comparison method (Table IV,
# R3D, K32: 69.6 top-1 in the paper): the video-audio cross-correlation of
# the batch-standardised embeddings is pushed to the identity, lambda 0.0051.
# Projector 512 -> 2048 -> 2048 -> 2048 (BN, ReLU in the hidden layers; the
# paper's 8192 shrunk with the 512-d encoders).
#   bash tools/dist_train.sh configs/baselines/barlowtwins_r3d_k32.py 8
# then finetune with configs/baselines/concat_r3d_k32_finetune.py.
_base_ = ['../_base_/models/barlowtwins_r3d.py', '../_base_/pretrain_ks.py']
train_dataloader = dict(
    batch_size=2,
    dataset=dict(ann_file='data/kinetics_sounds/k32_train.txt',
                 classes=None))
