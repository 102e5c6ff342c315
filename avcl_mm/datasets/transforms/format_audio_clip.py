"""``FormatAudioClip``: shape a ``(T, F)`` spectrogram for an encoder."""
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from avcl_mm.datasets.bad_sample import report_bad_sample
from ._spectrogram_utils import describe, get_spectrogram


@TRANSFORMS.register_module()
class FormatAudioClip(BaseTransform):
    """Give ``results['audios']`` ``(T, F)`` the view and channel axes.

    In `AVCL <https://arxiv.org/abs/2204.13386>`_ the audio encoder is the
    video encoder's family applied to the spectrogram as a one-channel clip.

    - ``as_clip=True``: ``(1, 1, 1, T, F)`` = (views, C, frames, H, W), one
      one-channel "frame" for 3D encoders (R3D, R(2+1)D, C3D); batched by
      ``ActionDataPreprocessor(format_shape='NCTHW')`` to ``(N, 1, 1, 1, T,
      F)``.
    - ``as_clip=False``: ``(1, 1, T, F)`` = (views, C, H, W), a one-channel
      image for 2D encoders such as mmaction's ``ResNetAudio`` (batched to
      ``(N, 1, 1, T, F)`` with ``format_shape='NCHW'``).

    Non-finite values are set to 0 and the file reported, so no NaN reaches
    the model.

    Required keys: ``audios`` ``(T, F)``. Modified keys: ``audios``.
    Added keys: ``audio_shape``.

    Args:
        as_clip (bool): 5-D clip (``True``) or 4-D image layout. Defaults to
            ``True``.
    """

    def __init__(self, as_clip: bool = True) -> None:
        self.as_clip = bool(as_clip)

    def transform(self, results: dict) -> dict:
        """Reshape ``audios``."""
        spec = get_spectrogram(results, type(self).__name__)
        finite = np.isfinite(spec)
        if not finite.all():
            report_bad_sample(results.get('filename', '<no filename>'),
                              'non-finite spectrogram values set to 0',
                              kind='nonfinite_spectrogram')
            spec = np.where(finite, spec, np.float32(0))
        lead = (1, 1, 1) if self.as_clip else (1, 1)
        results['audios'] = np.ascontiguousarray(spec.reshape(lead +
                                                              spec.shape))
        results['audio_shape'] = results['audios'].shape
        return results

    def __repr__(self) -> str:
        return describe(self, 'as_clip')
