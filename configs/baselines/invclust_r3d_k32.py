# Invariant Information Clustering (Ji, Henriques, Vedaldi, ICCV 2019) in
# the two-stream framework: maximise the mutual information of the video and
# audio soft cluster assignments of the same clips. Not a method of AVCL's
# Table IV (its "IIC" is Tao et al.'s inter-intra contrastive framework,
# configs/baselines/iic_r3d_k32.py); kept as its own comparison row. One
# linear cluster head per modality, 512 -> 32 clusters (the number of K32
# classes; labels are never read). Raise num_clusters for over-clustering.
#   bash tools/dist_train.sh configs/baselines/invclust_r3d_k32.py 8
# then finetune with configs/baselines/concat_r3d_k32_finetune.py.
_base_ = ['../_base_/models/invclust_r3d.py', '../_base_/pretrain_ks.py']
train_dataloader = dict(
    batch_size=2,
    dataset=dict(ann_file='data/kinetics_sounds/k32_train.txt',
                 classes=None))
