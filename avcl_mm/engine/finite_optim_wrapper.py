"""An optimizer wrapper that never lets a NaN/Inf loss reach the weights."""
from typing import Dict, Optional

import torch
import torch.distributed as dist
from mmengine.logging import MessageHub, print_log
from mmengine.optim import OptimWrapper
from mmaction.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class FiniteLossOptimWrapper(OptimWrapper):
    """Skip the update of a step whose loss is NaN or Inf.

    The step is skipped on every rank together (the finiteness flag is
    all-reduced), a warning names the iteration, and after
    ``max_consecutive_skips`` bad steps in a row training stops with a
    :class:`FloatingPointError`, so a diverged run fails fast instead of
    writing NaN weights into its checkpoints.

    Args:
        max_consecutive_skips (int): Bad steps in a row tolerated before
            raising. Defaults to ``5``.
        **kwargs: Passed to :class:`mmengine.optim.OptimWrapper`.
    """

    def __init__(self, max_consecutive_skips: int = 5, **kwargs) -> None:
        super().__init__(**kwargs)
        if max_consecutive_skips < 0:
            raise ValueError('max_consecutive_skips must be >= 0, got '
                             f'{max_consecutive_skips}')
        self.max_consecutive_skips = max_consecutive_skips
        self.consecutive_skips = 0
        self.total_skips = 0

    @staticmethod
    def _all_finite(loss: torch.Tensor) -> bool:
        flag = torch.isfinite(loss.detach()).all().to(torch.float32)
        if dist.is_available() and dist.is_initialized():
            flag = flag.to(loss.device)
            dist.all_reduce(flag, op=dist.ReduceOp.MIN)
        return bool(flag.item())

    def update_params(self,  # type: ignore[override]
                      loss: torch.Tensor,
                      step_kwargs: Optional[Dict] = None,
                      zero_kwargs: Optional[Dict] = None) -> None:
        if self._all_finite(loss):
            self.consecutive_skips = 0
            super().update_params(loss, step_kwargs, zero_kwargs)
            return
        self.consecutive_skips += 1
        self.total_skips += 1
        it = MessageHub.get_current_instance().get_info('iter', -1)
        self.zero_grad(**(zero_kwargs or {}))
        if self.consecutive_skips > self.max_consecutive_skips:
            raise FloatingPointError(
                f'Loss was NaN/Inf for {self.consecutive_skips} iterations in '
                f'a row (last: iteration {it + 1}). Lower the learning rate, '
                'check the input data (tools/data/check_dataset.py) or raise '
                'optim_wrapper.max_consecutive_skips.')
        print_log(
            f'Non-finite loss at iteration {it + 1}: update skipped '
            f'({self.consecutive_skips} in a row, {self.total_skips} in '
            'total).', logger='current', level=30)
