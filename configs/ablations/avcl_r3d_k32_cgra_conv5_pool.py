# Table II: CGRA on the pooled conv5 outputs and on the pool-final pair
# (summed). Finetune with ../avcl_r3d_k32_finetune.py.
_base_ = ['../avcl_r3d_k32.py']
model = dict(cgra_stages=(3, ), head=dict(cor_on_final=True))
