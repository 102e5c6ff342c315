# Table I: one RGB frame per clip and a 1.2 s audio window centred on it
# (instead of 16 frames and the whole track). Finetune with
# avcl_r3d_k32_t1_audio1p2s_finetune.py.
_base_ = ['../avcl_r3d_k32.py']
train_pipeline = [
    dict(t, clip_len=1) if t['type'] == 'SampleFrames' else
    dict(t, window=1.2) if t['type'] == 'LoadAudioFromVideo' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
