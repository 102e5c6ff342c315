# cma_r3d_k32.py on Kinetics-Sounds100: starts from the Cross-AVID K100
# checkpoint (run avid_cross_r3d_k100.py first, or pass
#   --cfg-options load_from=PATH).
#   bash tools/dist_train.sh configs/related/cma_r3d_k100.py 8
# Finetune with configs/related/related_r3d_k100_finetune.py.
_base_ = ['./cma_r3d_k32.py']
load_from = 'work_dirs/avid_cross_r3d_k100/epoch_150.pth'
train_dataloader = dict(
    dataset=dict(ann_file='data/kinetics_sounds/k100_train.txt'))
