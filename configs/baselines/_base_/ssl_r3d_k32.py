# Shared by the self-supervised comparison methods on Kinetics-Sounds32
# (AVCL Table IV): the AVCL R3D encoders (one per modality, 512 channels,
# not shared) and the AVCL pretraining schedule (SGD lr 0.001, momentum 0.9,
# wd 5e-4, 300 epochs, total batch 16 = 8 GPUs x 2 clips, SyncBN), so that
# only the objective differs. No AMFM neck: every comparison method is
# finetuned from the plain concatenation [v; a]. Leaf configs set the
# ssl_head (an AVSSLHead: projector + loss) and, for MoCo / BYOL, the
# MomentumAVRecognizer.
_base_ = ['../../_base_/models/avcl_r3d.py', '../../_base_/pretrain_ks.py']
model = dict(
    # the comparison methods use the plain R3D encoders (AVCL's signed
    # features are a reading of AVCL's Eq. 6)
    signed_features=False,
    neck=None, ssl_head=None)
train_dataloader = dict(
    batch_size=2,
    dataset=dict(ann_file='data/kinetics_sounds/k32_train.txt',
                 classes=None))
