"""``LogMelSpectrogram``: waveform -> ``log(mel power + eps)``, time first."""
import math
import warnings
from typing import Optional

import numpy as np
import torch
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ._spectrogram_utils import describe, waveform

from avcl_mm.datasets.bad_sample import report_bad_sample


def mel_filters(n_fft: int, sample_rate: int, n_mels: int, f_min: float,
                f_max: float, mel_scale: str) -> torch.Tensor:
    """Triangular mel filters ``(n_fft // 2 + 1, n_mels)`` with slaney area
    normalisation (librosa's ``norm='slaney'``) on the ``mel_scale``
    (``'slaney'`` or ``'htk'``), built by librosa."""
    import librosa
    with warnings.catch_warnings():  # empty filters are checked by callers
        warnings.simplefilter('ignore')
        bank = librosa.filters.mel(sr=sample_rate, n_fft=n_fft,
                                   n_mels=n_mels, fmin=f_min, fmax=f_max,
                                   htk=mel_scale == 'htk', norm='slaney',
                                   dtype=np.float64)
    return torch.from_numpy(bank.T.astype(np.float32))


def count_empty_filters(filters: torch.Tensor) -> int:
    """Number of mel filters (columns) that weight no FFT bin."""
    return int((filters.amax(dim=0) <= 0).sum())


@TRANSFORMS.register_module()
class LogMelSpectrogram(BaseTransform):
    """Log-mel spectrogram of ``results['audio']`` as ``(T, F)`` float32.

    `AVCL <https://arxiv.org/abs/2204.13386>`_: STFT with a 10 ms window and
    10 ms hop (240 samples at 24 kHz), 256 mel bands, log scale. A 240-point
    FFT has only 121 bins, too few for 256 mel filters, so the periodic Hann
    window of ``win_length`` samples is zero-padded (centred) to ``n_fft``:
    ``n_fft=None`` picks the smallest power of two >= ``win_length`` that
    leaves no mel filter empty (1024 for the defaults). Frames are centred on
    ``t * hop_length`` with zero padding at the ends (librosa's
    ``center=True, pad_mode='constant'``), so ``T = 1 + L // hop_length``.
    Output: ``log(filters^T |STFT|^2 + eps)``, ``F = n_mels``.

    Required keys: ``audio`` ``(L,)``; ``audio_sample_rate`` if present must
    equal ``sample_rate``. Added keys: ``audios`` float32 ``(T, n_mels)``.

    Args:
        sample_rate (int): Rate of the waveform in Hz. Defaults to ``24000``.
        win_length (int, optional): Window length in samples; ``None`` is
            10 ms at ``sample_rate`` (240 at 24 kHz). Defaults to ``None``.
        hop_length (int, optional): Hop in samples; ``None`` is 10 ms at
            ``sample_rate``. Defaults to ``None``.
        n_fft (int, optional): FFT size; ``None`` chooses it. Defaults to
            ``None``.
        n_mels (int): Number of mel bands ``F``. Defaults to ``256``.
        f_min (float): Lowest filter edge in Hz. Defaults to ``0.0``.
        f_max (float, optional): Highest filter edge in Hz; ``None`` is the
            Nyquist frequency. Defaults to ``None``.
        eps (float): Added to the mel power before the log, so silence gives
            ``log(eps)``. Defaults to ``1e-6``.
        mel_scale (str): ``'slaney'`` (librosa ``htk=False``) or ``'htk'``.
            Defaults to ``'slaney'``.
    """

    def __init__(self,
                 sample_rate: int = 24000,
                 win_length: Optional[int] = None,
                 hop_length: Optional[int] = None,
                 n_fft: Optional[int] = None,
                 n_mels: int = 256,
                 f_min: float = 0.0,
                 f_max: Optional[float] = None,
                 eps: float = 1e-6,
                 mel_scale: str = 'slaney') -> None:
        ten_ms = int(round(int(sample_rate) * 0.010))  # the paper's 10 ms
        win_length = ten_ms if win_length is None else win_length
        hop_length = ten_ms if hop_length is None else hop_length
        for name, value in (('sample_rate', sample_rate),
                            ('win_length', win_length),
                            ('hop_length', hop_length), ('n_mels', n_mels)):
            if int(value) <= 0:
                raise ValueError(f'{name} must be a positive int, got {value}')
        f_max = sample_rate / 2 if f_max is None else float(f_max)
        if not 0 <= f_min < f_max <= sample_rate / 2:
            raise ValueError(f'need 0 <= f_min < f_max <= sample_rate / 2, '
                             f'got f_min={f_min}, f_max={f_max}')
        if not eps > 0:
            raise ValueError(f'eps must be > 0, got {eps}')
        if mel_scale not in ('slaney', 'htk'):
            raise ValueError(f"mel_scale must be 'slaney' or 'htk', got "
                             f'{mel_scale!r}')
        self.sample_rate, self.n_mels = int(sample_rate), int(n_mels)
        self.win_length, self.hop_length = int(win_length), int(hop_length)
        self.f_min, self.f_max = float(f_min), f_max
        self.eps, self.mel_scale = float(eps), mel_scale
        self.n_fft = self._check_n_fft(n_fft)
        self.filters = self._filters(self.n_fft)  # (n_fft // 2 + 1, n_mels)
        self.window = torch.hann_window(self.win_length, periodic=True)
        self._sparse_filters = None  # built on first use, not pickled

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state['_sparse_filters'] = None
        return state

    def _mel(self, power: torch.Tensor) -> torch.Tensor:
        """``power (F, T)`` → mel power ``(T, n_mels)``. Each mel filter
        covers a few FFT bins (1016 of the 513 x 256 weights are non-zero
        for the paper's settings), so the filter bank is applied as a
        sparse CSR matrix: about 4x faster than the dense product on one
        CPU thread, and equal to it up to float rounding."""
        if power.is_cuda or power.dtype != torch.float32:
            return power.transpose(0, 1) @ self.filters.to(power)
        if self._sparse_filters is None:
            with warnings.catch_warnings():  # "sparse CSR support is beta"
                warnings.simplefilter('ignore', UserWarning)
                self._sparse_filters = \
                    self.filters.t().contiguous().to_sparse_csr()
        return torch.sparse.mm(self._sparse_filters, power).t()

    def _filters(self, n_fft: int) -> torch.Tensor:
        return mel_filters(n_fft, self.sample_rate, self.n_mels, self.f_min,
                           self.f_max, self.mel_scale)

    def _smallest_valid_n_fft(self) -> int:
        n_fft = 1 << max(0, (self.win_length - 1).bit_length())
        while count_empty_filters(self._filters(n_fft)):
            if n_fft > (1 << 20):
                raise ValueError(
                    f'no FFT size up to 2^20 fills all {self.n_mels} mel '
                    f'filters between {self.f_min} and {self.f_max} Hz; '
                    'use fewer n_mels or a wider band.')
            n_fft *= 2
        return n_fft

    def _check_n_fft(self, n_fft: Optional[int]) -> int:
        if n_fft is None:
            return self._smallest_valid_n_fft()
        if int(n_fft) < self.win_length:
            raise ValueError(f'n_fft={n_fft} must be >= win_length='
                             f'{self.win_length}')
        empty = count_empty_filters(self._filters(int(n_fft)))
        if empty:
            raise ValueError(
                f'n_fft={n_fft} leaves {empty} of {self.n_mels} mel filters '
                f'empty; use n_fft={self._smallest_valid_n_fft()} or more '
                '(or n_fft=None to choose it).')
        return int(n_fft)

    def log_mel(self, wav: torch.Tensor) -> torch.Tensor:
        """``log(mel power + eps)`` of a float32 waveform ``(L,)`` →
        ``(T, n_mels)`` with ``T = 1 + L // hop_length``."""
        spec = torch.stft(wav, n_fft=self.n_fft, hop_length=self.hop_length,
                          win_length=self.win_length, window=self.window,
                          center=True, pad_mode='constant',
                          return_complex=True)  # (n_fft // 2 + 1, T)
        power = spec.real.square() + spec.imag.square()
        return self._mel(power).add_(self.eps).log_()

    def transform(self, results: dict) -> dict:
        """Add ``audios`` float32 ``(T, n_mels)``."""
        path = results.get('filename', '<no filename>')
        wav = waveform(results, self.sample_rate, type(self).__name__)
        with torch.no_grad():
            out = self.log_mel(torch.from_numpy(np.ascontiguousarray(wav)))
        out = out.numpy()
        if not np.isfinite(out).all():  # power overflow of absurd samples
            report_bad_sample(path, 'log-mel overflow (|audio| too large); '
                              'clipped', kind='nonfinite_spectrogram')
            top = math.log(float(np.finfo(np.float32).max))
            out = np.nan_to_num(out, nan=math.log(self.eps), posinf=top)
        results['audios'] = out.astype(np.float32, copy=False)
        return results

    def __repr__(self) -> str:
        return describe(self, 'sample_rate', 'win_length', 'hop_length',
                        'n_fft', 'n_mels', 'f_min', 'f_max', 'eps',
                        'mel_scale')
