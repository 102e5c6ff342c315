# SimSiam (AVCL Table IV) on the two-stream R3D encoders: SimSiam's 3-layer
# projector (2048-d, BN on the output) and bottleneck predictor (512 hidden).
_base_ = ['./two_stream_r3d.py']
proj = dict(hidden_channels=2048, out_channels=2048, num_layers=3,
            last_bn=True)
model = dict(
    type='SimSiam',
    neck=dict(type='AVProjection', video=proj, audio=proj),
    head=dict(type='AVLatentPredictHead',
              predictor=dict(hidden_channels=512, out_channels=2048,
                             num_layers=2),
              loss=dict(type='SimSiamLoss')))
