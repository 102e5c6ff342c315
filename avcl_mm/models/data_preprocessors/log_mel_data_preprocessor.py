"""``LogMelDataPreprocessor``: the spectrogram of packed waveforms, batched
on the model's device."""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmaction.models.data_preprocessors import MultiModalDataPreprocessor
from mmaction.registry import MODELS

from avcl_mm.datasets.transforms._spectrogram_utils import to_pair
from avcl_mm.datasets.transforms.log_mel_spectrogram import LogMelSpectrogram

Size = Union[int, Sequence[int]]


def _compiler_disable(fn):
    """``torch.compiler.disable`` where it exists: ``compile=True`` in a
    config compiles ``train_step``; tracing the preprocessing would guard on
    every waveform's length and recompile for new lengths."""
    disable = getattr(getattr(torch, 'compiler', None), 'disable', None)
    return disable(fn) if disable is not None else fn


@MODELS.register_module()
class LogMelDataPreprocessor(MultiModalDataPreprocessor):
    """``MultiModalDataPreprocessor`` that turns the packed waveforms of
    ``audio_key`` into the AVCL log-mel clip on the model's device.

    It does, for the whole batch at once, what the CPU transforms
    ``LogMelSpectrogram(**log_mel) -> SpectrogramResize(resize) ->
    SpectrogramCrop(crop) -> SpectrogramStandardize -> FormatAudioClip``
    do for one sample, with the same results up to float rounding
    (``tests/models/test_log_mel_data_preprocessor.py``): each waveform's
    own length sets its number of STFT frames, the time axis is resized
    (bilinear, antialiased when shrinking) per sample, the crop is random
    in training (``random_crop=True``, offsets from torch's CPU generator)
    and centred otherwise, and every crop is standardised on its own. The
    pipelines end with ``LoadAudioFromVideo -> FormatWaveform`` instead, so
    the CPU workers only decode. Then the per-modality ``preprocessors``
    run as in ``MultiModalDataPreprocessor`` (``audios`` usually an
    ``ActionDataPreprocessor(format_shape='NCTHW')`` that stacks).

    The spectrogram is computed in float32 with autocast off (under a bf16
    ``optim_wrapper`` too) and outside ``torch.compile``. The crop offsets
    are stored in each data sample's ``audio_crop_offset``, as the CPU crop
    stores them in the results. The mel filters are non-persistent buffers:
    checkpoints are the same as with the CPU path.

    Args:
        preprocessors (dict): Per-modality preprocessors, as in
            ``MultiModalDataPreprocessor``.
        log_mel (dict): ``LogMelSpectrogram`` arguments. Defaults to the
            paper's ``dict(sample_rate=24000, n_mels=256)`` (10 ms window
            and hop).
        resize (int | Sequence[int], optional): ``SpectrogramResize`` size;
            ``None`` skips it. Defaults to ``(256, 256)``.
        antialias (bool): ``SpectrogramResize``'s ``antialias``. Defaults to
            ``True``.
        crop (int | Sequence[int], optional): ``SpectrogramCrop`` size;
            ``None`` skips it. Defaults to ``(112, 112)``.
        random_crop (bool): Random crop offsets in training (centred in
            validation and test either way). Defaults to ``True``.
        standardize (bool): ``SpectrogramStandardize``. Defaults to
            ``True``.
        standardize_eps (float): Its ``eps``. Defaults to ``1e-6``.
        as_clip (bool): ``FormatAudioClip``'s layout: ``(V, 1, 1, T, F)``
            per sample, else ``(V, 1, T, F)``. Defaults to ``True``.
        audio_key (str): The input holding the waveforms ``(V, L)`` per
            sample. Defaults to ``'audios'``.
    """

    def __init__(self,
                 preprocessors: Dict,
                 log_mel: Optional[Dict] = None,
                 resize: Optional[Size] = (256, 256),
                 antialias: bool = True,
                 crop: Optional[Size] = (112, 112),
                 random_crop: bool = True,
                 standardize: bool = True,
                 standardize_eps: float = 1e-6,
                 as_clip: bool = True,
                 audio_key: str = 'audios') -> None:
        super().__init__(preprocessors)
        if audio_key not in self.preprocessors:
            raise KeyError(f'LogMelDataPreprocessor: preprocessors has no '
                           f'{audio_key!r} entry (got '
                           f'{sorted(self.preprocessors)}).')
        if not standardize_eps > 0:
            raise ValueError(f'standardize_eps must be > 0, got '
                             f'{standardize_eps}')
        log_mel = dict(sample_rate=24000, n_mels=256) if log_mel is None \
            else dict(log_mel)
        mel = LogMelSpectrogram(**log_mel)  # validates, picks n_fft
        self.sample_rate, self.n_fft = mel.sample_rate, mel.n_fft
        self.win_length, self.hop_length = mel.win_length, mel.hop_length
        self.eps = mel.eps
        self.register_buffer('mel_filters', mel.filters.clone(),
                             persistent=False)  # (n_fft // 2 + 1, n_mels)
        self.register_buffer('mel_window', mel.window.clone(),
                             persistent=False)
        self.resize = None if resize is None else to_pair(resize, 'resize')
        self.crop = None if crop is None else to_pair(crop, 'crop')
        self.antialias, self.random_crop = bool(antialias), bool(random_crop)
        self.standardize = bool(standardize)
        self.standardize_eps = float(standardize_eps)
        self.as_clip, self.audio_key = bool(as_clip), audio_key

    # ----------------------------------------------------------- the steps
    def log_mel(self, waves: torch.Tensor) -> torch.Tensor:
        """``log(mel power + eps)`` of float32 waveforms ``(B, L)`` →
        ``(B, 1 + L // hop_length, n_mels)``."""
        spec = torch.stft(waves, n_fft=self.n_fft, hop_length=self.hop_length,
                          win_length=self.win_length, window=self.mel_window,
                          center=True, pad_mode='constant',
                          return_complex=True)  # (B, n_fft // 2 + 1, T)
        power = spec.real.square() + spec.imag.square()
        out = torch.matmul(power.transpose(1, 2), self.mel_filters)
        out = out.add_(self.eps).log_()
        top = math.log(torch.finfo(torch.float32).max)
        return torch.nan_to_num(out, nan=math.log(self.eps), posinf=top)

    def _resize(self, specs: List[torch.Tensor]) -> List[torch.Tensor]:
        """Each ``(T_i, F)`` to ``resize``; equal shapes in one call."""
        if self.resize is None:
            return specs
        out: List[Optional[torch.Tensor]] = [None] * len(specs)
        groups: Dict[Tuple[int, int], List[int]] = {}
        for i, spec in enumerate(specs):
            if tuple(spec.shape) == self.resize:
                out[i] = spec
            else:
                groups.setdefault(tuple(spec.shape), []).append(i)
        for index in groups.values():
            batch = torch.stack([specs[i] for i in index])[:, None]
            batch = F.interpolate(batch, size=self.resize, mode='bilinear',
                                  align_corners=False,
                                  antialias=self.antialias)[:, 0]
            for i, spec in zip(index, batch):
                out[i] = spec
        return out

    def _crop(self, spec: torch.Tensor, random: bool) -> tuple:
        """``SpectrogramCrop`` of one ``(T, F)``: the crop and its offset."""
        extra = [max(0, c - s) for c, s in zip(self.crop, spec.shape)]
        if any(extra):  # pad both ends with the quietest level
            pad = (extra[1] // 2, extra[1] - extra[1] // 2, extra[0] // 2,
                   extra[0] - extra[0] // 2)
            spec = F.pad(spec, pad, value=float(spec.min()))
        (t, f), (ct, cf) = spec.shape, self.crop
        if random:
            t0 = int(torch.randint(0, t - ct + 1, ()))
            f0 = int(torch.randint(0, f - cf + 1, ()))
        else:
            t0, f0 = (t - ct) // 2, (f - cf) // 2
        return spec[t0:t0 + ct, f0:f0 + cf], (t0, f0)

    def _standardize(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sample ``(x - mean) / std`` over the last two axes (float64
        statistics, as the CPU transform); all zeros where ``std < eps``."""
        stats = x.double()
        centred = stats - stats.mean(dim=(-2, -1), keepdim=True)
        std = centred.square().mean(dim=(-2, -1), keepdim=True).sqrt()
        out = torch.where(std >= self.standardize_eps,
                          centred / std.clamp_min(self.standardize_eps),
                          torch.zeros_like(centred))
        return out.float()

    def spectrograms(self, waves: List[torch.Tensor],
                     training: bool = False) -> Tuple[list, list]:
        """Per-sample clips ``(V, 1, 1, t, f)`` (or ``(V, 1, t, f)``) of
        per-sample waveforms ``(V, L_i)``, and their crop offsets."""
        views = [w.reshape(-1, w.shape[-1]) if w.dim() > 1 else w[None]
                 for w in waves]
        flat = [v for w in views for v in w]
        lengths = [int(v.numel()) for v in flat]
        device = flat[0].device
        with torch.no_grad(), torch.autocast(device.type, enabled=False):
            batch = torch.zeros(len(flat), max(lengths), device=device)
            for i, v in enumerate(flat):
                batch[i, :lengths[i]] = v.float()
            batch = torch.nan_to_num(batch, nan=0.0, posinf=0.0, neginf=0.0)
            full = self.log_mel(batch)
            specs = [full[i, :1 + n // self.hop_length]
                     for i, n in enumerate(lengths)]
            specs = self._resize(specs)
            offsets = [None] * len(specs)
            if self.crop is not None:
                random = training and self.random_crop
                crops = [self._crop(s, random) for s in specs]
                specs = [c for c, _ in crops]
                offsets = [o for _, o in crops]
            out = torch.stack(specs) if len({tuple(s.shape) for s in specs}) \
                == 1 else None
            if self.standardize:
                specs = list(self._standardize(out)) if out is not None else \
                    [self._standardize(s) for s in specs]
            elif out is not None:
                specs = list(out)
        lead = (1, 1) if self.as_clip else (1, )
        clips, per_sample, at = [], [], 0
        for v in views:
            n = v.shape[0]
            clips.append(torch.stack([s.reshape(lead + s.shape)
                                      for s in specs[at:at + n]]))
            per_sample.append(offsets[at:at + n])
            at += n
        return clips, per_sample

    @_compiler_disable
    def forward(self, data: Dict, training: bool = False) -> Dict:
        """Spectrograms of ``inputs[audio_key]``, then the per-modality
        preprocessors."""
        data = self.cast_data(data)
        inputs = data['inputs']
        if not isinstance(inputs, dict) or self.audio_key not in inputs:
            raise KeyError(
                f'LogMelDataPreprocessor needs inputs[{self.audio_key!r}]: '
                "pack it with PackActionInputs(collect_keys=('imgs', "
                f"'{self.audio_key}')).")
        waves = inputs[self.audio_key]
        waves = list(waves) if isinstance(waves, torch.Tensor) else waves
        bad = [tuple(w.shape) for w in waves if w.dim() > 2]
        if bad:
            raise ValueError(
                f'LogMelDataPreprocessor expects a waveform (V, L) per '
                f'sample in {self.audio_key!r}, got shapes {bad[:3]}: end '
                'the audio pipeline with FormatWaveform instead of '
                'LogMelSpectrogram ... FormatAudioClip.')
        clips, offsets = self.spectrograms(waves, training)
        inputs[self.audio_key] = clips
        samples = data.get('data_samples')
        if samples is not None and self.crop is not None:
            for sample, offset in zip(samples, offsets):
                sample.set_metainfo(dict(audio_crop_offset=offset[0] if
                                         len(offset) == 1 else offset))
        return super().forward(data, training)

    def extra_repr(self) -> str:
        return (f'sample_rate={self.sample_rate}, n_fft={self.n_fft}, '
                f'win_length={self.win_length}, hop_length='
                f'{self.hop_length}, n_mels={self.mel_filters.shape[1]}, '
                f'resize={self.resize}, crop={self.crop}, random_crop='
                f'{self.random_crop}, standardize={self.standardize}, '
                f'as_clip={self.as_clip}')
