# Invariant Information Clustering (Ji et al., ICCV 2019; not AVCL's "IIC")
# on the two-stream R3D encoders: a linear cluster head per modality and the
# mutual information of the video and audio cluster assignments. The number
# of clusters is the number of classes of the dataset.
_base_ = ['./two_stream_r3d.py']
num_clusters = 32
cluster = dict(out_channels=num_clusters, num_layers=1)
model = dict(
    type='InvClust',
    neck=dict(type='AVProjection', video=cluster, audio=cluster),
    head=dict(type='AVContrastiveHead',
              loss=dict(type='InvariantInfoClusteringLoss',
                        num_clusters=num_clusters)))
