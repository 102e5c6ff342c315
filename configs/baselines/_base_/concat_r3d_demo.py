# Supervised demo training with the classifier on [v; a] (no AMFM neck):
# the AVCL demo finetuning config (12 epochs, best val top-1 kept, 3-clip
# test) with neck=None.
_base_ = ['../../demo/avcl_r3d_demo_finetune.py']
# plain post-ReLU encoders, as every comparison method
model = dict(signed_features=False, neck=None)
