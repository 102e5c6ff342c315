# AVID (Cross-AVID, AVID Eq. 5; the paper's recommended variant) on the
# two-stream R3D encoders: output activations max-pooled ("output
# activations are max-pooled"), per-modality 3-layer MLPs (512 hidden, 128-d
# unit embeddings), NCE against per-sample memory banks (EMA momentum 0.5,
# K = 1024 negatives drawn uniformly from the other instances, tau = 0.07,
# Z estimated on the first iteration then fixed; loss.z_momentum for a
# moving average instead), the terms of Eq. 4-6 averaged as the official
# code does. loss.target='self' / 'joint' for Self- / Joint-AVID.
# BatchNorm in the MLPs' hidden layers, none on the output: the paper's MLP
# has no BN and collapsed every demo run under this plugin's SGD schedule
# (all embeddings parallel, 6 of 6 runs); hidden BN alone never collapsed
# and probed best (docs/avid_head_bn.md, 4 settings x 3 seeds).
# The banks have one row per training clip: MemoryBankSizeHook reads the
# training-set length at run start; rows are indexed by each data sample's
# `sample_idx` (packed by the dataset configs).
_base_ = ['./two_stream_r3d.py']
mlp = dict(hidden_channels=512, out_channels=128, num_layers=3,
           with_bn=True, last_bn=False)
model = dict(
    type='AVID',
    feat_pool='max',
    neck=dict(type='AVProjection', video=mlp, audio=mlp),
    head=dict(type='MemoryBankHead',
              loss=dict(type='AVIDNCELoss', target='cross',
                        num_negatives=1024, temperature=0.07,
                        memory_momentum=0.5)))
