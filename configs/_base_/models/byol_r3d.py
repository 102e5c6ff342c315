# BYOL (AVCL Table IV) on the two-stream R3D encoders: BYOL's projector and
# predictor MLPs (4096 hidden, 256-d), momentum target rising from 0.996 to
# 1 (cosine).
_base_ = ['./two_stream_r3d.py']
proj = dict(hidden_channels=4096, out_channels=256, num_layers=2)
model = dict(
    type='BYOL',
    momentum=0.996,
    neck=dict(type='AVProjection', video=proj, audio=proj),
    head=dict(type='AVLatentPredictHead',
              predictor=dict(hidden_channels=4096, out_channels=256,
                             num_layers=2),
              loss=dict(type='BYOLLoss')))
