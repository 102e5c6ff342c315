# Baseline-R+A on the demo dataset: supervised video and audio R3D from
# scratch, classifier on [v; a].
#   python tools/train.py configs/baselines/demo/baseline_ra_r3d_demo.py
_base_ = ['../_base_/concat_r3d_demo.py']
