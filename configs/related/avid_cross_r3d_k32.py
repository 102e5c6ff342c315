# Cross-AVID (AVID Eq. 5: v -> memory a, a -> memory v; the paper's
# recommended variant), R3D encoders, Kinetics-Sounds32.
#   bash tools/dist_train.sh configs/related/avid_cross_r3d_k32.py 8
# Every 50th epoch is kept: CMA (cma_r3d_k32.py) starts from epoch_150.pth.
_base_ = ['./_base_/avid_r3d_k32.py']
model = dict(head=dict(loss=dict(target='cross')))
default_hooks = dict(checkpoint=dict(interval=50, max_keep_ckpts=-1))
