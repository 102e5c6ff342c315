"""The bad-input policy: no audio, broken files, short clips, silence,
odd sample rates; never NaN, one warning per file."""
import warnings

import numpy as np
import pytest
from helpers.av_media import frame_value, shared_media

from avcl_mm.datasets.audio_visual_dataset import AudioVisualDataset
from avcl_mm.datasets.bad_sample import (BadSampleWarning, bad_sample_counts,
                                         bad_sample_summary)
from avcl_mm.datasets.transforms.audio_loading import LoadAudioFromVideo
from avcl_mm.datasets.transforms.log_mel_spectrogram import LogMelSpectrogram
from avcl_mm.datasets.transforms.spectrogram_standardize import \
    SpectrogramStandardize

AUDIO_OPS = [
    dict(type='LoadAudioFromVideo'),
    dict(type='LogMelSpectrogram', n_mels=64),
    dict(type='SpectrogramResize', size=(32, 32)),
    dict(type='SpectrogramCrop', size=(16, 16), random=False),
    dict(type='SpectrogramStandardize'),
    dict(type='FormatAudioClip'),
]
VIDEO_OPS = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=16, frame_interval=1, num_clips=1,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='FormatShape', input_format='NCTHW'),
]


def run(pipeline, path):
    from mmcv.transforms import Compose
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    return Compose(pipeline)(dict(filename=str(path), start_index=0,
                                  modality='RGB'))


def test_missing_audio_gives_silence_of_the_video_length_and_warns_once(
        media):
    results = dict(filename=str(media['no_audio']), total_frames=20,
                   avg_fps=10.0)
    with pytest.warns(BadSampleWarning, match='no audio stream'):
        out = LoadAudioFromVideo()(dict(results))
    assert out['audio_source'] == 'silence'
    np.testing.assert_array_equal(out['audio'], np.zeros(2 * 24000))
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # a second warning would raise
        LoadAudioFromVideo()(dict(results))
    assert bad_sample_counts()['no_audio'] == 2
    assert list(bad_sample_summary()) == [str(media['no_audio'])]


def test_missing_audio_of_a_real_file_without_duration_uses_the_header():
    path = shared_media('video_only_h264.mp4')  # 10 s, no audio stream
    with pytest.warns(BadSampleWarning):
        out = LoadAudioFromVideo(sample_rate=8000)(dict(filename=str(path)))
    assert len(out['audio']) == pytest.approx(80000, abs=800)


def test_missing_audio_raises_naming_the_file_in_strict_mode(media):
    with pytest.raises(RuntimeError, match='no_audio.mp4'):
        LoadAudioFromVideo(on_error='raise')(
            dict(filename=str(media['no_audio'])))


@pytest.mark.parametrize('key', ['empty', 'truncated'])
def test_unreadable_file_raises_naming_it_even_when_warning(media, key):
    with pytest.raises(RuntimeError, match=media[key].name):
        LoadAudioFromVideo()(dict(filename=str(media[key])))


def write_ann(tmp_path, media, keys):
    ann = tmp_path / 'ann.txt'
    ann.write_text(''.join(f'{media[k].name} {i % 2}\n'
                           for i, k in enumerate(keys)))
    return str(ann)


@pytest.mark.parametrize('key', ['empty', 'truncated'])
def test_dataset_replaces_an_unreadable_video_by_the_next_one(
        media, tmp_path, key):
    ann = write_ann(tmp_path, media, [key, 'mono24'])
    dataset = AudioVisualDataset(
        ann, VIDEO_OPS + AUDIO_OPS,
        data_prefix=dict(video=str(media['mono24'].parent)), test_mode=True)
    with pytest.warns(BadSampleWarning, match=media[key].name):
        out = dataset[0]
    assert out['filename'] == str(media['mono24'])
    reason = bad_sample_summary()[str(media[key])]
    assert ('zero-length file' in reason) == (key == 'empty')
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # known bad: skipped, not re-warned
        assert dataset[0]['filename'] == str(media['mono24'])


def test_dataset_in_strict_mode_raises_naming_the_file(media, tmp_path):
    ann = write_ann(tmp_path, media, ['truncated', 'mono24'])
    dataset = AudioVisualDataset(
        ann, VIDEO_OPS, data_prefix=dict(video=str(media['mono24'].parent)),
        on_error='raise')
    with pytest.raises(RuntimeError, match='truncated.mp4'):
        dataset[0]


def test_dataset_gives_up_when_every_sample_fails(media, tmp_path):
    ann = write_ann(tmp_path, media, ['empty', 'truncated'])
    dataset = AudioVisualDataset(
        ann, VIDEO_OPS, data_prefix=dict(video=str(media['mono24'].parent)))
    with pytest.warns(BadSampleWarning), pytest.raises(RuntimeError,
                                                       match='in a row'):
        dataset[0]


def test_clip_shorter_than_16_frames_is_looped(media):
    out = run(VIDEO_OPS, media['short8'])
    imgs = out['imgs']  # (1, 3, 16, H, W)
    assert imgs.shape[:3] == (1, 3, 16)
    levels = imgs[0, 0, :, 5, 5]
    expected = [frame_value(i % 8) for i in range(16)]
    np.testing.assert_allclose(levels, expected, atol=6)


def test_silent_track_gives_finite_log_mel_and_zero_standardised_input(
        media):
    out = LoadAudioFromVideo()(dict(filename=str(media['silent'])))
    logmel = LogMelSpectrogram(n_mels=64)(out)['audios']
    assert np.isfinite(logmel).all()
    assert logmel.min() >= np.log(1e-6) - 1e-4
    final = SpectrogramStandardize()(dict(audios=np.full_like(
        logmel, np.log(1e-6))))['audios']
    np.testing.assert_array_equal(final, 0)


@pytest.mark.parametrize('key', ['stereo48', 'mono44', 'silent', 'short8',
                                 'no_audio'])
def test_every_odd_source_gives_finite_float32_inputs(media, key):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', BadSampleWarning)
        out = run(VIDEO_OPS + AUDIO_OPS, media[key])
    assert out['audios'].shape == (1, 1, 1, 16, 16)
    assert out['audios'].dtype == np.float32
    assert np.isfinite(out['audios']).all()


def test_non_finite_samples_are_zeroed_counted_and_reported(media,
                                                            tmp_path):
    video = tmp_path / 'nan.mp4'
    video.write_bytes(media['mono24'].read_bytes())
    wav = np.ones(100, np.float32)
    wav[[3, 50]] = [np.nan, -np.inf]
    np.save(tmp_path / 'nan.npy', wav)
    with pytest.warns(BadSampleWarning, match='2 non-finite'):
        out = LoadAudioFromVideo()(dict(filename=str(video)))
    assert out['audio'][3] == 0 and out['audio'][50] == 0
    assert out['audio'].sum() == 98
    assert bad_sample_counts()['nonfinite_audio_samples'] == 2
