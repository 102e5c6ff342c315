# AVCL R(2+1)D pretraining on K32 (configs/avcl_r2plus1d_k32.py) with the
# log-mel on the GPU: the CPU workers decode the frames and the audio track
# and pack the waveform (FormatWaveform); LogMelDataPreprocessor computes
# log-mel -> 256x256 -> crop 112 (random in training, centre otherwise) ->
# standardise for the whole batch on the model's device. Same spectrogram as
# the CPU transforms (tests/models/test_log_mel_data_preprocessor.py); the
# worker saving is measured in docs/performance.md.
#   bash tools/dist_train.sh \
#       configs/performance/avcl_r2plus1d_k32_device_mel.py 8
_base_ = ['../avcl_r2plus1d_k32.py']

clip_len = 16
pack_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp',
                  'sample_idx', 'filename')
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len, frame_interval=1,
         num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 128)),
    dict(type='RandomCrop', size=112),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='LoadAudioFromVideo', sample_rate=24000),
    dict(type='FormatWaveform', sample_rate=24000),  # (1, L) float32
    dict(type='PackActionInputs', collect_keys=('imgs', 'audios'),
         meta_keys=pack_meta_keys),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(
    data_preprocessor=dict(
        type='LogMelDataPreprocessor',
        # the LogMelSpectrogram, SpectrogramResize, SpectrogramCrop,
        # SpectrogramStandardize and FormatAudioClip settings of
        # configs/_base_/datasets/kinetics_sounds_av.py
        log_mel=dict(sample_rate={{_base_.audio_rate}}, n_mels=256),
        resize=(256, 256),
        crop=(112, 112),
        random_crop=True,
        standardize=True,
        as_clip=True))
