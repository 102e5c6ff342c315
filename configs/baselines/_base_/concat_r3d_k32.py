# Supervised training on Kinetics-Sounds32 with the classifier on the plain
# concatenation [v; a] of the two R3D encoders (no AMFM neck), with the AVCL
# finetuning schedule (SGD lr 0.001, wd 5e-3, 150 epochs, dropout 0.7, best
# val top-1 kept, 10-clip test). Used from scratch (Baseline-R / -A / -R+A)
# and to finetune the self-supervised comparison methods (load_from).
_base_ = ['../../_base_/models/two_stream_r3d.py',
          '../../_base_/finetune_ks.py']
split = 'data/kinetics_sounds/k32'
class_list = f'{split}_classes.txt'
model = dict(
    cls_head=dict(type='AVClsHead', num_classes=32, dropout_ratio=0.7,
                  average_clips='prob'))
train_dataloader = dict(
    dataset=dict(ann_file=f'{split}_train.txt', classes=class_list))
val_dataloader = dict(
    dataset=dict(ann_file=f'{split}_val.txt', classes=class_list))
test_dataloader = dict(
    dataset=dict(ann_file=f'{split}_test.txt', classes=class_list))
