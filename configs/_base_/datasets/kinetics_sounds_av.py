# Kinetics-Sounds audio-visual data (paper Sec. II-A, SPEC 1.1).
# Video: 16 consecutive frames, short side 128, random crop 112, flip.
# Audio: the whole track of the video file itself, mono, 24 kHz -> log-mel
# (10 ms window/hop, 256 mels) -> 256x256 -> crop 112 -> standardised.
# Annotation files are written by tools/data/prepare_kinetics_sounds.py.
dataset_type = 'AudioVisualDataset'
data_root = 'data/kinetics400'
# the --video-root given to prepare_kinetics_sounds.py: annotation paths are
# relative to it for every split
video_root = 'data/kinetics400/videos'
ann_file_train = 'data/kinetics_sounds/k32_train.txt'
ann_file_val = 'data/kinetics_sounds/k32_val.txt'
ann_file_test = 'data/kinetics_sounds/k32_test.txt'
class_list = 'data/kinetics_sounds/k32_classes.txt'
num_classes = 32

clip_len = 16
audio_rate = 24000  # Hz, mono (the paper's)
audio_ops = [
    dict(type='LoadAudioFromVideo', sample_rate=audio_rate),
    # 10 ms window and hop at audio_rate (240 samples at 24 kHz)
    dict(type='LogMelSpectrogram', sample_rate=audio_rate, n_mels=256),
    dict(type='SpectrogramResize', size=(256, 256)),
]
# sample_idx reaches the data samples: memory-bank methods (AVID, CMA) index
# their banks by it
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
    *audio_ops,
    dict(type='SpectrogramCrop', size=(112, 112), random=True),
    dict(type='SpectrogramStandardize'),
    dict(type='FormatAudioClip', as_clip=True),
    dict(type='PackActionInputs', collect_keys=('imgs', 'audios'),
         meta_keys=pack_meta_keys),
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len, frame_interval=1,
         num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 128)),
    dict(type='CenterCrop', crop_size=112),
    dict(type='FormatShape', input_format='NCTHW'),
    *audio_ops,
    dict(type='SpectrogramCrop', size=(112, 112), random=False),
    dict(type='SpectrogramStandardize'),
    dict(type='FormatAudioClip', as_clip=True),
    dict(type='PackActionInputs', collect_keys=('imgs', 'audios'),
         meta_keys=pack_meta_keys),
]
# multi-clip test: 10 clips per video, scores averaged
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len, frame_interval=1,
         num_clips=10, test_mode=True),
    *val_pipeline[2:],
]

train_dataloader = dict(
    batch_size=2,  # per GPU; 8 GPUs x 2 = the paper's batch 16
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file_train,
                 data_prefix=dict(video=video_root), classes=class_list,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=2,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file_val,
                 data_prefix=dict(video=video_root), classes=class_list,
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file_test,
                 data_prefix=dict(video=video_root), classes=class_list,
                 pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='AccMetric',
                     metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator
