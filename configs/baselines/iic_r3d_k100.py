# IIC (inter-intra contrastive framework) on Kinetics-Sounds100:
# iic_r3d_k32.py with the K100 training clips.
#   bash tools/dist_train.sh configs/baselines/iic_r3d_k100.py 8
# then finetune with configs/baselines/concat_r3d_k100_finetune.py.
_base_ = ['./iic_r3d_k32.py']
train_dataloader = dict(
    dataset=dict(ann_file='data/kinetics_sounds/k100_train.txt'))
