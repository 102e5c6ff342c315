# BYOL (Grill et al. 2020) as an AVCL comparison method (Table IV, R3D, K32:
# 73.3 top-1 in the paper): the online prediction of each modality regresses
# the target projection of the other modality of the same clip. BYOL's
# projector 512 -> 4096 (BN, ReLU) -> 256 and predictor 256 -> 4096 -> 256;
# the target encoders and projector follow the online ones with momentum
# 0.996 raised to 1 by BYOL's cosine schedule.
#   bash tools/dist_train.sh configs/baselines/byol_r3d_k32.py 8
# then finetune with configs/baselines/concat_r3d_k32_finetune.py.
_base_ = ['../_base_/models/byol_r3d.py', '../_base_/pretrain_ks.py']
train_dataloader = dict(
    batch_size=2,
    dataset=dict(ann_file='data/kinetics_sounds/k32_train.txt',
                 classes=None))
