# The embedded demo dataset (tools/data/make_demo_dataset.py): 6 classes,
# 96 train / 24 val / 24 test mp4 clips of 2.5 s, 80x80 px, 12 fps, AAC.
# Smaller inputs than the paper (8 frames, 64 px crops, 128 mels, 64x64
# spectrogram crops) so that the whole demo runs on 2 CPU cores.
dataset_type = 'AudioVisualDataset'
data_root = 'data/demo'
video_root = 'data/demo/videos'
class_list = 'data/demo/classes.txt'
num_classes = 6
clip_len = 8
audio_rate = 24000  # Hz, mono (the paper's)
# every 3rd frame: 8 frames span 2 s of the 2.5 s clip, so the motion that
# tells the classes apart moves by tens of pixels within a clip
frame_interval = 3

audio_ops = [
    dict(type='LoadAudioFromVideo', sample_rate=audio_rate),
    # 10 ms window and hop at audio_rate (240 samples at 24 kHz)
    dict(type='LogMelSpectrogram', sample_rate=audio_rate, n_mels=128),
    dict(type='SpectrogramResize', size=(128, 128)),
]
# sample_idx reaches the data samples: memory-bank methods (AVID, CMA) index
# their banks by it
pack_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp',
                  'sample_idx', 'filename')
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 72)),
    dict(type='RandomCrop', size=64),
    dict(type='FormatShape', input_format='NCTHW'),
    *audio_ops,
    dict(type='SpectrogramCrop', size=(64, 64), random=True),
    dict(type='SpectrogramStandardize'),
    dict(type='FormatAudioClip', as_clip=True),
    dict(type='PackActionInputs', collect_keys=('imgs', 'audios'),
         meta_keys=pack_meta_keys),
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 72)),
    dict(type='CenterCrop', crop_size=64),
    dict(type='FormatShape', input_format='NCTHW'),
    *audio_ops,
    dict(type='SpectrogramCrop', size=(64, 64), random=False),
    dict(type='SpectrogramStandardize'),
    dict(type='FormatAudioClip', as_clip=True),
    dict(type='PackActionInputs', collect_keys=('imgs', 'audios'),
         meta_keys=pack_meta_keys),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=3,
         test_mode=True),  # multi-clip test, scores averaged
    *val_pipeline[2:],
]

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file='data/demo/train.txt',
                 data_prefix=dict(video=video_root), classes=class_list,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file='data/demo/val.txt',
                 data_prefix=dict(video=video_root), classes=class_list,
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file='data/demo/test.txt',
                 data_prefix=dict(video=video_root), classes=class_list,
                 pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='AccMetric',
                     metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator
