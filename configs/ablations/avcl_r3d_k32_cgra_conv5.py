# Table II: CGRA on the pooled conv5 outputs (R3D stage 4,
# out_indices 3) of both encoders, before AMFM, instead of the pool-final
# pair. Finetune with ../avcl_r3d_k32_finetune.py.
_base_ = ['../avcl_r3d_k32.py']
model = dict(
    video_backbone=dict(out_indices=(3, )),
    audio_backbone=dict(out_indices=(3, )),
    cgra_stages=(3, ),
    head=dict(cor_on_final=False))
