# Baseline-R (AVCL Table IV, K100: 53.6 top-1 in the paper): supervised R3D
# on the RGB clip alone, from scratch, with the finetuning schedule.
#   bash tools/dist_train.sh configs/baselines/baseline_r_r3d_k100.py 8
_base_ = ['./_base_/concat_r3d_k100.py']
model = dict(modality='video', audio_backbone=None)
