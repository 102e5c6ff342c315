# Table III: lambda_cor = 0.1, lambda_self = 0.9 (default 0.9 / 0.1).
_base_ = ['../avcl_r3d_k32.py']
model = dict(head=dict(lambda_cor=0.1, lambda_self=0.9))
