# Barlow Twins (AVCL Table IV) on the two-stream R3D encoders: 3-layer
# projectors (2048-d) and the cross-correlation of the standardised video
# and audio embeddings (lambda = 0.0051).
_base_ = ['./two_stream_r3d.py']
proj = dict(hidden_channels=2048, out_channels=2048, num_layers=3)
model = dict(
    type='BarlowTwins',
    neck=dict(type='AVProjection', video=proj, audio=proj),
    head=dict(type='AVContrastiveHead',
              loss=dict(type='BarlowTwinsLoss', lambd=0.0051)))
