"""LoadAudioFromVideo: decoding, downmix gain, resampling, sidecars, window."""
import numpy as np
import pytest
import soundfile
from helpers.av_media import shared_media

from avcl_mm.datasets.transforms.audio_loading import (
    DECORD_STEREO_MONO_GAIN, LoadAudioFromVideo)


def pyav_channel_mean(path) -> np.ndarray:
    """Plain mean over channels of the decoded track at its own rate."""
    import av
    chunks = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            data = frame.to_ndarray()  # planar (C, n) or packed (1, n * C)
            if not frame.format.is_planar:
                data = data.reshape(-1, len(frame.layout.channels)).T
            chunks.append(data.astype(np.float64))
    return np.concatenate(chunks, axis=1).mean(axis=0)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def middle(x: np.ndarray, rate: int) -> np.ndarray:
    """Drop 0.25 s at both ends (codec priming and tails)."""
    return x[rate // 4:-rate // 4]


def test_whole_mono_track_keeps_its_amplitude(media):
    out = LoadAudioFromVideo()(dict(filename=str(media['mono24'])))
    wav = out['audio']
    assert wav.dtype == np.float32 and wav.ndim == 1
    assert out['audio_sample_rate'] == 24000 and out['audio_source'] == 'video'
    assert abs(len(wav) / 24000 - 2.0) < 0.1  # 20 frames at 10 fps
    assert rms(middle(wav, 24000)) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)


def test_stereo_downmix_equals_the_channel_mean(media):
    # L = 0.4 sin, R = 0.2 sin: the channel mean is 0.3 sin
    out = LoadAudioFromVideo(sample_rate=48000)(
        dict(filename=str(media['stereo48'])))['audio']
    ref = pyav_channel_mean(media['stereo48'])
    n = min(len(out), len(ref))
    np.testing.assert_allclose(middle(out[:n], 48000),
                               middle(ref[:n], 48000), atol=2e-3)
    assert rms(middle(out, 48000)) == pytest.approx(0.3 / np.sqrt(2),
                                                    rel=0.02)


def test_decord_stereo_downmix_gain_is_sqrt2(media):
    import decord
    raw = decord.AudioReader(str(media['stereo48']), sample_rate=48000,
                             mono=True)[:].asnumpy()[0]
    ratio = rms(middle(raw, 48000)) / rms(middle(
        pyav_channel_mean(media['stereo48']), 48000))
    assert ratio == pytest.approx(DECORD_STEREO_MONO_GAIN, rel=0.01)


def test_real_stereo_mp3_matches_the_channel_mean():
    path = shared_media('av_clip_mpeg4_mp3.avi')  # stereo MP3, 44.1 kHz
    out = LoadAudioFromVideo(sample_rate=44100)(dict(filename=str(path)))
    ref = pyav_channel_mean(path)
    n = min(len(out['audio']), len(ref))
    np.testing.assert_allclose(out['audio'][:n], ref[:n], atol=1e-4)


@pytest.mark.parametrize('key', ['stereo48', 'mono44'])
def test_other_rates_are_resampled_to_24k_keeping_the_pitch(media, key):
    wav = LoadAudioFromVideo()(dict(filename=str(media[key])))['audio']
    assert abs(len(wav) / 24000 - 2.0) < 0.1
    spectrum = np.abs(np.fft.rfft(middle(wav, 24000)))
    peak_hz = np.argmax(spectrum) * 24000 / (2 * (len(spectrum) - 1))
    assert peak_hz == pytest.approx(440, abs=3)


def test_wav_sidecar_is_preferred_and_resampled(media, tmp_path):
    video = tmp_path / 'clip.mp4'
    video.write_bytes(media['mono24'].read_bytes())
    t = np.arange(16000) / 16000
    soundfile.write(tmp_path / 'clip.wav',
                    np.stack([0.2 * np.sin(2 * np.pi * 1000 * t)] * 2, 1),
                    16000)
    out = LoadAudioFromVideo()(dict(filename=str(video)))
    assert out['audio_source'] == 'wav' and len(out['audio']) == 24000
    assert rms(middle(out['audio'], 24000)) == pytest.approx(
        0.2 / np.sqrt(2), rel=0.01)
    out = LoadAudioFromVideo(prefer_sidecar=False)(dict(filename=str(video)))
    assert out['audio_source'] == 'video'


def test_npy_sidecar_is_used_as_is(media, tmp_path):
    video = tmp_path / 'clip.mp4'
    video.write_bytes(media['mono24'].read_bytes())
    wav = np.linspace(-1, 1, 500).astype(np.float32)
    np.save(tmp_path / 'clip.npy', wav)
    out = LoadAudioFromVideo()(dict(filename=str(video)))
    assert out['audio_source'] == 'npy'
    np.testing.assert_array_equal(out['audio'], wav)


def test_sidecar_stands_in_for_a_video_without_audio(media, tmp_path):
    video = tmp_path / 'mute.mp4'
    video.write_bytes(media['no_audio'].read_bytes())
    np.save(tmp_path / 'mute.npy', np.ones(300, np.float32))
    out = LoadAudioFromVideo(prefer_sidecar=False)(
        dict(filename=str(video)))
    assert out['audio_source'] == 'npy' and len(out['audio']) == 300


def window_results(tmp_path, n_samples, frame_inds, fps=10.0):
    """A video whose .npy sidecar holds sample indices as values."""
    video = tmp_path / 'ramp.mp4'
    video.write_bytes(b'not read: the sidecar is used')
    np.save(tmp_path / 'ramp.npy', np.arange(n_samples, dtype=np.float32))
    return dict(filename=str(video), frame_inds=np.asarray(frame_inds),
                avg_fps=fps, start_index=0)


def test_window_is_centred_on_the_sampled_frames(tmp_path):
    # frames 10..25 at 10 fps span [1.0 s, 2.6 s): centre 1.8 s
    results = window_results(tmp_path, 2000 * 5, range(10, 26))
    wav = LoadAudioFromVideo(sample_rate=2000, window=1.2)(results)['audio']
    assert len(wav) == 2400
    np.testing.assert_array_equal(wav, np.arange(3600 - 1200, 3600 + 1200))


def test_window_is_zero_padded_beyond_the_track(tmp_path):
    results = window_results(tmp_path, 2000, range(0, 4))  # centre 0.2 s
    wav = LoadAudioFromVideo(sample_rate=2000, window=1.0)(results)['audio']
    assert len(wav) == 2000
    np.testing.assert_array_equal(wav[:600], 0)  # 0.3 s before the start
    np.testing.assert_array_equal(wav[600:], np.arange(1400))


def test_window_without_sampled_frames_explains_the_pipeline(tmp_path):
    results = window_results(tmp_path, 100, [0])
    del results['frame_inds']
    with pytest.raises(KeyError, match='SampleFrames'):
        LoadAudioFromVideo(window=1.0)(results)


@pytest.mark.parametrize('kwargs', [dict(sample_rate=0), dict(window=0),
                                    dict(on_error='ignore'),
                                    dict(sidecar=('.mp3', ))])
def test_invalid_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        LoadAudioFromVideo(**kwargs)
