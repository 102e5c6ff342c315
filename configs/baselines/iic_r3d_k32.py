# IIC: the inter-intra contrastive framework (Tao, Wang, Yamasaki, ACM MM
# 2020, https://arxiv.org/abs/2008.02531) as an AVCL comparison method
# (Table IV, R3D, K32: 60.5 top-1 in the paper). Inter: the video and audio
# of a clip are its two views (positives), other clips are negatives.
# Intra: the same clip with its temporal structure broken, encoded by the
# video encoder, is a negative of both views ('repeat': one frame repeated,
# the official default; 'shuffle': two of four temporal chunks swapped).
# As in the official code the pooled 512-d encoder features are contrasted
# directly (no projection head), temperature 0.07, and the two views'
# InfoNCE terms are added. Negatives come from the (global) batch, not the
# official 1024-row memory bank.
#   bash tools/dist_train.sh configs/baselines/iic_r3d_k32.py 8
# then finetune with configs/baselines/concat_r3d_k32_finetune.py.
_base_ = ['../_base_/models/iic_r3d.py', '../_base_/pretrain_ks.py']
train_dataloader = dict(
    batch_size=2,
    dataset=dict(ann_file='data/kinetics_sounds/k32_train.txt',
                 classes=None))
