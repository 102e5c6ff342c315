"""An optimizer wrapper that never lets a NaN/Inf reach the weights."""
from typing import Dict, Optional

import torch
import torch.distributed as dist
from mmengine.logging import MessageHub, print_log
from mmengine.optim import OptimWrapper
from mmaction.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class FiniteLossOptimWrapper(OptimWrapper):
    """Skip the update of a step whose loss or gradients are NaN or Inf.

    A non-finite loss is not back-propagated; a finite loss whose gradients
    are not finite (e.g. the norm of an all-zero vector somewhere in the
    graph) is caught after the backward pass, before gradient clipping and
    the optimizer step. Either way the step is skipped on every rank
    together (the flags are all-reduced), the gradients are cleared, and a
    warning names the iteration and epoch. After ``max_consecutive_skips``
    bad steps in a row training stops with a :class:`FloatingPointError`,
    so a diverged run fails fast instead of writing NaN weights into its
    checkpoints.

    With gradient accumulation (``accumulative_counts > 1``) a bad
    micro-batch spoils the whole accumulation window: its update is skipped.

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
        self._window_bad = None  # what spoiled the current window, if any

    @staticmethod
    def _on_all_ranks(ok: bool, device: torch.device) -> bool:
        """``ok`` AND-ed over every rank (one tiny all-reduce)."""
        if not (dist.is_available() and dist.is_initialized()):
            return ok
        if dist.get_backend() == 'nccl' and device.type != 'cuda':
            device = torch.device('cuda', torch.cuda.current_device())
        flag = torch.tensor(float(ok), device=device)
        dist.all_reduce(flag, op=dist.ReduceOp.MIN)
        return bool(flag.item())

    @classmethod
    def _all_finite(cls, loss: torch.Tensor) -> bool:
        ok = bool(torch.isfinite(loss.detach()).all())
        return cls._on_all_ranks(ok, loss.device)

    def _grads_finite(self) -> bool:
        grads = [p.grad for group in self.optimizer.param_groups
                 for p in group['params'] if p.grad is not None]
        if not grads:
            return self._on_all_ranks(True, torch.device('cpu'))
        device = grads[0].device
        flags = torch.stack([torch.isfinite(g).all().to(device)
                             for g in grads])
        return self._on_all_ranks(bool(flags.all()), device)

    @staticmethod
    def _where() -> str:
        hub = MessageHub.get_current_instance()
        it, epoch = hub.get_info('iter', None), hub.get_info('epoch', None)
        if it is None:
            return 'this step'
        where = f'iteration {it + 1}'
        return where if epoch is None else f'{where} (epoch {epoch + 1})'

    def update_params(self,  # type: ignore[override]
                      loss: torch.Tensor,
                      step_kwargs: Optional[Dict] = None,
                      zero_kwargs: Optional[Dict] = None) -> None:
        step_kwargs = step_kwargs or {}
        zero_kwargs = zero_kwargs or {}
        if self._all_finite(loss):
            self.backward(self.scale_loss(loss))
        else:
            self._inner_count += 1  # keep the accumulation window aligned
            self._window_bad = self._window_bad or 'loss'
        if not self.should_update():
            return
        if self._window_bad is None and not self._grads_finite():
            self._window_bad = 'gradient'
        bad, self._window_bad = self._window_bad, None
        if bad is None:
            self.consecutive_skips = 0
            self.step(**step_kwargs)
            self.zero_grad(**zero_kwargs)
            return
        self.zero_grad(**zero_kwargs)
        self.consecutive_skips += 1
        self.total_skips += 1
        where = self._where()
        if self.consecutive_skips > self.max_consecutive_skips:
            raise FloatingPointError(
                f'Non-finite {bad} for {self.consecutive_skips} iterations '
                f'in a row (last: {where}); stopping instead of training on. '
                'Lower the learning rate, check the input data '
                '(tools/data/check_dataset.py), use gradient clipping '
                '(optim_wrapper.clip_grad) or raise '
                'optim_wrapper.max_consecutive_skips.')
        print_log(
            f'Non-finite {bad} at {where}: update skipped, weights '
            f'unchanged ({self.consecutive_skips} in a row, '
            f'{self.total_skips} in total; the run stops at '
            f'{self.max_consecutive_skips + 1} in a row).', logger='current',
            level=30)
