# Supervised finetuning of the demo-pretrained AVCL encoders (+ AMFM) and a
# classifier on [f_v; f_a]; the best val top-1 checkpoint is kept and tested
# with 3-clip averaging. Start from the pretraining checkpoint:
#   --cfg-options load_from=work_dirs/demo/pretrain/epoch_30.pth
_base_ = ['../_base_/models/avcl_r3d.py', '../_base_/finetune_demo.py']
model = dict(
    type='AudioVisualRecognizer',
    head=None,
    video_backbone=dict(base_channels=16),
    audio_backbone=dict(base_channels=16),
    feat_channels=(128, 128),
    cls_head=dict(type='AVClsHead', num_classes=6, dropout_ratio=0.7,
                  average_clips='prob'))
