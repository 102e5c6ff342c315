# The bench dataset (tools/data/make_demo_dataset.py --preset bench): 12
# classes, 288 train / 96 val / 576 test mp4 clips of 2 s, 16 frames of
# 40x40 px at 8 fps, 24 kHz AAC; either modality alone is capped at 50 %
# top-1. Inputs sized for a benchmark of every method x several seeds on 2
# CPU cores: 8 frames taken every 2nd frame (the whole clip), 32 px crops,
# a 32-band log-mel spectrogram resized to 32 x 32 (T x F). The spectrogram
# is not cropped: a time crop would cut events out of the sound that the
# picture still shows, a frequency crop would shift the pitches that tell
# the sounds apart. One clip per video at test time (8 frames x 2 cover
# all 16, so further clips would repeat it).
dataset_type = 'AudioVisualDataset'
data_root = 'data/bench'
video_root = 'data/bench/videos'
class_list = 'data/bench/classes.txt'
num_classes = 12
clip_len = 8
frame_interval = 2

audio_ops = [
    dict(type='LoadAudioFromVideo', sample_rate=24000),
    dict(type='LogMelSpectrogram', sample_rate=24000, win_length=240,
         hop_length=240, n_mels=32),
    dict(type='SpectrogramResize', size=(32, 32)),
    dict(type='SpectrogramStandardize'),
    dict(type='FormatAudioClip', as_clip=True),
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
    dict(type='RandomCrop', size=32),
    dict(type='FormatShape', input_format='NCTHW'),
    *audio_ops,
    dict(type='PackActionInputs', collect_keys=('imgs', 'audios'),
         meta_keys=pack_meta_keys),
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='CenterCrop', crop_size=32),
    dict(type='FormatShape', input_format='NCTHW'),
    *audio_ops,
    dict(type='PackActionInputs', collect_keys=('imgs', 'audios'),
         meta_keys=pack_meta_keys),
]
test_pipeline = val_pipeline

train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file='data/bench/train.txt',
                 data_prefix=dict(video=video_root), classes=class_list,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file='data/bench/val.txt',
                 data_prefix=dict(video=video_root), classes=class_list,
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file='data/bench/test.txt',
                 data_prefix=dict(video=video_root), classes=class_list,
                 pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='AccMetric',
                     metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator
