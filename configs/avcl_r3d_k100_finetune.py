# AVCL finetuning + test, r3d encoders, Kinetics-Sounds100: both encoders
# and AMFM from the pretraining checkpoint, classifier on [f_v; f_a].
#   bash tools/dist_train.sh configs/avcl_r3d_k100_finetune.py 8 \
#       --cfg-options load_from=work_dirs/avcl_r3d_k100/epoch_300.pth
_base_ = ['./_base_/models/avcl_r3d.py', './_base_/finetune_ks.py']
split = 'data/kinetics_sounds/k100'
class_list = f'{split}_classes.txt'
model = dict(
    type='AudioVisualRecognizer',
    head=None,
    cls_head=dict(type='AVClsHead', num_classes=100, dropout_ratio=0.7,
                  average_clips='prob'))
train_dataloader = dict(
    dataset=dict(ann_file=f'{split}_train.txt', classes=class_list))
val_dataloader = dict(
    dataset=dict(ann_file=f'{split}_val.txt', classes=class_list))
test_dataloader = dict(
    dataset=dict(ann_file=f'{split}_test.txt', classes=class_list))
