# cmac_r3d_k32.py on Kinetics-Sounds100 (the K100 training clips). The K32
# queue of 4096 keys is kept: ~8% of K100's 50.2k clips per epoch.
#   bash tools/dist_train.sh configs/related/cmac_r3d_k100.py 8
# Finetune with configs/related/related_r3d_k100_finetune.py.
_base_ = ['./cmac_r3d_k32.py']
train_dataloader = dict(
    dataset=dict(ann_file='data/kinetics_sounds/k100_train.txt'))
