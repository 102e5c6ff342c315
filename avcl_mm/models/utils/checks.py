"""Argument checks shared by the losses."""
from typing import Tuple

from torch import Tensor


def check_pair(x: Tensor, y: Tensor, owner: str,
               names: Tuple[str, str] = ('feat_v', 'feat_a')) -> None:
    """Raise a ValueError unless ``x`` and ``y`` are non-empty ``(N, D)``
    tensors of the same shape."""
    for name, t in zip(names, (x, y)):
        if not isinstance(t, Tensor) or t.dim() != 2 or t.shape[0] == 0:
            shape = tuple(t.shape) if isinstance(t, Tensor) else type(t)
            raise ValueError(f'{owner}: {name} must be a non-empty (N, D) '
                             f'tensor, got {shape}. Pool and flatten the '
                             'features first.')
    if x.shape != y.shape:
        raise ValueError(f'{owner}: {names[0]} {tuple(x.shape)} and '
                         f'{names[1]} {tuple(y.shape)} must have the same '
                         'shape (one row per clip, same embedding size).')


def check_positive(owner: str, **values) -> None:
    """Raise a ValueError naming the first value that is not a positive
    number (``bool`` is not a number here)."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or value <= 0:
            raise ValueError(f'{owner}: {name} must be a positive number, '
                             f'got {value!r}.')
