# MoCo (AVCL Table IV) on the two-stream R3D encoders: per-modality 2-layer
# projectors without BN (MoCo v2's head), momentum target of encoders and
# projectors (m = 0.999), queues of 4096 earlier keys per modality.
_base_ = ['./two_stream_r3d.py']
proj = dict(hidden_channels=512, out_channels=128, num_layers=2,
            with_bn=False)
model = dict(
    type='MoCo',
    momentum=0.999,
    neck=dict(type='AVProjection', video=proj, audio=proj),
    head=dict(type='AVContrastiveHead',
              loss=dict(type='MoCoQueueLoss', temperature=0.07,
                        queue_size=4096, feat_dim=128)))
