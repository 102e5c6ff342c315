# Table I: finetune/test the 16-frame, 1.2 s-window model with the same input.
#   --cfg-options load_from=work_dirs/avcl_r3d_k32_t16_audio1p2s/epoch_300.pth
_base_ = ['../avcl_r3d_k32_finetune.py']
train_pipeline, val_pipeline, test_pipeline = [[
    dict(t, window=1.2) if t['type'] == 'LoadAudioFromVideo' else t
    for t in pipeline
] for pipeline in (_base_.train_pipeline, _base_.val_pipeline,
                   _base_.test_pipeline)]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
