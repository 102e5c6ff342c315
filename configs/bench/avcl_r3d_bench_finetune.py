# AVCL finetuning on the bench data: the bench-pretrained encoders and AMFM,
# classifier on [f_v; f_a] (paper Sec. III-C), the bench finetuning
# schedule; the best val top-1 checkpoint is kept and tested.
#   python tools/train.py configs/bench/avcl_r3d_bench_finetune.py --seed 0 \
#       --cfg-options load_from=work_dirs/x/pretrain/epoch_40.pth
_base_ = ['../_base_/models/avcl_r3d.py', '../_base_/finetune_bench.py']
model = dict(
    type='AudioVisualRecognizer',
    head=None,
    video_backbone=dict(base_channels=8),
    audio_backbone=dict(base_channels=8),
    feat_channels=(64, 64),
    cls_head=dict(type='AVClsHead', num_classes=12, dropout_ratio=0.7,
                  average_clips='prob'))
