# concat_r3d_k32.py on Kinetics-Sounds100: K100 splits, 100 classes.
_base_ = ['./concat_r3d_k32.py']
split = 'data/kinetics_sounds/k100'
class_list = f'{split}_classes.txt'
model = dict(cls_head=dict(num_classes=100))
train_dataloader = dict(
    dataset=dict(ann_file=f'{split}_train.txt', classes=class_list))
val_dataloader = dict(
    dataset=dict(ann_file=f'{split}_val.txt', classes=class_list))
test_dataloader = dict(
    dataset=dict(ann_file=f'{split}_test.txt', classes=class_list))
