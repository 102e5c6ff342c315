# SimCLR (AVCL Table IV) on the two-stream R3D encoders: per-modality
# 2-layer projectors (512 hidden, 128-d) and NT-Xent with cross-modal
# positives (tau = 0.1, SimCLR's).
_base_ = ['./two_stream_r3d.py']
proj = dict(hidden_channels=512, out_channels=128, num_layers=2)
model = dict(
    type='SimCLR',
    neck=dict(type='AVProjection', video=proj, audio=proj),
    head=dict(type='AVContrastiveHead',
              loss=dict(type='NTXentCrossModalLoss', temperature=0.1)))
