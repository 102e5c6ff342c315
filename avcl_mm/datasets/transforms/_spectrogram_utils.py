"""Helpers shared by the audio transforms (not registered)."""
from typing import Sequence, Tuple, Union

import numpy as np

from avcl_mm.datasets.bad_sample import count_event


def to_pair(size: Union[int, Sequence[int]], name: str) -> Tuple[int, int]:
    """``int`` or ``(T, F)`` -> ``(T, F)`` of positive ints, else ValueError
    naming the argument ``name``."""
    pair = (size, size) if isinstance(size, int) else tuple(size)
    if len(pair) != 2 or any(int(s) != s or s <= 0 for s in pair):
        raise ValueError(f'{name} must be a positive int or a (time, freq) '
                         f'pair of positive ints, got {size!r}')
    return int(pair[0]), int(pair[1])


def get_spectrogram(results: dict, owner: str) -> np.ndarray:
    """``results['audios']`` as a float32 ``(T, F)`` array, or a ValueError
    naming the transform ``owner`` and the file."""
    if 'audios' not in results:
        raise KeyError(f'{owner} needs "audios": put LogMelSpectrogram '
                       'before it in the pipeline.')
    spec = np.asarray(results['audios'], dtype=np.float32)
    if spec.ndim != 2:
        raise ValueError(
            f'{owner} expects a (T, F) spectrogram, got shape {spec.shape} '
            f'for "{results.get("filename")}": use it before '
            'FormatAudioClip.')
    return spec


def waveform(results: dict, sample_rate: int, owner: str) -> np.ndarray:
    """``results['audio']`` as a non-empty float32 ``(L, )`` waveform at
    ``sample_rate`` Hz: non-finite samples become 0 (counted as
    ``nonfinite_audio_samples``), an empty one a single 0; a ValueError
    naming ``owner`` and the file when the rate differs."""
    rate = results.get('audio_sample_rate', sample_rate)
    if rate != sample_rate:
        raise ValueError(
            f'{owner}(sample_rate={sample_rate}) got audio at {rate} Hz from '
            f'"{results.get("filename", "<no filename>")}"; load it with '
            f'LoadAudioFromVideo(sample_rate={sample_rate}).')
    if 'audio' not in results:
        raise KeyError(f'{owner} needs "audio": put LoadAudioFromVideo '
                       'before it in the pipeline.')
    wav = np.asarray(results['audio'], dtype=np.float32).reshape(-1)
    finite = np.isfinite(wav)
    if not finite.all():
        count_event('nonfinite_audio_samples', int(wav.size - finite.sum()))
        wav = np.where(finite, wav, np.float32(0))
    return wav if wav.size else np.zeros(1, dtype=np.float32)


def describe(transform, *names: str) -> str:
    """``Name(a=1, b='x')``: a transform's repr from its attributes."""
    args = ', '.join(f'{n}={getattr(transform, n)!r}' for n in names)
    return f'{type(transform).__name__}({args})'
