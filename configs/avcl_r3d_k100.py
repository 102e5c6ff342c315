# AVCL self-supervised pretraining, r3d encoders, Kinetics-Sounds100.
#   bash tools/dist_train.sh configs/avcl_r3d_k100.py 8
_base_ = ['./_base_/models/avcl_r3d.py', './_base_/pretrain_ks.py']
train_dataloader = dict(
    batch_size=2,
    dataset=dict(ann_file='data/kinetics_sounds/k100_train.txt',
                 classes=None))
