# Self-AVID (AVID Eq. 4) pretraining on the demo dataset (CPU, minutes).
#   python tools/train.py configs/related/demo/avid_self_r3d_demo_pretrain.py
_base_ = ['../_base_/avid_r3d_demo.py']
model = dict(head=dict(loss=dict(target='self')))
