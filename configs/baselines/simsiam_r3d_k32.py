# SimSiam (Chen & He 2021) as an AVCL comparison method (Table IV, R3D, K32:
# 72.9 top-1 in the paper): the prediction of each modality is pulled to the
# stop-gradient projection of the other modality. SimSiam's 3-layer
# projector 512 -> 2048 -> 2048 (BN on the output) and bottleneck predictor
# 2048 -> 512 -> 2048.
#   bash tools/dist_train.sh configs/baselines/simsiam_r3d_k32.py 8
# then finetune with configs/baselines/concat_r3d_k32_finetune.py.
_base_ = ['../_base_/models/simsiam_r3d.py', '../_base_/pretrain_ks.py']
train_dataloader = dict(
    batch_size=2,
    dataset=dict(ann_file='data/kinetics_sounds/k32_train.txt',
                 classes=None))
