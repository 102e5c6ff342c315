"""``SpectrogramStandardize``: per-sample zero mean and unit variance."""
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from avcl_mm.datasets.bad_sample import report_bad_sample
from ._spectrogram_utils import describe, get_spectrogram


@TRANSFORMS.register_module()
class SpectrogramStandardize(BaseTransform):
    """Standardise ``results['audios']`` ``(T, F)`` per sample.

    ``(x - mean(x)) / std(x)`` over all ``T x F`` values (population std).
    The AVCL paper does not say how its log-mel input is normalised; this
    per-sample standardisation is our choice (docs/paper_notes.md). A (nearly) constant input, e.g. the log-mel of silence,
    has ``std < eps`` and becomes all zeros instead of NaN; non-finite input
    values are set to the mean of the finite ones first (and reported).

    Required keys: ``audios`` ``(T, F)``. Modified keys: ``audios`` float32
    ``(T, F)``, mean 0 and std 1 (or all zeros).

    Args:
        eps (float): Standard deviations below this count as constant.
            Defaults to ``1e-6``.
    """

    def __init__(self, eps: float = 1e-6) -> None:
        if not eps > 0:
            raise ValueError(f'eps must be > 0, got {eps}')
        self.eps = float(eps)

    def transform(self, results: dict) -> dict:
        """Standardise ``audios``."""
        spec = get_spectrogram(results, type(self).__name__).astype(np.float64)
        finite = np.isfinite(spec)
        if not finite.all():
            report_bad_sample(results.get('filename', '<no filename>'),
                              'non-finite spectrogram values set to the mean',
                              kind='nonfinite_spectrogram')
            fill = spec[finite].mean() if finite.any() else 0.0
            spec = np.where(finite, spec, fill)
        spec = spec - spec.mean()
        std = spec.std()
        out = spec / std if std >= self.eps else np.zeros_like(spec)
        results['audios'] = out.astype(np.float32)
        return results

    def __repr__(self) -> str:
        return describe(self, 'eps')
