"""LogMelSpectrogram against librosa (the independent reference)."""
import warnings

import librosa
import numpy as np
import pytest
from helpers.av_media import shared_media

from avcl_mm.datasets.transforms.log_mel_spectrogram import LogMelSpectrogram

SR = 24000


def librosa_log_mel(wav: np.ndarray, n_fft: int, htk: bool = False,
                    n_mels: int = 256, eps: float = 1e-6) -> np.ndarray:
    """log(mel power + eps), (T, F), computed in float64 by librosa."""
    mel = librosa.feature.melspectrogram(
        y=wav.astype(np.float64), sr=SR, n_fft=n_fft, win_length=240,
        hop_length=240, window='hann', center=True, pad_mode='constant',
        power=2.0, n_mels=n_mels, htk=htk, norm='slaney')
    return np.log(mel + eps).T


def chirp(seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (0.5 * np.sin(2 * np.pi * (100 * t + 0.5 * 9000 * t ** 2))
            ).astype(np.float32)


def empty_librosa_filters(n_fft: int, htk: bool = False) -> int:
    with warnings.catch_warnings():  # librosa warns about empty filters
        warnings.simplefilter('ignore')
        fb = librosa.filters.mel(sr=SR, n_fft=n_fft, n_mels=256, htk=htk)
    return int((fb.max(axis=1) <= 0).sum())


def test_auto_n_fft_is_smallest_power_of_two_without_empty_filters():
    n_fft = LogMelSpectrogram().n_fft
    assert n_fft & (n_fft - 1) == 0 and n_fft >= 240
    assert empty_librosa_filters(n_fft) == 0
    assert empty_librosa_filters(n_fft // 2) > 0


def test_explicit_n_fft_with_empty_filters_raises_with_a_working_size():
    with pytest.raises(ValueError, match='n_fft=1024'):
        LogMelSpectrogram(n_fft=256)


@pytest.mark.parametrize('kwargs', [dict(win_length=0), dict(n_fft=128),
                                    dict(f_max=20000), dict(eps=0),
                                    dict(mel_scale='mfcc')])
def test_invalid_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        LogMelSpectrogram(**kwargs)


def test_matches_librosa_on_a_chirp():
    wav = chirp()
    out = LogMelSpectrogram()(dict(audio=wav))['audios']
    ref = librosa_log_mel(wav, n_fft=1024)
    assert out.dtype == np.float32 and out.shape == ref.shape == (101, 256)
    np.testing.assert_allclose(out, ref, atol=5e-4, rtol=0)


def test_htk_scale_matches_librosa_htk():
    wav = chirp(0.5)
    transform = LogMelSpectrogram(mel_scale='htk')
    out = transform(dict(audio=wav))['audios']
    ref = librosa_log_mel(wav, n_fft=transform.n_fft, htk=True)
    np.testing.assert_allclose(out, ref, atol=5e-4, rtol=0)


def test_matches_librosa_on_a_real_decoded_track():
    import decord
    path = shared_media('av_clip_mpeg4_mp3.avi')
    wav = decord.AudioReader(str(path), sample_rate=SR,
                             mono=True)[:].asnumpy()[0, :2 * SR]
    out = LogMelSpectrogram()(dict(audio=wav, audio_sample_rate=SR))
    np.testing.assert_allclose(out['audios'],
                               librosa_log_mel(wav, n_fft=1024), atol=2e-3,
                               rtol=0)


def test_frame_count_is_one_plus_length_over_hop():
    out = LogMelSpectrogram(n_mels=64)(dict(audio=np.zeros(1000, 'f4')))
    assert out['audios'].shape == (1 + 1000 // 240, 64)


def test_silence_gives_log_eps_not_minus_infinity():
    out = LogMelSpectrogram(eps=1e-6)(dict(audio=np.zeros(SR, 'f4')))
    np.testing.assert_allclose(out['audios'], np.log(1e-6), rtol=1e-6)


def test_non_finite_samples_are_zeroed():
    wav = chirp(0.25)
    bad = wav.copy()
    bad[100:110] = np.nan
    bad[500] = np.inf
    clean = wav.copy()
    clean[100:110] = 0
    clean[500] = 0
    transform = LogMelSpectrogram(n_mels=64)
    out = transform(dict(audio=bad))['audios']
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out, transform(dict(audio=clean))['audios'])


def test_wrong_sample_rate_names_the_file():
    with pytest.raises(ValueError, match='clip.mp4'):
        LogMelSpectrogram()(dict(audio=np.zeros(100, 'f4'),
                                 audio_sample_rate=16000,
                                 filename='clip.mp4'))


@pytest.mark.parametrize('rate', [16000, 24000, 48000])
def test_window_and_hop_default_to_ten_milliseconds(rate):
    """Left unset, window and hop are the paper's 10 ms at any rate, so a
    config that changes only ``audio_rate`` keeps 100 frames per second."""
    mel = LogMelSpectrogram(sample_rate=rate, n_mels=64)
    assert mel.win_length == mel.hop_length == rate // 100
    out = mel(dict(audio=np.zeros(rate, np.float32),
                   audio_sample_rate=rate))['audios']
    assert out.shape[-1] == 64  # (..., time, mel)
    assert out.shape[-2] in (100, 101)  # one second, 10 ms hops
