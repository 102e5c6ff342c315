# CMAC (arXiv:2106.06939), R3D encoders, Kinetics-Sounds32. The head sees
# the encoders' last maps before pooling (the CMAC model): filters
# kappa = GAP(conv+BN(x)) (512 channels), pyramid correlation filtering at
# full and half resolution with cosine normalisation, sigmoid saliency
# heads, attention consistency (lambda = 1.5) and the contrastive loss on
# 256-d projected filters with cross- and within-modal negatives from
# MoCo queues (tau = 0.07, momentum encoders 0.999).
# Queue: the paper's 15000 is for Kinetics-400 (220k clips); with the 16.1k
# clips of K32 it would hold most of the previous epoch, so a clip's own
# earlier key would often be one of its negatives. 4096 (~25% of an epoch)
# is used here; set model.head.loss.queue_size=15000 for the paper's.
# Schedule as every method of the comparison (configs/_base_/pretrain_ks.py;
# the CMAC paper: SGD lr 0.01, wd 1e-5, batch 128, 10 warm-up epochs).
#   bash tools/dist_train.sh configs/related/cmac_r3d_k32.py 8
# Finetune with configs/related/related_r3d_k32_finetune.py.
_base_ = ['../_base_/models/cmac_r3d.py', '../_base_/pretrain_ks.py']
train_dataloader = dict(
    batch_size=2,
    dataset=dict(ann_file='data/kinetics_sounds/k32_train.txt',
                 classes=None))
