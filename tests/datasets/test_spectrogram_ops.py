"""Spectrogram resize / crop / standardise / mask / format."""
import cv2
import numpy as np
import pytest
from PIL import Image

from avcl_mm.datasets.transforms.format_audio_clip import FormatAudioClip
from avcl_mm.datasets.transforms.spectrogram_crop import SpectrogramCrop
from avcl_mm.datasets.transforms.spectrogram_mask import SpectrogramMask
from avcl_mm.datasets.transforms.spectrogram_resize import SpectrogramResize
from avcl_mm.datasets.transforms.spectrogram_standardize import \
    SpectrogramStandardize


def spec(t: int = 40, f: int = 24, seed: int = 0) -> np.ndarray:
    return np.random.RandomState(seed).randn(t, f).astype(np.float32)


def test_resize_shrinks_time_like_pil_bilinear():
    x = spec(300, 16)
    out = SpectrogramResize(size=(64, 16))(dict(audios=x))['audios']
    ref = np.asarray(Image.fromarray(x, mode='F').resize((16, 64),
                                                         Image.BILINEAR))
    assert out.shape == (64, 16) and out.dtype == np.float32
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_resize_without_antialias_matches_opencv_linear():
    x = spec(300, 16)
    out = SpectrogramResize(size=(64, 32), antialias=False)(
        dict(audios=x))['audios']
    ref = cv2.resize(x, (32, 64), interpolation=cv2.INTER_LINEAR)
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_resize_stretches_a_short_track():
    x = spec(10, 8)
    out = SpectrogramResize(size=(30, 8))(dict(audios=x))['audios']
    ref = cv2.resize(x, (8, 30), interpolation=cv2.INTER_LINEAR)
    np.testing.assert_allclose(out, ref, atol=1e-5)


@pytest.mark.parametrize('size', [0, (3, ), (2, -1), (2.5, 3)])
def test_bad_sizes_raise(size):
    with pytest.raises(ValueError, match='size'):
        SpectrogramResize(size=size)


def test_centre_crop_takes_the_middle():
    x = spec(40, 24)
    out = SpectrogramCrop(size=(10, 8), random=False)(dict(audios=x))
    np.testing.assert_array_equal(out['audios'], x[15:25, 8:16])


def test_random_crop_is_a_window_of_the_input_at_varying_offsets():
    x = spec(40, 24)
    offsets = set()
    np.random.seed(0)
    for _ in range(20):
        out = SpectrogramCrop(size=(10, 8))(dict(audios=x))
        t0, f0 = out['audio_crop_offset']
        np.testing.assert_array_equal(out['audios'], x[t0:t0 + 10, f0:f0 + 8])
        offsets.add((t0, f0))
    assert len(offsets) > 5


def test_crop_pads_a_short_input_with_its_minimum():
    x = spec(6, 8)
    out = SpectrogramCrop(size=(10, 8), random=False)(dict(audios=x))
    assert out['audios'].shape == (10, 8)
    np.testing.assert_array_equal(out['audios'][2:8], x)
    assert (out['audios'][:2] == x.min()).all()
    assert (out['audios'][8:] == x.min()).all()


def test_standardize_gives_zero_mean_unit_std():
    x = spec() * 3 + 5
    out = SpectrogramStandardize()(dict(audios=x))['audios']
    ref = (x.astype(np.float64) - x.mean()) / x.std()
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_standardize_of_a_constant_is_zeros_not_nan():
    out = SpectrogramStandardize()(dict(audios=np.full((5, 4), -13.8,
                                                       'f4')))
    np.testing.assert_array_equal(out['audios'], np.zeros((5, 4)))


def test_standardize_replaces_non_finite_values():
    x = spec()
    x[0, 0], x[1, 1] = np.nan, np.inf
    out = SpectrogramStandardize()(dict(audios=x, filename='f.mp4'))
    assert np.isfinite(out['audios']).all()


def test_mask_with_p_zero_is_identity():
    x = spec()
    out = SpectrogramMask(p=0.0)(dict(audios=x.copy()))['audios']
    np.testing.assert_array_equal(out, x)


def test_mask_sets_bands_no_wider_than_the_limits_to_the_value():
    np.random.seed(1)
    x = spec(50, 30) + 10  # no value is 0 before masking
    out = SpectrogramMask(time_masks=1, time_width=6, freq_masks=1,
                          freq_width=4, value=0.0)(dict(audios=x))['audios']
    rows = np.where((out == 0).all(axis=1))[0]
    cols = np.where((out == 0).all(axis=0))[0]
    assert len(rows) <= 6 and len(cols) <= 4
    changed = out != x
    expected = np.zeros_like(changed)
    expected[rows] = True
    expected[:, cols] = True
    np.testing.assert_array_equal(changed, expected)


def test_mask_draws_some_bands():
    np.random.seed(0)
    masked = 0
    for _ in range(10):
        out = SpectrogramMask(value=-99.0)(dict(audios=spec()))['audios']
        masked += int((out == -99.0).sum())
    assert masked > 0


@pytest.mark.parametrize('as_clip,shape', [(True, (1, 1, 1, 7, 5)),
                                           (False, (1, 1, 7, 5))])
def test_format_audio_clip_shapes(as_clip, shape):
    x = spec(7, 5)
    out = FormatAudioClip(as_clip=as_clip)(dict(audios=x))
    assert out['audios'].shape == shape
    np.testing.assert_array_equal(out['audios'].reshape(7, 5), x)


def test_format_audio_clip_zeroes_non_finite_values():
    x = spec(7, 5)
    x[3, 3] = np.nan
    out = FormatAudioClip()(dict(audios=x, filename='f.mp4'))['audios']
    assert np.isfinite(out).all() and out[0, 0, 0, 3, 3] == 0


def test_ops_reject_an_already_formatted_spectrogram():
    with pytest.raises(ValueError, match=r'\(T, F\)'):
        SpectrogramCrop()(dict(audios=np.zeros((1, 1, 1, 4, 4), 'f4')))
