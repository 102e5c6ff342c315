# Table III: no SelfCL (lambda_cor = 1, lambda_self = 0).
_base_ = ['../avcl_r3d_k32.py']
model = dict(head=dict(lambda_cor=1.0, lambda_self=0.0))
