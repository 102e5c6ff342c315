"""Small helpers of the audio-visual recognizer: pooling, view pairing and
reading a backbone's output channels."""
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn as nn

Maps = Union[torch.Tensor, Sequence[torch.Tensor]]


def as_list(maps: Maps) -> List[torch.Tensor]:
    """A backbone output (tensor, tuple or list of stage maps) as a list."""
    return list(maps) if isinstance(maps, (tuple, list)) else [maps]


def global_pool(x: torch.Tensor) -> torch.Tensor:
    """Average over every axis after channels: ``(N, C, ...)`` -> ``(N, C)``.

    Works for 3D maps ``(N, C, T, H, W)``, 2D maps ``(N, C, H, W)`` and
    already pooled ``(N, C)`` features.
    """
    if x.dim() < 2:
        raise ValueError('global_pool expects a map (N, C, ...), got shape '
                         f'{tuple(x.shape)}.')
    return x.flatten(2).mean(dim=2) if x.dim() > 2 else x


def pair_views(v: torch.Tensor, a: torch.Tensor, num_samples: int
               ) -> Tuple[torch.Tensor, torch.Tensor, int]:
    """Align video and audio views of each sample.

    Args:
        v (torch.Tensor): ``(N * V, ...)``, the views of a sample contiguous.
        a (torch.Tensor): ``(N * Va, ...)``.
        num_samples (int): ``N``.

    Returns:
        tuple: ``(v, a, views)`` where both tensors have ``N * views`` rows.
        ``Va == V`` pairs view by view; ``Va == 1`` repeats the audio for
        every video view (and ``V == 1`` the video for every audio view).
    """
    num_v, num_a = v.shape[0] // num_samples, a.shape[0] // num_samples
    if num_v == num_a:
        return v, a, num_v
    if num_a == 1:
        return v, _repeat_views(a, num_samples, num_v), num_v
    if num_v == 1:
        return _repeat_views(v, num_samples, num_a), a, num_a
    raise ValueError(f'Cannot pair {num_v} video views with {num_a} audio '
                     'views per sample: use the same number, or 1 audio '
                     'view (it is then shared by all video views).')


def _repeat_views(x: torch.Tensor, num_samples: int,
                  views: int) -> torch.Tensor:
    x = x.reshape((num_samples, 1) + tuple(x.shape[1:]))
    x = x.expand((num_samples, views) + tuple(x.shape[2:]))
    return x.reshape((num_samples * views, ) + tuple(x.shape[2:]))


@torch.no_grad()
def probe_channels(backbone: nn.Module, example: torch.Tensor) -> List[int]:
    """Channels of every map a backbone returns, by one dry run.

    The backbone runs in eval mode (norm statistics stay untouched) on the
    example input and is put back into its previous mode.

    Args:
        backbone (nn.Module): The backbone.
        example (torch.Tensor): A small valid input ``(1, C, ...)``.

    Returns:
        list[int]: Channel size of each returned map, in order.
    """
    was_training = backbone.training
    backbone.eval()
    try:
        maps = as_list(backbone(example))
    finally:
        backbone.train(was_training)
    return [int(m.shape[1]) for m in maps]
