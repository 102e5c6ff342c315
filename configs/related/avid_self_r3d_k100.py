# avid_self_r3d_k32.py on Kinetics-Sounds100 (the K100 training clips; the memory
# banks are sized to the training set at run start).
#   bash tools/dist_train.sh configs/related/avid_self_r3d_k100.py 8
# Finetune with configs/related/related_r3d_k100_finetune.py.
_base_ = ['./avid_self_r3d_k32.py']
train_dataloader = dict(
    dataset=dict(ann_file='data/kinetics_sounds/k100_train.txt'))
