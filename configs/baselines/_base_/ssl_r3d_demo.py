# Shared by the demo pretraining configs of the self-supervised comparison
# methods: the AVCL demo pretraining (16 base channels, 128-d features,
# 30 epochs on the embedded demo dataset) without the AMFM neck. Leaf
# configs set the ssl_head (and the MomentumAVRecognizer for MoCo / BYOL).
_base_ = ['../../demo/avcl_r3d_demo_pretrain.py']
model = dict(neck=None, ssl_head=None)
