# Invariant Information Clustering on Kinetics-Sounds100:
# invclust_r3d_k32.py with the K100 training clips and 100 clusters (the
# number of K100 classes; labels are never read).
#   bash tools/dist_train.sh configs/baselines/invclust_r3d_k100.py 8
# then finetune with configs/baselines/concat_r3d_k100_finetune.py.
_base_ = ['./invclust_r3d_k32.py']
num_clusters = 100
model = dict(
    neck=dict(video=dict(out_channels=num_clusters),
              audio=dict(out_channels=num_clusters)),
    head=dict(loss=dict(num_clusters=num_clusters)))
train_dataloader = dict(
    dataset=dict(ann_file='data/kinetics_sounds/k100_train.txt'))
