# Cross-AVID (AVID Eq. 5) pretraining on the demo dataset (CPU, minutes).
#   python tools/train.py configs/related/demo/avid_cross_r3d_demo_pretrain.py
# Epochs 15 and 30 are kept: the CMA demo starts from epoch_15.pth.
_base_ = ['../_base_/avid_r3d_demo.py']
model = dict(head=dict(loss=dict(target='cross')))
default_hooks = dict(checkpoint=dict(interval=15, max_keep_ckpts=2))
