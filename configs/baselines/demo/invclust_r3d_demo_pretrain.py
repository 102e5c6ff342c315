# Invariant Information Clustering (Ji et al. 2019; mutual information of
# video and audio clusters): demo pretraining (CPU, minutes), the AVCL demo
# pretraining without AMFM and with a demo-sized cluster head (the
# paper-sized one is in configs/baselines/invclust_r3d_k32.py). Then
# finetune:
#   python tools/train.py configs/baselines/demo/concat_r3d_demo_finetune.py \
#       --work-dir work_dirs/invclust_r3d_demo_finetune \
#       --cfg-options \
#       load_from=work_dirs/invclust_r3d_demo_pretrain/epoch_30.pth
# Demo: 6 clusters, the number of demo classes (labels are never read).
_base_ = ['../_base_/ssl_r3d_demo.py']
num_clusters = 6
cluster = dict(in_channels=128, out_channels=num_clusters, num_layers=1)
model = dict(
    ssl_head=dict(
        _delete_=True,  # replace the base's ssl_head, do not merge
        type='AVSSLHead',
        projector=dict(type='AVProjection', video=cluster, audio=cluster),
        loss=dict(type='InvariantInfoClusteringLoss',
                  num_clusters=num_clusters)))
