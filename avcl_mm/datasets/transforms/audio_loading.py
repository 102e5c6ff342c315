"""Read the audio track of the video file itself."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmaction.registry import TRANSFORMS

from avcl_mm.datasets.bad_samples import report_bad_sample

# decord's mono downmix of a 2-channel track returns (L + R) / sqrt(2), i.e.
# sqrt(2) x the channel mean: a 0.5-amplitude sine in both channels of an
# AAC track (RMS 0.354) came back with RMS 0.4998; mono tracks come back
# unscaled (RMS 0.3578). We divide by this factor for stereo sources.
DECORD_STEREO_MONO_GAIN = float(np.sqrt(2.0))


def _audio_channels(path: str) -> Optional[int]:
    """Channel count of the first audio stream (container metadata only,
    no decoding), ``0`` without audio, ``None`` if unknown."""
    try:
        import av
        with av.open(path) as container:
            streams = container.streams.audio
            return streams[0].channels if streams else 0
    except Exception:  # unreadable header: let decord report the error
        return None


@TRANSFORMS.register_module()
class LoadAudioFromVideo(BaseTransform):
    """Load the mono waveform of ``results['filename']``'s own audio track.

    The whole track is decoded with ``decord.AudioReader`` and resampled to
    ``sample_rate`` (`AVCL <https://arxiv.org/abs/2204.13386>`_ uses the whole
    audio, mono, 24 kHz). A sidecar file with the same stem (``clip.wav`` or
    ``clip.npy`` next to ``clip.mp4``) is used instead when present and
    ``prefer_sidecar``; an ``.npy`` sidecar holds a 1-D float waveform that is
    already at ``sample_rate``.

    ``window=N`` keeps N seconds centred on the sampled video clip (needs
    ``frame_inds`` and ``avg_fps`` from ``SampleFrames``/``DecordInit``, so put
    this transform after them), zero-padded at the track edges (Table I).

    Bad input: with ``on_error='warn'`` a file without a usable audio track
    gets a silent waveform as long as the video (1 s if unknown), one warning
    per file and an entry in the bad-sample log; ``'raise'`` raises an error
    naming the file. Non-finite samples are replaced by 0.

    Added keys: ``audio`` (float32 ``(L,)``), ``audio_sample_rate``.

    Args:
        sample_rate (int): Output rate in Hz. Defaults to ``24000``.
        window (float, optional): Seconds around the clip centre; ``None``
            keeps the whole track. Defaults to ``None``.
        sidecar (Sequence[str]): Sidecar extensions looked for. Defaults to
            ``('.wav', '.npy')``.
        prefer_sidecar (bool): Use a sidecar when it exists. Defaults to
            ``True``.
        on_error (str): ``'warn'`` or ``'raise'``. Defaults to ``'warn'``.
    """

    def __init__(self,
                 sample_rate: int = 24000,
                 window: Optional[float] = None,
                 sidecar: Sequence[str] = ('.wav', '.npy'),
                 prefer_sidecar: bool = True,
                 on_error: str = 'warn') -> None:
        if sample_rate <= 0:
            raise ValueError(f'sample_rate must be > 0, got {sample_rate}')
        if window is not None and window <= 0:
            raise ValueError(f'window must be > 0 seconds, got {window}')
        if on_error not in ('warn', 'raise'):
            raise ValueError("on_error must be 'warn' or 'raise', got "
                             f'{on_error!r}')
        self.sample_rate = int(sample_rate)
        self.window = window
        self.sidecar = tuple(sidecar)
        self.prefer_sidecar = prefer_sidecar
        self.on_error = on_error

    def _sidecar_path(self, path: str) -> Optional[str]:
        stem = osp.splitext(path)[0]
        for ext in self.sidecar:
            if osp.isfile(stem + ext):
                return stem + ext
        return None

    def _read_sidecar(self, path: str) -> np.ndarray:
        if path.endswith('.npy'):
            return np.load(path, allow_pickle=False).astype(np.float32)
        import soundfile
        wav, sr = soundfile.read(path, dtype='float32', always_2d=True)
        wav = wav.mean(axis=1)
        if sr != self.sample_rate:
            import torch
            import torchaudio.functional as AF
            wav = AF.resample(torch.from_numpy(wav), sr,
                              self.sample_rate).numpy()
        return wav

    def _read_track(self, path: str) -> np.ndarray:
        import decord
        channels = _audio_channels(path)
        if channels == 0:
            raise RuntimeError('the file has no audio stream')
        reader = decord.AudioReader(path, sample_rate=self.sample_rate,
                                    mono=True)
        wav = reader[:].asnumpy().reshape(-1).astype(np.float32)
        if channels == 2:
            wav /= DECORD_STEREO_MONO_GAIN
        return wav

    def _video_seconds(self, results: dict) -> float:
        frames, fps = results.get('total_frames'), results.get('avg_fps')
        if frames and fps:
            return float(frames) / float(fps)
        return 1.0

    def _crop_window(self, wav: np.ndarray, results: dict) -> np.ndarray:
        if 'frame_inds' not in results or not results.get('avg_fps'):
            raise KeyError('LoadAudioFromVideo(window=...) needs frame_inds '
                           'and avg_fps: put it after SampleFrames.')
        centre = (float(np.mean(results['frame_inds'])) + 0.5) / \
            float(results['avg_fps'])
        length = int(round(self.window * self.sample_rate))
        start = int(round(centre * self.sample_rate)) - length // 2
        out = np.zeros(length, dtype=np.float32)
        lo, hi = max(start, 0), min(start + length, wav.shape[0])
        if hi > lo:
            out[lo - start:hi - start] = wav[lo:hi]
        return out

    def transform(self, results: dict) -> dict:
        path = results['filename']
        side = self._sidecar_path(path) if self.prefer_sidecar else None
        try:
            wav = self._read_sidecar(side) if side else self._read_track(path)
            if wav.size == 0:
                raise RuntimeError('the audio track is empty')
        except Exception as err:
            if self.on_error == 'raise':
                source = side or path
                raise RuntimeError(
                    f'LoadAudioFromVideo: cannot read the audio of "{source}"'
                    f': {err}. Use on_error="warn" to continue with '
                    'silence, or remove the file from the annotation list '
                    '(tools/data/check_dataset.py lists such files).') from err
            report_bad_sample(path, f'no usable audio ({err}); using silence')
            wav = np.zeros(
                max(1, int(self._video_seconds(results) * self.sample_rate)),
                dtype=np.float32)
        bad = ~np.isfinite(wav)
        if bad.any():
            report_bad_sample(path, f'{int(bad.sum())} non-finite audio '
                              'samples set to 0')
            wav = np.where(bad, 0.0, wav).astype(np.float32)
        if self.window is not None:
            wav = self._crop_window(wav, results)
        results['audio'] = np.ascontiguousarray(wav, dtype=np.float32)
        results['audio_sample_rate'] = self.sample_rate
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(sample_rate={self.sample_rate}, '
                f'window={self.window}, on_error={self.on_error!r})')
