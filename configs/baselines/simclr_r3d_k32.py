# SimCLR (Chen et al. 2020) as an AVCL comparison method (Table IV, R3D,
# K32: 69.7 top-1 in the paper): NT-Xent over the 2N video and audio
# embeddings of a batch, positives (v_i, a_i). Projector per modality as
# SimCLR: 512 -> 512 (BN, ReLU) -> 128; temperature 0.1.
#   bash tools/dist_train.sh configs/baselines/simclr_r3d_k32.py 8
# then finetune with configs/baselines/concat_r3d_k32_finetune.py.
_base_ = ['../_base_/models/simclr_r3d.py', '../_base_/pretrain_ks.py']
train_dataloader = dict(
    batch_size=2,
    dataset=dict(ann_file='data/kinetics_sounds/k32_train.txt',
                 classes=None))
