# Table III: no AMFM; CGRA and SelfCL on the pooled (v, a). Finetune with
# avcl_r3d_k32_amfm_off_finetune.py (classifier on [v; a]).
_base_ = ['../avcl_r3d_k32.py']
model = dict(neck=None)
