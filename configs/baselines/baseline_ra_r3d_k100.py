# Baseline-R+A (AVCL Table IV, K100: 61.3 top-1 in the paper): supervised
# video and audio R3D encoders (not shared), classifier on [v; a], from
# scratch, with the finetuning schedule.
#   bash tools/dist_train.sh configs/baselines/baseline_ra_r3d_k100.py 8
_base_ = ['./_base_/concat_r3d_k100.py']
