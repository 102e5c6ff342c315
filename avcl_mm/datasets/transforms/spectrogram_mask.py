"""``SpectrogramMask``: SpecAugment-style time and frequency masking."""
from typing import Optional

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ._spectrogram_utils import describe, get_spectrogram


@TRANSFORMS.register_module()
class SpectrogramMask(BaseTransform):
    """Mask bands of ``results['audios']`` ``(T, F)`` (optional augmentation).

    Not part of `AVCL <https://arxiv.org/abs/2204.13386>`_; SpecAugment-style
    masking (`Park et al. <https://arxiv.org/abs/1904.08779>`_) offered for
    ablations. With probability ``p``, ``time_masks`` bands of ``w ~ U{0,
    time_width}`` consecutive time steps and ``freq_masks`` bands of ``w ~
    U{0, freq_width}`` bins, at uniform positions (``np.random``), are set to
    ``value`` (``None``: the spectrogram's mean, i.e. 0 after
    ``SpectrogramStandardize``).

    Required keys: ``audios`` ``(T, F)``. Modified keys: ``audios``.

    Args:
        time_masks (int): Number of time bands. Defaults to ``2``.
        time_width (int): Largest time band. Defaults to ``16``.
        freq_masks (int): Number of frequency bands. Defaults to ``2``.
        freq_width (int): Largest frequency band. Defaults to ``16``.
        p (float): Probability to mask a sample. Defaults to ``1.0``.
        value (float, optional): Fill value; ``None`` is the mean. Defaults
            to ``None``.
    """

    def __init__(self,
                 time_masks: int = 2,
                 time_width: int = 16,
                 freq_masks: int = 2,
                 freq_width: int = 16,
                 p: float = 1.0,
                 value: Optional[float] = None) -> None:
        for name, number in (('time_masks', time_masks),
                             ('time_width', time_width),
                             ('freq_masks', freq_masks),
                             ('freq_width', freq_width)):
            if int(number) != number or number < 0:
                raise ValueError(f'{name} must be an int >= 0, got {number}')
        if not 0.0 <= p <= 1.0:
            raise ValueError(f'p must be in [0, 1], got {p}')
        if value is not None and not np.isfinite(value):
            raise ValueError(f'value must be finite or None, got {value}')
        self.time_masks, self.time_width = int(time_masks), int(time_width)
        self.freq_masks, self.freq_width = int(freq_masks), int(freq_width)
        self.p, self.value = float(p), value

    @staticmethod
    def _mask_axis(spec: np.ndarray, axis: int, count: int, width: int,
                   value: float) -> None:
        size = spec.shape[axis]
        for _ in range(count):
            w = np.random.randint(0, min(width, size) + 1)
            start = np.random.randint(0, size - w + 1)
            index = [slice(None), slice(None)]
            index[axis] = slice(start, start + w)
            spec[tuple(index)] = value

    def transform(self, results: dict) -> dict:
        """Mask ``audios`` in place of a copy."""
        if self.p < 1.0 and np.random.rand() >= self.p:
            return results
        spec = get_spectrogram(results, type(self).__name__).copy()
        value = float(spec.mean()) if self.value is None else self.value
        self._mask_axis(spec, 0, self.time_masks, self.time_width, value)
        self._mask_axis(spec, 1, self.freq_masks, self.freq_width, value)
        results['audios'] = spec
        return results

    def __repr__(self) -> str:
        return describe(self, 'time_masks', 'time_width', 'freq_masks',
                        'freq_width', 'p', 'value')
