# MoCo (He et al. 2020) as an AVCL comparison method (Table IV, R3D, K32:
# 68.2 top-1 in the paper): video queries against momentum audio keys and a
# queue of 4096 audio keys, and vice versa. MoCo v2's MLP projector
# 512 -> 512 (ReLU) -> 128, temperature 0.07, key encoders and projector
# follow the online ones with momentum 0.999.
#   bash tools/dist_train.sh configs/baselines/moco_r3d_k32.py 8
# then finetune with configs/baselines/concat_r3d_k32_finetune.py.
_base_ = ['../_base_/models/moco_r3d.py', '../_base_/pretrain_ks.py']
train_dataloader = dict(
    batch_size=2,
    dataset=dict(ann_file='data/kinetics_sounds/k32_train.txt',
                 classes=None))
