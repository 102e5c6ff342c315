# Shared by the AVID / CMA configs at Kinetics-Sounds32 scale: the AVCL R3D
# encoders (configs/_base_/models/avcl_r3d.py) without fusion neck, an AVID
# head (AVID, arXiv:2004.12943, Sec. 4: per-modality 3-layer MLP, 512
# hidden units, BN at every layer, unit 128-d embeddings; NCE against
# per-sample memory banks, EMA momentum 0.5, K = 1024 uniform negatives,
# tau = 0.07, Z estimated on the first iteration then fixed; set
# loss_nce.z_momentum for a moving average instead), and the AVCL
# pretraining schedule of configs/_base_/pretrain_ks.py (SGD lr 0.001, 300
# epochs, total batch 16 = 8 GPUs x 2, SyncBN: the projection BNs see the
# global batch) so that all methods of the comparison share data, encoders
# and schedule. (The AVID paper itself: Adam lr 1e-4, wd 1e-5, batch 256, 400
# epochs; set optim_wrapper.optimizer=dict(type='Adam', lr=1e-4,
# weight_decay=1e-5) to follow it.)
# The banks have one row per training clip: MemoryBankSizeHook reads the
# training-set length at run start; rows are indexed by each data sample's
# `sample_idx` (packed by the dataset configs).
_base_ = ['../../_base_/models/avcl_r3d.py', '../../_base_/pretrain_ks.py']
model = dict(
    # the comparison methods use the plain R3D encoders (AVCL's signed
    # features are a reading of AVCL's Eq. 6)
    signed_features=False,
    neck=None,
    # AVID: "output activations are max-pooled" before the MLP
    feat_pool='max',
    ssl_head=dict(
        _delete_=True,
        type='AVIDHead',
        in_channels=512,
        hidden_channels=512,
        feat_dim=128,
        num_layers=3,
        variant='cross',
        loss_nce=dict(type='AVIDNCELoss', num_negatives=1024,
                      temperature=0.07, memory_momentum=0.5)))
train_dataloader = dict(
    batch_size=2,
    dataset=dict(ann_file='data/kinetics_sounds/k32_train.txt',
                 classes=None))
custom_hooks = [
    dict(type='BadSampleReportHook'),
    dict(type='MemoryBankSizeHook'),
]
