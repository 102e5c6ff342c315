# CMAC on the two-stream R3D encoders: the head sees the encoders' last maps
# before pooling (pyramid correlation filtering with 512 filter channels,
# saliency heads, attention consistency lambda = 1.5) and contrasts the
# projected filters (256-d) MoCo-style against queues of earlier keys from
# momentum key encoders (m = 0.999).
_base_ = ['./two_stream_r3d.py']
model = dict(
    type='CMAC',
    momentum=0.999,
    head=dict(type='CMACHead', filter_channels=512, num_scales=2,
              norm='cosine', saliency_channels=128, feat_dim=256,
              proj_layers=2, momentum=0.999,
              loss=dict(type='CMACLoss', temperature=0.07, queue_size=4096,
                        lambda_ac=1.5)))
