# Bench classifier on the plain concatenation [v; a] (no fusion neck): the
# bench finetuning schedule on bench-size R3D encoders (8 base channels).
# Finetunes every comparison method (load_from its pretraining checkpoint;
# projector, momentum and queue weights are skipped with a warning) and,
# without load_from, is Baseline-R+A (supervised from scratch).
#   python tools/train.py configs/bench/concat_r3d_bench_finetune.py \
#       --seed 0 --cfg-options load_from=work_dirs/x/pretrain/epoch_40.pth
_base_ = ['../_base_/models/two_stream_r3d.py',
          '../_base_/finetune_bench.py']
model = dict(
    video_backbone=dict(base_channels=8),
    audio_backbone=dict(base_channels=8),
    feat_channels=(64, 64),
    cls_head=dict(type='AVClsHead', num_classes=12, dropout_ratio=0.7,
                  average_clips='prob'))
