"""``LoadAudioFromVideo``: the mono waveform of the video file's own track."""
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from avcl_mm.datasets.bad_sample import count_event, report_bad_sample
from ._spectrogram_utils import describe
from ._audio_io import (DECORD_STEREO_MONO_GAIN, decode_track, probe_audio,
                        read_sidecar)

__all__ = ['LoadAudioFromVideo', 'DECORD_STEREO_MONO_GAIN']


@TRANSFORMS.register_module()
class LoadAudioFromVideo(BaseTransform):
    """Load ``results['filename']``'s audio track as a mono float32 waveform.

    `AVCL <https://arxiv.org/abs/2204.13386>`_ feeds the *whole* audio track
    of each video, mono, resampled to 24 kHz. The track is decoded and
    resampled by ``decord.AudioReader(path, sample_rate, mono=True)`` (never
    ``mono=False``: with resampling it returns garbage); the sqrt(2) gain of
    its stereo downmix is removed so that the amplitude equals the channel
    mean. A sidecar with the same stem (``clip.wav`` / ``clip.npy`` beside
    ``clip.mp4``) is an option: ``.wav`` is read with soundfile, averaged
    over channels and resampled; ``.npy`` holds a waveform ``(L,)`` or
    ``(C, L)`` that must already be at ``sample_rate`` (no rate is stored).

    ``window=N`` keeps N seconds centred on the sampled video frames (the
    mean of ``frame_inds``, all clips together, over ``avg_fps``: put this
    transform after ``DecordInit``/``SampleFrames``), zero-padded beyond the
    track; the audio is assumed to start with the video.

    Bad input: a file without an audio stream, or whose video decodes but
    audio does not, gets a silent waveform as long as the video (1 s when
    unknown) with ``on_error='warn'`` (one warning per file, see
    :mod:`avcl_mm.datasets.bad_sample`) and raises with ``'raise'``. A file
    that cannot be opened at all always raises (the dataset's ``on_error``
    decides). Non-finite samples are set to 0 and counted.

    Required keys: ``filename``; ``frame_inds``, ``avg_fps`` with ``window``.
    Added keys: ``audio`` float32 ``(L,)``, ``audio_sample_rate``,
    ``audio_source`` (``'video'``, ``'wav'``, ``'npy'`` or ``'silence'``).

    Args:
        sample_rate (int): Output rate in Hz. Defaults to ``24000``.
        window (float, optional): Seconds kept around the clip centre;
            ``None`` keeps the whole track. Defaults to ``None``.
        sidecar (Sequence[str]): Sidecar extensions, in order of preference.
            Defaults to ``('.wav', '.npy')``.
        prefer_sidecar (bool): Read a sidecar before the video's track; when
            ``False`` a sidecar is only used for a video without audio.
            Defaults to ``True``.
        on_error (str): ``'warn'`` or ``'raise'``. Defaults to ``'warn'``.
    """

    def __init__(self,
                 sample_rate: int = 24000,
                 window: Optional[float] = None,
                 sidecar: Sequence[str] = ('.wav', '.npy'),
                 prefer_sidecar: bool = True,
                 on_error: str = 'warn') -> None:
        if int(sample_rate) <= 0:
            raise ValueError(f'sample_rate must be > 0 Hz, got {sample_rate}')
        if window is not None and not window > 0:
            raise ValueError(f'window must be > 0 seconds or None, got '
                             f'{window}')
        if on_error not in ('warn', 'raise'):
            raise ValueError(f"on_error must be 'warn' or 'raise', got "
                             f'{on_error!r}')
        bad = [ext for ext in sidecar if ext not in ('.wav', '.npy')]
        if bad:
            raise ValueError(f'sidecar extensions must be .wav or .npy, got '
                             f'{bad}')
        self.sample_rate = int(sample_rate)
        self.window = None if window is None else float(window)
        self.sidecar = tuple(sidecar)
        self.prefer_sidecar = bool(prefer_sidecar)
        self.on_error = on_error

    def _find_sidecar(self, path: str) -> Optional[str]:
        stem = osp.splitext(path)[0]
        for ext in self.sidecar:
            if osp.isfile(stem + ext):
                return stem + ext
        return None

    def _silence(self, results: dict, path: str) -> np.ndarray:
        frames, fps = results.get('total_frames'), results.get('avg_fps')
        seconds = frames / fps if frames and fps else probe_audio(path)[1]
        seconds = seconds if seconds and np.isfinite(seconds) else 1.0
        return np.zeros(max(1, int(round(seconds * self.sample_rate))),
                        dtype=np.float32)

    def _load(self, path: str) -> Tuple[np.ndarray, str]:
        side = self._find_sidecar(path) if self.sidecar else None
        if side and self.prefer_sidecar:
            try:
                return read_sidecar(side, self.sample_rate), side[-3:]
            except Exception as err:
                if self.on_error == 'raise':
                    raise
                report_bad_sample(side, f'{err}; reading the video track '
                                  'instead', kind='bad_sidecar')
                side = None
        try:
            return decode_track(path, self.sample_rate), 'video'
        except LookupError:  # no audio stream: a sidecar may stand in
            if side is None:
                raise
            return read_sidecar(side, self.sample_rate), side[-3:]

    def _crop_window(self, wav: np.ndarray, results: dict) -> np.ndarray:
        if 'frame_inds' not in results or not results.get('avg_fps'):
            raise KeyError(
                f'LoadAudioFromVideo(window={self.window}) needs '
                '"frame_inds" and "avg_fps": put it after DecordInit and '
                'SampleFrames in the pipeline, or use window=None.')
        frame = np.mean(results['frame_inds']) - results.get('start_index', 0)
        centre = (float(frame) + 0.5) / float(results['avg_fps'])
        length = int(round(self.window * self.sample_rate))
        start = int(round(centre * self.sample_rate)) - length // 2
        out = np.zeros(length, dtype=np.float32)
        lo, hi = max(start, 0), min(start + length, wav.shape[0])
        if hi > lo:
            out[lo - start:hi - start] = wav[lo:hi]
        return out

    def transform(self, results: dict) -> dict:
        """Add ``audio`` ``(L,)`` float32 and ``audio_sample_rate``."""
        path = results['filename']
        video_ok = 'total_frames' in results  # the frames were readable
        try:
            wav, source = self._load(path)
        except Exception as err:
            missing = isinstance(err, LookupError) or video_ok
            if self.on_error == 'raise' or not missing:
                raise RuntimeError(
                    f'LoadAudioFromVideo: cannot read the audio of "{path}": '
                    f'{err}. Remove the file from the annotation list '
                    '(tools/data/check_dataset.py lists such files) or use '
                    "on_error='warn'.") from err
            report_bad_sample(path, f'{err}; using silence', kind='no_audio')
            wav, source = self._silence(results, path), 'silence'
        finite = np.isfinite(wav)
        if not finite.all():
            n_bad = int(wav.size - finite.sum())
            count_event('nonfinite_audio_samples', n_bad)
            report_bad_sample(path, f'{n_bad} non-finite audio samples set '
                              'to 0', kind='nonfinite_audio')
            wav = np.where(finite, wav, 0.0)
        if self.window is not None:
            wav = self._crop_window(wav, results)
        results['audio'] = np.ascontiguousarray(wav, dtype=np.float32)
        results['audio_sample_rate'] = self.sample_rate
        results['audio_source'] = source
        return results

    def __repr__(self) -> str:
        return describe(self, 'sample_rate', 'window', 'sidecar',
                        'prefer_sidecar', 'on_error')
