"""``SpectrogramResize``: bilinear resize of a ``(T, F)`` spectrogram."""
from typing import Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ._spectrogram_utils import describe, get_spectrogram, to_pair


@TRANSFORMS.register_module()
class SpectrogramResize(BaseTransform):
    """Resize ``results['audios']`` ``(T, F)`` to ``size`` bilinearly.

    `AVCL <https://arxiv.org/abs/2204.13386>`_ turns the log-mel of the
    whole track into a 256x256 matrix: with 256 mel bands only the time axis
    changes, from ``T = 1 + L // hop`` frames to 256 steps. Pixel centres are
    aligned as in ``align_corners=False``. Shrinking uses an antialiasing
    (area-weighted triangle) filter by default, so short sound events
    between the sampled frames are averaged in rather than skipped; this
    equals PIL's bilinear resize, and ``antialias=False`` equals OpenCV's
    ``INTER_LINEAR``. Enlarging is the same either way.

    Required keys: ``audios`` ``(T, F)``. Modified keys: ``audios``
    float32 ``size``.

    Args:
        size (int | Sequence[int]): Output ``(T, F)``; an int gives a square.
            Defaults to ``(256, 256)``.
        antialias (bool): Low-pass filter when shrinking. Defaults to
            ``True``.
    """

    def __init__(self,
                 size: Union[int, Sequence[int]] = (256, 256),
                 antialias: bool = True) -> None:
        self.size = to_pair(size, 'size')
        self.antialias = bool(antialias)

    def transform(self, results: dict) -> dict:
        """Resize ``audios`` to ``size``."""
        spec = get_spectrogram(results, type(self).__name__)
        if spec.shape != self.size:
            with torch.no_grad():
                spec = F.interpolate(
                    torch.from_numpy(spec)[None, None], size=self.size,
                    mode='bilinear', align_corners=False,
                    antialias=self.antialias)[0, 0].numpy()
        results['audios'] = np.ascontiguousarray(spec, dtype=np.float32)
        return results

    def __repr__(self) -> str:
        return describe(self, 'size', 'antialias')
