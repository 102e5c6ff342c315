"""The AVCL train / test pipelines end to end, through collate and the
multi-modal data preprocessor."""
import numpy as np
import torch
from mmengine.dataset import pseudo_collate

from avcl_mm.datasets.audio_visual_dataset import AudioVisualDataset
from avcl_mm.utils.compat import get_gt_label

AUDIO = [
    dict(type='LoadAudioFromVideo', sample_rate=24000),
    dict(type='LogMelSpectrogram', sample_rate=24000, win_length=240,
         hop_length=240, n_mels=256),
    dict(type='SpectrogramResize', size=(256, 256)),
]


def train_pipeline():
    return [
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=16, frame_interval=1,
             num_clips=1),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, 128)),
        dict(type='RandomCrop', size=112),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='FormatShape', input_format='NCTHW'),
        *AUDIO,
        dict(type='SpectrogramCrop', size=(112, 112), random=True),
        dict(type='SpectrogramStandardize'),
        dict(type='FormatAudioClip', as_clip=True),
        dict(type='PackActionInputs', collect_keys=('imgs', 'audios')),
    ]


def eval_pipeline(num_clips):
    return [
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=16, frame_interval=1,
             num_clips=num_clips, test_mode=True),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, 128)),
        dict(type='CenterCrop', crop_size=112),
        dict(type='FormatShape', input_format='NCTHW'),
        *AUDIO,
        dict(type='SpectrogramCrop', size=(112, 112), random=False),
        dict(type='SpectrogramStandardize'),
        dict(type='FormatAudioClip', as_clip=True),
        dict(type='PackActionInputs', collect_keys=('imgs', 'audios')),
    ]


def preprocess(batch):
    from mmaction.registry import MODELS
    preprocessor = MODELS.build(dict(
        type='MultiModalDataPreprocessor',
        preprocessors=dict(
            imgs=dict(type='ActionDataPreprocessor', mean=[114.75] * 3,
                      std=[57.375] * 3, format_shape='NCTHW'),
            audios=dict(type='ActionDataPreprocessor',
                        format_shape='NCTHW'))))
    return preprocessor(pseudo_collate(batch), training=True)


def dataset(media, tmp_path, pipeline, test_mode=False):
    ann = tmp_path / 'ann.txt'
    ann.write_text('mono24.mp4 0\nstereo48.mp4 1\nmono44.mp4 1\n')
    return AudioVisualDataset(
        str(ann), pipeline,
        data_prefix=dict(video=str(media['mono24'].parent)),
        classes=['a', 'b'], test_mode=test_mode)


def test_train_batch_has_paper_shapes(media, tmp_path):
    ds = dataset(media, tmp_path, train_pipeline())
    out = preprocess([ds[i] for i in range(3)])
    imgs, audios = out['inputs']['imgs'], out['inputs']['audios']
    assert imgs.shape == (3, 1, 3, 16, 112, 112)
    assert audios.shape == (3, 1, 1, 1, 112, 112)
    for x in (imgs, audios):
        assert x.dtype == torch.float32 and torch.isfinite(x).all()
    labels = [get_gt_label(s).item() for s in out['data_samples']]
    assert labels == [0, 1, 1]


def test_multi_clip_test_batch_has_one_view_per_clip(media, tmp_path):
    ds = dataset(media, tmp_path, eval_pipeline(num_clips=2), test_mode=True)
    out = preprocess([ds[0], ds[1]])
    assert out['inputs']['imgs'].shape == (2, 2, 3, 16, 112, 112)
    assert out['inputs']['audios'].shape == (2, 1, 1, 1, 112, 112)


def test_test_pipeline_is_deterministic(media, tmp_path):
    ds = dataset(media, tmp_path, eval_pipeline(num_clips=1), test_mode=True)
    first, second = ds[1], ds[1]
    for key in ('imgs', 'audios'):
        assert torch.equal(first['inputs'][key], second['inputs'][key])


def test_spectrogram_time_axis_spans_the_whole_track(media, tmp_path):
    from mmcv.transforms import Compose
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    out = Compose(AUDIO)(dict(filename=str(media['mono24'])))
    assert out['audios'].shape == (256, 256)
    # a 440 Hz tone over the whole 2 s clip: every time step has the peak
    peak_bins = out['audios'].argmax(axis=1)
    assert np.ptp(peak_bins[8:-8]) <= 1
