"""Audio transforms: the video's own audio track -> waveform -> log-mel ->
resize / crop / standardise / mask -> clip layout (or the waveform itself,
for log-mel on the device)."""
from .audio_loading import LoadAudioFromVideo
from .format_audio_clip import FormatAudioClip
from .format_waveform import FormatWaveform
from .log_mel_spectrogram import LogMelSpectrogram
from .spectrogram_crop import SpectrogramCrop
from .spectrogram_mask import SpectrogramMask
from .spectrogram_resize import SpectrogramResize
from .spectrogram_standardize import SpectrogramStandardize

__all__ = [
    'LoadAudioFromVideo', 'LogMelSpectrogram', 'SpectrogramResize',
    'SpectrogramCrop', 'SpectrogramStandardize', 'SpectrogramMask',
    'FormatAudioClip', 'FormatWaveform'
]
