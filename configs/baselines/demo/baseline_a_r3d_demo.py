# Baseline-A on the demo dataset: supervised audio-only R3D from scratch.
#   python tools/train.py configs/baselines/demo/baseline_a_r3d_demo.py
_base_ = ['../_base_/concat_r3d_demo.py']
model = dict(modality='audio', video_backbone=None)
