# Baseline-A on the bench data: supervised audio-only R3D
# (8 base channels) from scratch, the bench finetuning schedule.
#   python tools/train.py configs/bench/baseline_a_r3d_bench.py --seed 0
_base_ = ['./concat_r3d_bench_finetune.py']
model = dict(modality='audio', video_backbone=None)
