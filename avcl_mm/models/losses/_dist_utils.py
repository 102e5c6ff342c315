"""Shared helpers of the baseline losses: input checks and the global batch.

All communication goes through :mod:`avcl_mm.models.utils.dist`. Two kinds of
loss use them:

- losses of the whole global batch (Barlow Twins, invariant information
  clustering) gather the features with :func:`gather` and compute the same
  value on every rank;
- losses that average over this rank's samples (InfoNCE rows, BYOL, SimSiam)
  pass their local mean to :func:`local_share`, which returns the global
  value and a gradient such that DDP's mean over ranks is the gradient of the
  whole batch in one process, also when ranks hold different batch sizes.
"""
from typing import List, Optional, Tuple

import torch
from torch import Tensor

from avcl_mm.models.utils.dist import (all_batch_sizes, gather_no_grad,
                                       gather_with_grad, get_rank,
                                       get_world_size)


def check_pair(x: Tensor, y: Tensor, owner: str, names: Tuple[str, str]
               ) -> None:
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


def batch_sizes(x: Tensor, enabled: bool) -> Optional[List[int]]:
    """Batch size of every rank, or ``None`` when not gathering (switched
    off or a single process)."""
    if not enabled or get_world_size() == 1:
        return None
    return all_batch_sizes(x.shape[0], device=x.device)


def row_offset(sizes: Optional[List[int]]) -> int:
    """Index of this rank's first row in the gathered batch."""
    return 0 if sizes is None else sum(sizes[:get_rank()])


def gather(x: Tensor, sizes: Optional[List[int]]) -> Tensor:
    """All ranks' ``x`` concatenated along dim 0 with gradients (``x`` itself
    when ``sizes`` is ``None``)."""
    return x if sizes is None else gather_with_grad(x, sizes)


def gather_detached(x: Tensor, sizes: Optional[List[int]]) -> Tensor:
    """All ranks' ``x`` concatenated along dim 0, detached."""
    return x.detach() if sizes is None else gather_no_grad(x, sizes)


def local_share(loss: Tensor, sizes: Optional[List[int]]) -> Tensor:
    """Turn the mean loss over this rank's samples into its global share.

    The value becomes the global-batch mean ``Σ_r n_r L_r / N`` on every
    rank; the gradient is that of ``W · n_r / N · L_r``, whose mean over the
    ``W`` ranks (DDP) is the gradient of the global mean.

    Args:
        loss (Tensor): Scalar mean over this rank's ``n_r`` samples.
        sizes (list[int], optional): Batch sizes of all ranks, or ``None``.

    Returns:
        Tensor: Scalar loss.
    """
    if sizes is None:
        return loss
    total = sum(sizes)
    share = loss * (len(sizes) * sizes[get_rank()] / total)
    weights = loss.new_tensor(sizes, dtype=loss.dtype)
    value = (gather_no_grad(loss.detach().reshape(1), [1] * len(sizes)) *
             weights).sum() / total
    return share + (value - share).detach()


def upcast(x: Tensor) -> Tensor:
    """``x`` in float32, or in its own dtype when that is wider (float64):
    half-precision inputs (AMP) are upcast for the exponentials."""
    return x.to(torch.promote_types(x.dtype, torch.float32))
