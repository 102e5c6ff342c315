# Table I: one encoder for both modalities (the video R3D; the spectrogram's
# channel is repeated to 3). Finetune with avcl_r3d_k32_shared_finetune.py.
_base_ = ['../avcl_r3d_k32.py']
model = dict(audio_backbone=None, share_backbone=True)
