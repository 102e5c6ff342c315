"""Spectrogram resize / crop / standardise / mask / format (``(T, F)``).

Small transforms that operate on ``results['audios']``, a float32 log-mel
spectrogram with time first, as written by ``LogMelSpectrogram``.
"""
from typing import Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import BaseTransform
from mmaction.registry import TRANSFORMS


def _pair(size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    size = (size, size) if isinstance(size, int) else tuple(size)
    if len(size) != 2 or min(size) <= 0:
        raise ValueError(f'size must be a positive int or (T, F), got {size}')
    return int(size[0]), int(size[1])


@TRANSFORMS.register_module()
class SpectrogramResize(BaseTransform):
    """Bilinear resize of ``audios`` ``(T, F)`` to ``size`` (AVCL: the whole
    track becomes a 256x256 matrix, i.e. the time axis is resampled to 256
    steps).

    Args:
        size (int | tuple[int, int]): ``(T, F)``. Defaults to ``(256, 256)``.
    """

    def __init__(self, size: Union[int, Sequence[int]] = (256, 256)) -> None:
        self.size = _pair(size)

    def transform(self, results: dict) -> dict:
        spec = torch.as_tensor(results['audios'], dtype=torch.float32)
        if tuple(spec.shape) != self.size:
            spec = F.interpolate(spec[None, None], size=self.size,
                                 mode='bilinear', align_corners=False)[0, 0]
        results['audios'] = spec.numpy()
        return results


@TRANSFORMS.register_module()
class SpectrogramCrop(BaseTransform):
    """Random (training) or centre (testing) crop of ``audios`` ``(T, F)``.

    Args:
        size (int | tuple[int, int]): ``(T, F)`` crop. Defaults to
            ``(112, 112)``.
        random (bool): Random position; ``False`` = centre. Defaults to
            ``True``.
    """

    def __init__(self, size: Union[int, Sequence[int]] = (112, 112),
                 random: bool = True) -> None:
        self.size = _pair(size)
        self.random = random

    def transform(self, results: dict) -> dict:
        spec = results['audios']
        (t, f), (ct, cf) = spec.shape, self.size
        if t < ct or f < cf:
            raise ValueError(
                f'SpectrogramCrop{self.size} does not fit a {spec.shape} '
                'spectrogram: put SpectrogramResize before it.')
        if self.random:
            t0 = np.random.randint(0, t - ct + 1)
            f0 = np.random.randint(0, f - cf + 1)
        else:
            t0, f0 = (t - ct) // 2, (f - cf) // 2
        results['audios'] = np.ascontiguousarray(spec[t0:t0 + ct,
                                                      f0:f0 + cf])
        return results


@TRANSFORMS.register_module()
class SpectrogramStandardize(BaseTransform):
    """Per-sample standardisation ``(x - mean) / std``; a constant input
    (silence) becomes zeros, never NaN.

    Args:
        eps (float): Standard deviations below this count as constant.
            Defaults to ``1e-6``.
    """

    def __init__(self, eps: float = 1e-6) -> None:
        self.eps = eps

    def transform(self, results: dict) -> dict:
        spec = np.asarray(results['audios'], dtype=np.float32)
        mean, std = float(spec.mean()), float(spec.std())
        if not np.isfinite(mean) or not np.isfinite(std) or std < self.eps:
            out = np.zeros_like(spec)
        else:
            out = (spec - mean) / std
        results['audios'] = out.astype(np.float32, copy=False)
        return results


@TRANSFORMS.register_module()
class SpectrogramMask(BaseTransform):
    """SpecAugment-style masking: zero ``time_masks`` bands of at most
    ``time_width`` steps and ``freq_masks`` bands of at most ``freq_width``
    bins (zero is the mean after standardisation).

    Args:
        time_masks (int): Defaults to ``2``.
        time_width (int): Defaults to ``16``.
        freq_masks (int): Defaults to ``2``.
        freq_width (int): Defaults to ``16``.
        p (float): Probability of masking a sample. Defaults to ``1.0``.
    """

    def __init__(self, time_masks: int = 2, time_width: int = 16,
                 freq_masks: int = 2, freq_width: int = 16,
                 p: float = 1.0) -> None:
        if min(time_masks, time_width, freq_masks, freq_width) < 0:
            raise ValueError('mask counts and widths must be >= 0')
        if not 0 <= p <= 1:
            raise ValueError(f'p must be in [0, 1], got {p}')
        self.time_masks, self.time_width = time_masks, time_width
        self.freq_masks, self.freq_width = freq_masks, freq_width
        self.p = p

    @staticmethod
    def _mask(spec: np.ndarray, axis: int, count: int, width: int) -> None:
        size = spec.shape[axis]
        for _ in range(count):
            w = np.random.randint(0, min(width, size) + 1)
            start = np.random.randint(0, size - w + 1)
            index = [slice(None)] * 2
            index[axis] = slice(start, start + w)
            spec[tuple(index)] = 0.0

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.p:
            return results
        spec = np.array(results['audios'], dtype=np.float32, copy=True)
        self._mask(spec, 0, self.time_masks, self.time_width)
        self._mask(spec, 1, self.freq_masks, self.freq_width)
        results['audios'] = spec
        return results


@TRANSFORMS.register_module()
class FormatAudioClip(BaseTransform):
    """Shape ``audios`` for the audio encoder.

    ``as_clip=True``: ``(T, F)`` → ``(1, 1, 1, T, F)`` (one view, one channel,
    one frame: a one-channel clip for 3D encoders, ``audio_input='clip'``).
    ``as_clip=False``: → ``(1, 1, T, F)`` (one view of a one-channel image,
    for 2D encoders such as ``ResNetAudio``, ``audio_input='image'``).

    Args:
        as_clip (bool): Defaults to ``True``.
    """

    def __init__(self, as_clip: bool = True) -> None:
        self.as_clip = as_clip

    def transform(self, results: dict) -> dict:
        spec = np.asarray(results['audios'], dtype=np.float32)
        if spec.ndim != 2:
            raise ValueError(f'FormatAudioClip expects (T, F) audios, got '
                             f'{spec.shape}')
        if not np.isfinite(spec).all():
            raise ValueError('non-finite spectrogram for '
                             f'"{results.get("filename")}"')
        shape = (1, 1, 1) + spec.shape if self.as_clip else (1, 1) + \
            spec.shape
        results['audios'] = np.ascontiguousarray(spec.reshape(shape))
        results['audio_shape'] = shape
        return results
