# Table III: finetune/test the no-AMFM model, classifier on [v; a].
#   --cfg-options load_from=work_dirs/avcl_r3d_k32_amfm_off/epoch_300.pth
_base_ = ['../avcl_r3d_k32_finetune.py']
model = dict(neck=None)
