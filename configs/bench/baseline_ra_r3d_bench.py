# Baseline-R+A on the bench data: supervised video and audio R3D
# (8 base channels) from scratch, the bench finetuning schedule.
#   python tools/train.py configs/bench/baseline_ra_r3d_bench.py --seed 0
_base_ = ['./concat_r3d_bench_finetune.py']
