# Supervised demo training with the classifier on [v; a] (no fusion neck):
# the demo finetuning schedule (30 epochs, best val top-1 kept, 3-clip test)
# on the two-stream R3D encoders at demo size. Used from scratch (the demo
# Baseline-R / -A / -R+A) and to finetune the demo-pretrained comparison
# methods (load_from).
_base_ = ['../../_base_/models/two_stream_r3d.py',
          '../../_base_/finetune_demo.py']
model = dict(
    video_backbone=dict(base_channels=16),
    audio_backbone=dict(base_channels=16),
    feat_channels=(128, 128),
    cls_head=dict(type='AVClsHead', num_classes=6, dropout_ratio=0.7,
                  average_clips='prob'))
