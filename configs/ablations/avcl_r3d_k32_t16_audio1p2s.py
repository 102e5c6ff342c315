# Table I (conference paper, row "16 / 1.2s Mel-spectrogram / 2", 72.1): the
# usual 16-frame clip with a 1.2 s audio window centred on it (instead of
# the whole track). Finetune with avcl_r3d_k32_t16_audio1p2s_finetune.py.
_base_ = ['../avcl_r3d_k32.py']
train_pipeline = [
    dict(t, window=1.2) if t['type'] == 'LoadAudioFromVideo' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
