# Baseline-R on the demo dataset: supervised video-only R3D from scratch.
#   python tools/train.py configs/baselines/demo/baseline_r_r3d_demo.py
_base_ = ['../_base_/concat_r3d_demo.py']
model = dict(modality='video', audio_backbone=None)
