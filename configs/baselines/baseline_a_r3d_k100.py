# Baseline-A (AVCL Table IV, K100: 40.9 top-1 in the paper): supervised R3D
# on the log-mel spectrogram alone, from scratch, with the finetuning
# schedule.
#   bash tools/dist_train.sh configs/baselines/baseline_a_r3d_k100.py 8
_base_ = ['./_base_/concat_r3d_k100.py']
model = dict(modality='audio', video_backbone=None)
