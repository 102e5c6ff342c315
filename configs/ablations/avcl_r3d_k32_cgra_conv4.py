# Table II: CGRA on the pooled conv4 outputs (R3D stage 3,
# out_indices 2) of both encoders, before AMFM, instead of the pool-final
# pair. Finetune with ../avcl_r3d_k32_finetune.py.
_base_ = ['../avcl_r3d_k32.py']
model = dict(
    video_backbone=dict(out_indices=(2, 3)),
    audio_backbone=dict(out_indices=(2, 3)),
    cgra_stages=(2, ),
    head=dict(cor_on_final=False))
