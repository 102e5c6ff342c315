# IIC (Ji et al. 2019) as an AVCL comparison method (Table IV, R3D, K32:
# 60.5 top-1 in the paper): maximise the mutual information of the video and
# audio soft cluster assignments of the same clips. One linear cluster head
# per modality, 512 -> 32 clusters (the number of K32 classes; labels are
# never read). Raise num_clusters for over-clustering.
#   bash tools/dist_train.sh configs/baselines/iic_r3d_k32.py 8
# then finetune with configs/baselines/concat_r3d_k32_finetune.py.
_base_ = ['./_base_/ssl_r3d_k32.py']
num_clusters = 32
cluster = dict(in_channels=512, out_channels=num_clusters, num_layers=1)
model = dict(
    ssl_head=dict(
        _delete_=True,  # replace the base's ssl_head, do not merge
        type='AVSSLHead',
        projector=dict(type='AVProjection', video=cluster, audio=cluster),
        loss=dict(type='IICLoss', num_clusters=num_clusters)))
