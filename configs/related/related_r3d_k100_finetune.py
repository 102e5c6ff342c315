# related_r3d_k32_finetune.py on Kinetics-Sounds100: K100 splits, 100
# classes (classifier on [v; a]).
#   bash tools/dist_train.sh configs/related/related_r3d_k100_finetune.py 8 \
#       --work-dir work_dirs/cma_r3d_k100_finetune \
#       --cfg-options load_from=work_dirs/cma_r3d_k100/epoch_150.pth
_base_ = ['./related_r3d_k32_finetune.py']
split = 'data/kinetics_sounds/k100'
class_list = f'{split}_classes.txt'
model = dict(cls_head=dict(num_classes=100))
train_dataloader = dict(
    dataset=dict(ann_file=f'{split}_train.txt', classes=class_list))
val_dataloader = dict(
    dataset=dict(ann_file=f'{split}_val.txt', classes=class_list))
test_dataloader = dict(
    dataset=dict(ann_file=f'{split}_test.txt', classes=class_list))
