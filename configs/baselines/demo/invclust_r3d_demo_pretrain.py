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
_base_ = ['../../_base_/models/invclust_r3d.py',
          '../../_base_/pretrain_demo.py']
model = dict(
    video_backbone=dict(base_channels=16),
    audio_backbone=dict(base_channels=16),
    feat_channels=(128, 128),
    neck=dict(video=dict(out_channels=6), audio=dict(out_channels=6)),
    head=dict(loss=dict(num_clusters=6)))
# the lr the comparison methods were measured with on the demo (AVCL's demo
# uses the paper's 0.001 with its reading of Eq. 3-11)
optim_wrapper = dict(optimizer=dict(lr=0.01))
