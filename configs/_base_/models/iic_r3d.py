# IIC (AVCL Table IV, ref. [34]: Tao, Wang, Yamasaki, "Self-supervised video
# representation learning using inter-intra contrastive framework", ACM MM
# 2020) on the two-stream R3D encoders: cross-modal positives, the other
# clips' other modality as inter-negatives, and each clip's own frames with
# their temporal order broken (one frame repeated, the official default) as
# intra-negatives; the pooled features are compared directly (no projector),
# tau = 0.07 (official nce_t).
_base_ = ['./two_stream_r3d.py']
model = dict(
    type='IIC',
    intra_negative='repeat',
    head=dict(type='AVContrastiveHead',
              loss=dict(type='InterIntraContrastLoss', temperature=0.07)))
