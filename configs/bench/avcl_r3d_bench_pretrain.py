# AVCL pretraining on the bench data: the paper configs' model and reading
# of Eq. 3-11 (configs/_base_/models/avcl_r3d.py) with R3D encoders of 8
# base channels (64-d outputs), the bench schedule shared by every method
# but for the lr: 0.003, not 0.01. AVCL's losses are sums over the batch
# and the channels (Eq. 6-10 as printed; the others average), so its
# gradients are ~16x larger at batch 16; at 0.01 its loss grows instead of
# falling and AMFM gate channels die, at 0.003 none do (docs/leaderboard.md).
#   python tools/train.py configs/bench/avcl_r3d_bench_pretrain.py --seed 0
_base_ = ['../_base_/models/avcl_r3d.py', '../_base_/pretrain_bench.py']
model = dict(
    video_backbone=dict(base_channels=8),
    audio_backbone=dict(base_channels=8),
    feat_channels=(64, 64))
optim_wrapper = dict(optimizer=dict(lr=0.003))
