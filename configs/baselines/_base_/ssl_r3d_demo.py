# Shared by the demo pretraining configs of the self-supervised comparison
# methods: the AVCL demo pretraining (16 base channels, 128-d features,
# 30 epochs on the embedded demo dataset) without the AMFM neck. Leaf
# configs set the ssl_head (and the MomentumAVRecognizer for MoCo / BYOL).
_base_ = ['../../demo/avcl_r3d_demo_pretrain.py']
# The comparison methods keep the plain post-ReLU encoders and the demo lr
# 0.01 they were measured with (AVCL's demo moved to the paper's lr 0.001
# with its Eq. 3-11 reading; rerunning every method at one lr with several
# seeds is the benchmark's job).
model = dict(signed_features=False, neck=None, ssl_head=None)
optim_wrapper = dict(optimizer=dict(lr=0.01))
