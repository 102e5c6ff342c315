"""Log-mel spectrogram of a waveform (AVCL audio input)."""
from typing import Optional

import numpy as np
import torch
import torchaudio.functional as AF
from mmcv.transforms import BaseTransform
from mmaction.registry import TRANSFORMS


def mel_filterbank(n_fft: int, sample_rate: int, n_mels: int, f_min: float,
                   f_max: float, mel_scale: str) -> torch.Tensor:
    """Triangular mel filters ``(n_fft // 2 + 1, n_mels)``, area-normalised
    (slaney) for ``mel_scale='slaney'``, peak 1 for ``'htk'``."""
    return AF.melscale_fbanks(
        n_freqs=n_fft // 2 + 1, f_min=f_min, f_max=f_max, n_mels=n_mels,
        sample_rate=sample_rate,
        norm='slaney' if mel_scale == 'slaney' else None,
        mel_scale=mel_scale)


def empty_filters(fb: torch.Tensor) -> int:
    """Number of mel filters that cover no FFT bin."""
    return int((fb.max(dim=0).values <= 0).sum())


@TRANSFORMS.register_module()
class LogMelSpectrogram(BaseTransform):
    """``log(mel power + eps)`` of ``results['audio']`` as ``(T, F)``.

    `AVCL <https://arxiv.org/abs/2204.13386>`_: STFT with a 10 ms window and
    a 10 ms hop (240 samples at 24 kHz) and 256 mel bands. A 240-point FFT
    has only 121 bins, which leaves most of 256 mel filters empty, so the
    Hann window is zero-padded to ``n_fft``: ``None`` picks the smallest power
    of two with no empty filter (2048 for the defaults). Frames are centred
    (``center=True``, zero padding), as librosa does by default.

    Reads ``audio`` (1-D float) and ``audio_sample_rate``; writes ``audios``
    float32 ``(T, n_mels)``, time first as mmaction's audio features.

    Args:
        sample_rate (int): Expected rate of the waveform. Defaults to
            ``24000``.
        win_length (int): Window in samples. Defaults to ``240``.
        hop_length (int): Hop in samples. Defaults to ``240``.
        n_fft (int, optional): FFT size; ``None`` = automatic. Defaults to
            ``None``.
        n_mels (int): Mel bands. Defaults to ``256``.
        f_min (float): Lowest frequency. Defaults to ``0.0``.
        f_max (float, optional): Highest frequency; ``None`` = Nyquist.
            Defaults to ``None``.
        eps (float): Added before the log (silence stays finite). Defaults
            to ``1e-6``.
        mel_scale (str): ``'slaney'`` or ``'htk'``. Defaults to ``'slaney'``.
    """

    def __init__(self,
                 sample_rate: int = 24000,
                 win_length: int = 240,
                 hop_length: int = 240,
                 n_fft: Optional[int] = None,
                 n_mels: int = 256,
                 f_min: float = 0.0,
                 f_max: Optional[float] = None,
                 eps: float = 1e-6,
                 mel_scale: str = 'slaney') -> None:
        if min(sample_rate, win_length, hop_length, n_mels) <= 0:
            raise ValueError('sample_rate, win_length, hop_length and n_mels '
                             'must be positive')
        if eps <= 0:
            raise ValueError(f'eps must be > 0, got {eps}')
        if mel_scale not in ('slaney', 'htk'):
            raise ValueError(f"mel_scale must be 'slaney' or 'htk', got "
                             f'{mel_scale!r}')
        self.sample_rate = int(sample_rate)
        self.win_length = int(win_length)
        self.hop_length = int(hop_length)
        self.n_mels = int(n_mels)
        self.f_min = float(f_min)
        self.f_max = float(f_max) if f_max is not None else sample_rate / 2
        self.eps = float(eps)
        self.mel_scale = mel_scale
        if n_fft is None:
            n_fft = 1 << max(0, (self.win_length - 1).bit_length())
            while empty_filters(self._fb(n_fft)) and n_fft < (1 << 20):
                n_fft *= 2
        elif n_fft < win_length:
            raise ValueError(f'n_fft={n_fft} must be >= win_length='
                             f'{win_length}')
        fb = self._fb(n_fft)
        if empty_filters(fb):
            good = n_fft
            while empty_filters(self._fb(good)):
                good *= 2
            raise ValueError(
                f'n_fft={n_fft} leaves {empty_filters(fb)} of {n_mels} mel '
                f'filters empty; use n_fft >= {good} (or n_fft=None).')
        self.n_fft = int(n_fft)
        self.fb = fb.to(torch.float32)  # (n_freqs, n_mels)
        self.window = torch.hann_window(self.win_length, periodic=True)

    def _fb(self, n_fft: int) -> torch.Tensor:
        return mel_filterbank(n_fft, self.sample_rate, self.n_mels,
                              self.f_min, self.f_max, self.mel_scale)

    def spectrogram(self, wav: torch.Tensor) -> torch.Tensor:
        """Log-mel of a float32 waveform ``(L,)`` → ``(T, n_mels)``."""
        spec = torch.stft(wav, n_fft=self.n_fft, hop_length=self.hop_length,
                          win_length=self.win_length, window=self.window,
                          center=True, pad_mode='constant',
                          return_complex=True)
        power = spec.real.square() + spec.imag.square()  # (n_freqs, T)
        mel = power.transpose(0, 1) @ self.fb  # (T, n_mels)
        return torch.log(mel + self.eps)

    def transform(self, results: dict) -> dict:
        sr = results.get('audio_sample_rate', self.sample_rate)
        if sr != self.sample_rate:
            raise ValueError(
                f'LogMelSpectrogram(sample_rate={self.sample_rate}) got audio '
                f'at {sr} Hz from "{results.get("filename")}": load it with '
                f'LoadAudioFromVideo(sample_rate={self.sample_rate}).')
        wav = torch.as_tensor(np.asarray(results['audio']),
                              dtype=torch.float32).reshape(-1)
        if wav.numel() == 0:
            wav = torch.zeros(1)
        with torch.no_grad():
            logmel = self.spectrogram(wav)
        results['audios'] = logmel.numpy().astype(np.float32, copy=False)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(sample_rate={self.sample_rate}, '
                f'win_length={self.win_length}, hop_length={self.hop_length},'
                f' n_fft={self.n_fft}, n_mels={self.n_mels})')
