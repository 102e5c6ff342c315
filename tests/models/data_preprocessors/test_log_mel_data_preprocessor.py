"""LogMelDataPreprocessor (+ FormatWaveform) computes on the device the
spectrogram that the CPU transforms compute in the workers."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

import avcl_mm  # noqa: F401

init_default_scope('mmaction')

from mmaction.registry import MODELS, TRANSFORMS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402

from helpers.runs import REPO  # noqa: E402
# float32 STFT/mel/resize rounding (the CPU filter bank is sparse, the
# device one dense) on standardised values of order 1
TOL = 1e-4
AUDIOS = dict(type='ActionDataPreprocessor', format_shape='NCTHW')


def _pre(**kwargs):
    return MODELS.build(dict(type='LogMelDataPreprocessor',
                             preprocessors=dict(audios=AUDIOS), **kwargs))


def _cpu(wav, resize=(256, 256), crop=(112, 112), offset=None, clip=True,
         standardize=True):
    """The CPU transforms; ``offset`` crops there instead of the centre."""
    r = dict(audio=wav, audio_sample_rate=24000)
    r = TRANSFORMS.build(dict(type='LogMelSpectrogram'))(r)
    if resize:
        r = TRANSFORMS.build(dict(type='SpectrogramResize', size=resize))(r)
    if crop and offset is None:
        r = TRANSFORMS.build(dict(type='SpectrogramCrop', size=crop,
                                  random=False))(r)
    elif crop:
        t0, f0 = offset
        r['audios'] = r['audios'][t0:t0 + crop[0], f0:f0 + crop[1]]
    if standardize:
        r = TRANSFORMS.build(dict(type='SpectrogramStandardize'))(r)
    r = TRANSFORMS.build(dict(type='FormatAudioClip', as_clip=clip))(r)
    return r['audios']


def _waves(lengths, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(max(lengths)) / 24000
    base = 0.3 * np.sin(2 * np.pi * 440 * t * (1 + t / 20))
    return [(base[:n] + rng.normal(0, 0.02, n)).astype(np.float32)
            for n in lengths]


def _data(waves):
    pack = TRANSFORMS.build(dict(type='FormatWaveform'))
    return dict(inputs=dict(audios=[torch.from_numpy(
        pack(dict(audio=w, audio_sample_rate=24000))['audios'])
        for w in waves]), data_samples=[ActionDataSample() for _ in waves])


# lengths: 10 s, 10 s, 8.3 s, 0.9 s (shorter than the crop before resizing)
LENGTHS = (240000, 240000, 199999, 21600)


def test_center_crop_equals_the_cpu_transforms():
    waves = _waves(LENGTHS)
    out = _pre()(_data(waves), training=False)
    audios = out['inputs']['audios']
    assert audios.shape == (4, 1, 1, 1, 112, 112)
    assert audios.dtype == torch.float32
    for got, wav in zip(audios, waves):
        np.testing.assert_allclose(got.numpy(), _cpu(wav), rtol=0, atol=TOL)
    # the offsets are recorded as SpectrogramCrop records them
    assert out['data_samples'][0].audio_crop_offset == (72, 72)


def test_random_crop_in_training_equals_the_cpu_crop_at_its_offset():
    waves = _waves(LENGTHS)
    torch.manual_seed(0)
    out = _pre()(_data(waves), training=True)
    offsets = [s.audio_crop_offset for s in out['data_samples']]
    assert len(set(offsets)) > 1  # drawn per sample
    for got, wav, off in zip(out['inputs']['audios'], waves, offsets):
        assert 0 <= off[0] <= 144 and 0 <= off[1] <= 144
        np.testing.assert_allclose(got.numpy(), _cpu(wav, offset=off),
                                   rtol=0, atol=TOL)
    # random_crop=False: the centre in training too
    out = _pre(random_crop=False)(_data(waves), training=True)
    assert {s.audio_crop_offset for s in out['data_samples']} == {(72, 72)}


def test_padding_crop_without_resize_and_the_image_layout():
    """A spectrogram shorter than the crop is padded with its minimum (the
    CPU crop's rule); ``as_clip=False`` gives the 2D encoders' layout."""
    waves = _waves((24000, 9000))  # 101 and 38 frames < 112
    out = _pre(resize=None, as_clip=False)(_data(waves), training=False)
    audios = out['inputs']['audios']
    assert audios.shape == (2, 1, 1, 112, 112)
    for got, wav in zip(audios, waves):
        np.testing.assert_allclose(
            got.numpy(), _cpu(wav, resize=None, clip=False), rtol=0,
            atol=TOL)


def test_no_crop_no_standardise_is_the_resized_log_mel():
    waves = _waves((48000, 30000))
    out = _pre(crop=None, standardize=False)(_data(waves), training=True)
    for got, wav in zip(out['inputs']['audios'], waves):
        np.testing.assert_allclose(
            got.numpy(), _cpu(wav, crop=None, standardize=False), rtol=0,
            atol=1e-4)
    assert 'audio_crop_offset' not in out['data_samples'][0]


def test_silence_and_non_finite_samples_give_zeros_not_nan():
    silent = np.zeros(24000, np.float32)
    broken = _waves((24000, ))[0]
    broken[100:200] = np.nan
    data = _data([silent, broken])
    out = _pre()(data, training=False)['inputs']['audios']
    assert torch.isfinite(out).all()
    assert (out[0] == 0).all()  # constant log-mel -> zeros, as on the CPU
    np.testing.assert_allclose(out[0].numpy(), _cpu(silent), atol=TOL)
    np.testing.assert_allclose(out[1].numpy(), _cpu(broken), atol=TOL)


def test_several_views_per_sample():
    waves = _waves((24000, 24000, 30000, 30000))
    data = dict(inputs=dict(audios=[torch.from_numpy(np.stack(waves[:2])),
                                    torch.from_numpy(np.stack(waves[2:]))]),
                data_samples=[ActionDataSample(), ActionDataSample()])
    out = _pre()(data, training=False)['inputs']['audios']
    assert out.shape == (2, 2, 1, 1, 112, 112)
    np.testing.assert_allclose(out[1, 0].numpy(), _cpu(waves[2])[0],
                               atol=TOL)


def test_a_spectrogram_input_is_refused_with_the_fix():
    data = dict(inputs=dict(audios=[torch.zeros(1, 1, 1, 112, 112)]),
                data_samples=[ActionDataSample()])
    with pytest.raises(ValueError, match='FormatWaveform'):
        _pre()(data)
    with pytest.raises(KeyError, match="collect_keys"):
        _pre()(dict(inputs=dict(imgs=[torch.zeros(1)]), data_samples=None))


def test_the_filter_bank_stays_out_of_checkpoints():
    pre = _pre()
    assert 'mel_filters' not in pre.state_dict()
    assert pre.mel_filters.shape == (513, 256) and pre.n_fft == 1024


def test_format_waveform():
    pack = TRANSFORMS.build(dict(type='FormatWaveform'))
    wav = np.arange(5, dtype=np.float32)
    wav[2] = np.inf
    out = pack(dict(audio=wav, audio_sample_rate=24000))['audios']
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0, 1, 0, 3, 4]])
    assert pack(dict(audio=np.zeros(0, np.float32)))['audios'].shape == (1, 1)
    fixed = TRANSFORMS.build(dict(type='FormatWaveform', sample_rate=10,
                                  seconds=0.3))
    np.testing.assert_array_equal(
        fixed(dict(audio=wav[:2], audio_sample_rate=10))['audios'],
        [[0, 1, 0]])
    assert fixed(dict(audio=np.ones(9, np.float32), audio_sample_rate=10))[
        'audios'].shape == (1, 3)
    with pytest.raises(ValueError, match='LoadAudioFromVideo'):
        pack(dict(audio=wav, audio_sample_rate=16000))
    with pytest.raises(ValueError):
        TRANSFORMS.build(dict(type='FormatWaveform', seconds=0))


def test_pipelines_give_the_same_model_input(tmp_path):
    """The config's val pipeline with CPU log-mel + MultiModalDataPreprocessor
    vs the waveform pipeline + LogMelDataPreprocessor on a real clip."""
    from helpers.av_media import write_av
    clips = [write_av(tmp_path / f'{i}.mp4', n_frames=20, fps=10,
                      size=(48, 64), freq=300.0 * (i + 1)) for i in range(2)]
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'performance',
                                   'avcl_r2plus1d_k32_device_mel.py'))
    base = Config.fromfile(osp.join(REPO, 'configs', 'avcl_r2plus1d_k32.py'))
    outs = {}
    for name, c in (('cpu', base), ('device', cfg)):
        pipe = [TRANSFORMS.build(t) for t in
                c.train_dataloader.dataset.pipeline]
        batch = []
        for clip in clips:
            np.random.seed(0)  # the same frames and video crop
            r = dict(filename=str(clip), start_index=0, modality='RGB')
            for t in pipe:
                if type(t).__name__ == 'SpectrogramCrop':
                    t.random = False  # deterministic: centre crop
                r = t(r)
            batch.append(r)
        pre = MODELS.build(c.model.data_preprocessor)
        if name == 'device':
            pre.random_crop = False
        outs[name] = pre(pseudo_collate(batch), training=True)['inputs']
    assert outs['device']['audios'].shape == outs['cpu']['audios'].shape
    torch.testing.assert_close(outs['device']['audios'],
                               outs['cpu']['audios'], rtol=0, atol=TOL)
    torch.testing.assert_close(outs['device']['imgs'], outs['cpu']['imgs'])
