"""Momentum (exponential moving average) update of a target network.

MoCo (https://arxiv.org/abs/1911.05722) and BYOL
(https://arxiv.org/abs/2006.07733) keep a *target* copy of the online encoder
whose weights follow the online weights slowly:
``θ_target ← m · θ_target + (1 − m) · θ_online``. The recognizer owns the two
networks and calls :func:`momentum_update` after each optimiser step;
:func:`cosine_momentum` gives BYOL's schedule that raises ``m`` to 1.
"""
import math

import torch
from torch import nn


def _check_momentum(m: float) -> None:
    if not isinstance(m, (int, float)) or isinstance(m, bool) or \
            not 0.0 <= float(m) <= 1.0:
        raise ValueError(f'momentum_update: m must be a number in [0, 1] '
                         f'(0 copies the online weights, 1 freezes the '
                         f'target), got {m!r}.')


@torch.no_grad()
def momentum_update(online: nn.Module,
                    target: nn.Module,
                    m: float,
                    copy_buffers: bool = True) -> None:
    """Move every target parameter towards its online twin, in place.

    Parameters are matched by name. The online network may hold more
    parameters than the target (e.g. a BYOL predictor that the target lacks);
    every target parameter must exist in the online network with the same
    shape.

    Args:
        online (nn.Module): The network trained by the optimiser.
        target (nn.Module): The momentum network, updated in place.
        m (float): Momentum in ``[0, 1]``: ``0`` copies the online weights
            (use it to initialise the target), ``1`` leaves the target as is.
        copy_buffers (bool): Whether to copy the target's buffers (e.g.
            BatchNorm running statistics) from the online network. Defaults
            to ``True``.

    Raises:
        ValueError: If ``m`` is outside ``[0, 1]`` or a target parameter or
            buffer has no online twin of the same shape.
    """
    _check_momentum(m)
    pairs = [(dict(online.named_parameters()),
              list(target.named_parameters()), 'parameter')]
    if copy_buffers:
        pairs.append((dict(online.named_buffers()),
                       list(target.named_buffers()), 'buffer'))
    for online_tensors, target_tensors, kind in pairs:
        for name, tensor_t in target_tensors:
            tensor_o = online_tensors.get(name)
            if tensor_o is None or tensor_o.shape != tensor_t.shape:
                found = None if tensor_o is None else tuple(tensor_o.shape)
                raise ValueError(
                    f'momentum_update: target {kind} "{name}" of shape '
                    f'{tuple(tensor_t.shape)} has no online twin of the same '
                    f'shape (online has {found}). Build the target as a deep '
                    'copy of the online network (without its predictor).')
            if kind == 'buffer' or not tensor_t.is_floating_point():
                tensor_t.copy_(tensor_o)
            else:
                tensor_t.mul_(m).add_(tensor_o.detach(), alpha=1.0 - m)


def cosine_momentum(base_momentum: float, cur_iter: int,
                    max_iters: int) -> float:
    """BYOL's schedule: ``1 − (1 − m₀) · (cos(π k / K) + 1) / 2``.

    Args:
        base_momentum (float): Momentum ``m₀`` at the first iteration, in
            ``[0, 1]``.
        cur_iter (int): Current iteration ``k``, ``0 ≤ k ≤ K``.
        max_iters (int): Total number of iterations ``K > 0``.

    Returns:
        float: The momentum for iteration ``k`` (``m₀`` at 0, ``1`` at ``K``).
    """
    _check_momentum(base_momentum)
    if max_iters <= 0 or not 0 <= cur_iter <= max_iters:
        raise ValueError(f'cosine_momentum: need 0 <= cur_iter <= max_iters '
                         f'and max_iters > 0, got cur_iter={cur_iter}, '
                         f'max_iters={max_iters}.')
    progress = math.cos(math.pi * cur_iter / max_iters)
    return 1.0 - (1.0 - base_momentum) * (progress + 1.0) / 2.0
