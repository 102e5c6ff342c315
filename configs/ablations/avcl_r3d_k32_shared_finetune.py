# Table I: finetune/test the shared-encoder model.
#   --cfg-options load_from=work_dirs/avcl_r3d_k32_shared/epoch_300.pth
_base_ = ['../avcl_r3d_k32_finetune.py']
model = dict(audio_backbone=None, share_backbone=True)
