"""``SpectrogramCrop``: random or centre crop of a ``(T, F)`` spectrogram."""
from typing import Sequence, Union

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ._spectrogram_utils import describe, get_spectrogram, to_pair


@TRANSFORMS.register_module()
class SpectrogramCrop(BaseTransform):
    """Crop ``results['audios']`` ``(T, F)`` to ``size``.

    `AVCL <https://arxiv.org/abs/2204.13386>`_ crops the 256x256 spectrogram
    to 112x112 at random in training (``random=True``, offsets drawn with
    ``np.random`` as mmaction's crops do) and at the centre in testing
    (``random=False``, offset ``(T - t) // 2``). An axis shorter than the
    crop is first padded at both ends with the spectrogram's minimum (its
    quietest level), so odd inputs never stop a run.

    Required keys: ``audios`` ``(T, F)``. Modified keys: ``audios``
    float32 ``size``. Added keys: ``audio_crop_offset`` ``(t0, f0)``.

    Args:
        size (int | Sequence[int]): Crop ``(T, F)``; an int gives a square.
            Defaults to ``(112, 112)``.
        random (bool): Random offsets, else centred. Defaults to ``True``.
    """

    def __init__(self,
                 size: Union[int, Sequence[int]] = (112, 112),
                 random: bool = True) -> None:
        self.size = to_pair(size, 'size')
        self.random = bool(random)

    def _pad(self, spec: np.ndarray) -> np.ndarray:
        extra = [max(0, c - s) for c, s in zip(self.size, spec.shape)]
        if not any(extra):
            return spec
        widths = [(e // 2, e - e // 2) for e in extra]
        return np.pad(spec, widths, constant_values=spec.min())

    def transform(self, results: dict) -> dict:
        """Crop ``audios`` to ``size``."""
        spec = self._pad(get_spectrogram(results, type(self).__name__))
        (t, f), (ct, cf) = spec.shape, self.size
        if self.random:
            t0 = np.random.randint(0, t - ct + 1)
            f0 = np.random.randint(0, f - cf + 1)
        else:
            t0, f0 = (t - ct) // 2, (f - cf) // 2
        results['audios'] = np.ascontiguousarray(spec[t0:t0 + ct,
                                                      f0:f0 + cf])
        results['audio_crop_offset'] = (int(t0), int(f0))
        return results

    def __repr__(self) -> str:
        return describe(self, 'size', 'random')
