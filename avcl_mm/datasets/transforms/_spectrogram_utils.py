"""Helpers shared by the spectrogram transforms (not registered)."""
from typing import Sequence, Tuple, Union

import numpy as np


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
