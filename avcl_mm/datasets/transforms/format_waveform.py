"""``FormatWaveform``: pack the waveform for a log-mel on the device."""
from typing import Optional

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ._spectrogram_utils import describe, waveform



@TRANSFORMS.register_module()
class FormatWaveform(BaseTransform):
    """Put ``results['audio']`` ``(L,)`` into ``results['audios']`` as one
    view ``(1, L)``, for ``LogMelDataPreprocessor``.

    The data pipeline then ends with the waveform instead of the spectrogram:
    ``LoadAudioFromVideo -> FormatWaveform -> PackActionInputs(collect_keys=
    ('imgs', 'audios'))``, and the preprocessor computes log-mel, resize,
    crop and standardisation for the whole batch on the model's device
    (``LogMelSpectrogram``, ``SpectrogramResize``, ``SpectrogramCrop``,
    ``SpectrogramStandardize`` and ``FormatAudioClip`` leave the CPU
    workers). Lengths may differ between samples (the preprocessor pads per
    batch and uses each sample's own length, so the spectrogram equals the
    CPU transforms').

    ``seconds=S`` pads with zeros or truncates to ``S`` seconds instead, a
    fixed shape for collate functions that stack; the spectrogram is then
    the one of that padded waveform (the CPU path's on the same waveform).

    Non-finite samples are set to 0 (counted, as ``LogMelSpectrogram``
    does); an empty waveform becomes one zero sample.

    Required keys: ``audio`` ``(L,)``; ``audio_sample_rate`` if present must
    equal ``sample_rate``. Added keys: ``audios`` float32 ``(1, L)``.

    Args:
        sample_rate (int): Rate the device log-mel expects, in Hz. Defaults
            to ``24000``.
        seconds (float, optional): Fixed length; ``None`` keeps each
            waveform's own. Defaults to ``None``.
    """

    def __init__(self,
                 sample_rate: int = 24000,
                 seconds: Optional[float] = None) -> None:
        if int(sample_rate) <= 0:
            raise ValueError(f'sample_rate must be > 0 Hz, got {sample_rate}')
        if seconds is not None and not seconds > 0:
            raise ValueError(f'seconds must be > 0 or None, got {seconds}')
        self.sample_rate = int(sample_rate)
        self.seconds = None if seconds is None else float(seconds)

    def transform(self, results: dict) -> dict:
        """Add ``audios`` ``(1, L)``."""
        wav = waveform(results, self.sample_rate, type(self).__name__)
        if self.seconds is not None:
            length = max(1, int(round(self.seconds * self.sample_rate)))
            fixed = np.zeros(length, dtype=np.float32)
            fixed[:min(length, wav.size)] = wav[:length]
            wav = fixed
        results['audios'] = np.ascontiguousarray(wav[None])
        return results

    def __repr__(self) -> str:
        return describe(self, 'sample_rate', 'seconds')
