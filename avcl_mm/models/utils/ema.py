"""Momentum (EMA) target networks from mmengine's averaged-model classes.

MoCo (https://arxiv.org/abs/1911.05722), BYOL
(https://arxiv.org/abs/2006.07733) and CMAC keep a *target* copy of online
modules whose weights follow the online ones slowly,
``θ_target ← m · θ_target + (1 − m) · θ_online``. The target is an
``mmengine.model.ExponentialMovingAverage`` (whose own ``momentum`` argument
is ``1 − m``); :class:`CosineMomentumEMA` adds BYOL's schedule that raises
``m`` to 1 over training. Buffers (BatchNorm statistics) are copied from the
online modules at every update, as in MoCo and BYOL.
"""
import math
from typing import Dict, Optional

from mmaction.registry import MODELS
from mmengine.logging import MessageHub
from mmengine.model import ExponentialMovingAverage
from torch import Tensor, nn

SCHEDULES = ('constant', 'cosine')


def cosine_momentum(base_momentum: float, cur_iter: int,
                    max_iters: int) -> float:
    """BYOL's schedule: ``1 − (1 − m₀) · (cos(π k / K) + 1) / 2``.

    Args:
        base_momentum (float): Momentum ``m₀`` at the first iteration, in
            ``(0, 1)``.
        cur_iter (int): Current iteration ``k``, ``0 ≤ k ≤ K``.
        max_iters (int): Total number of iterations ``K > 0``.

    Returns:
        float: The momentum for iteration ``k`` (``m₀`` at 0, ``1`` at ``K``).
    """
    if max_iters <= 0 or not 0 <= cur_iter <= max_iters:
        raise ValueError(f'cosine_momentum: need 0 <= cur_iter <= max_iters '
                         f'and max_iters > 0, got cur_iter={cur_iter}, '
                         f'max_iters={max_iters}.')
    progress = math.cos(math.pi * cur_iter / max_iters)
    return 1.0 - (1.0 - base_momentum) * (progress + 1.0) / 2.0


@MODELS.register_module()
class CosineMomentumEMA(ExponentialMovingAverage):
    """:class:`~mmengine.model.ExponentialMovingAverage` whose target
    momentum ``m`` follows BYOL's cosine schedule (:func:`cosine_momentum`)
    from ``1 − momentum`` at iteration 0 to 1 at the last iteration. The
    iteration and the run's length are read from mmengine's ``MessageHub``
    (``iter``, ``max_iters``); outside a Runner the momentum stays at its
    start value.

    Args:
        model (nn.Module): The online modules.
        momentum (float): mmengine's EMA rate ``1 − m₀`` at iteration 0.
            Defaults to ``0.004`` (BYOL's ``m₀ = 0.996``).
        **kwargs: Other ``ExponentialMovingAverage`` arguments.
    """

    def __init__(self, model: nn.Module, momentum: float = 0.004,
                 **kwargs) -> None:
        super().__init__(model, momentum=momentum, **kwargs)
        self.base_rate = float(momentum)

    def current_momentum(self) -> float:
        """Target momentum ``m`` of this iteration."""
        base = 1.0 - self.base_rate
        try:
            hub = MessageHub.get_current_instance()
        except RuntimeError:  # no MessageHub yet: not inside a Runner
            return base
        cur, total = hub.get_info('iter'), hub.get_info('max_iters')
        if cur is None or not total:
            return base
        return cosine_momentum(base, min(int(cur), int(total)), int(total))

    def update_parameters(self, model: nn.Module) -> None:
        """Update with the momentum of the current iteration."""
        self.momentum = 1.0 - self.current_momentum()
        super().update_parameters(model)

    def avg_func(self, averaged_param: Tensor, source_param: Tensor,
                 steps: int) -> None:
        """``θ_t ← m θ_t + (1 − m) θ_o`` (nothing to do once ``m = 1``)."""
        if self.momentum > 0:
            averaged_param.lerp_(source_param, self.momentum)


def build_momentum_target(modules: Dict[str, Optional[nn.Module]],
                          momentum: float, schedule: str = 'constant',
                          owner: str = 'model') -> ExponentialMovingAverage:
    """An EMA target of the named online modules.

    Args:
        modules (dict[str, nn.Module]): Online modules by name (``None``
            values are skipped); the target keeps the same names under
            ``module.``.
        momentum (float): Target momentum ``m`` in ``(0, 1)`` (its start
            value for ``schedule='cosine'``).
        schedule (str): ``'constant'`` (MoCo) or ``'cosine'`` (BYOL).
            Defaults to ``'constant'``.
        owner (str): Name used in error messages. Defaults to ``'model'``.

    Returns:
        ExponentialMovingAverage: The target (a frozen deep copy).
    """
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) \
            or not 0.0 < momentum < 1.0:
        raise ValueError(f'{owner}: momentum must be in (0, 1) (0.999 keeps '
                         f'99.9 % of the target each step), got '
                         f'{momentum!r}.')
    if schedule not in SCHEDULES:
        raise ValueError(f'{owner}: momentum_schedule must be one of '
                         f'{SCHEDULES}, got {schedule!r}.')
    online = online_container(modules)
    ema = CosineMomentumEMA if schedule == 'cosine' else \
        ExponentialMovingAverage
    return ema(online, momentum=1.0 - float(momentum))


def online_container(modules: Dict[str, Optional[nn.Module]]
                     ) -> nn.ModuleDict:
    """The online modules in one container (no copy), named as the
    target's; pass it to ``target.update_parameters``."""
    return nn.ModuleDict({k: m for k, m in modules.items() if m is not None})


def restart_target(target: ExponentialMovingAverage,
                   online: nn.Module) -> None:
    """Make ``target`` a copy of ``online`` again (after the online modules
    were initialised); later updates average."""
    target.steps.zero_()
    target.update_parameters(online)
