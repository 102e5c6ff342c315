# AVCL self-supervised pretraining on the demo dataset (CPU, minutes).
# Same model, reading of Eq. 3-11 and lr (0.001; at 0.01 every reading loses
# 25-50 % of its gate channels within 120 steps, docs/amfm_readings.md) as
# the paper configs, with 16 instead of 64 base channels and the demo's
# smaller inputs.
#   python tools/train.py configs/demo/avcl_r3d_demo_pretrain.py
_base_ = ['../_base_/models/avcl_r3d.py', '../_base_/pretrain_demo.py']
model = dict(
    video_backbone=dict(base_channels=16),
    audio_backbone=dict(base_channels=16),
    feat_channels=(128, 128))
