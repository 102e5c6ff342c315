# Table II, "None": no CGRA (lambda_cor = 0; lambda_self stays 0.1 - the paper
# does not give the weights of this row).
_base_ = ['../avcl_r3d_k32.py']
model = dict(head=dict(lambda_cor=0.0, lambda_self=0.1))
