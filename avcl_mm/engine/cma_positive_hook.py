"""Hook that (re)computes the CMA positive sets from the memory banks."""
from typing import List, Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from torch import nn

from avcl_mm.models.losses.cma_loss import cma_positive_sets
from .model_search import modules_with

_INTERFACE = ('memory_v', 'memory_a', 'set_positives')


@HOOKS.register_module()
class CMAPositiveSetHook(Hook):
    """Keep the positive sets of `CMA <https://arxiv.org/abs/2004.12943>`_.

    Finds every module of ``runner.model`` (DDP unwrapped through
    ``.module``) that offers ``memory_v``, ``memory_a`` ``(N, D)`` and
    ``set_positives(tensor)`` (e.g. :class:`CMALoss`) and gives it
    ``cma_positive_sets(memory_v, memory_a, k_pos, chunk_size)``:

    - before training, unless the module already holds positive sets of the
      right size (``positives``, restored from a resumed checkpoint), so a
      CMA run started from a Cross-AVID checkpoint uses that model's banks;
    - before every epoch ``e > 0`` with ``e % interval_epochs == 0``. The
      paper computes the sets once and keeps them (``interval_epochs=None``).

    Every rank computes the sets itself: the banks are equal on all ranks
    (same initial seed, updates with the gathered batch), and so are the
    sets, with no communication. Run ``load_from``/``resume`` first; mmengine
    loads checkpoints before ``before_train``.

    Args:
        interval_epochs (int, optional): Recompute every this many epochs;
            ``None`` never recomputes. Defaults to ``None``.
        k_pos (int): Size of each positive set. Defaults to ``32``.
        chunk_size (int): Rows per chunk (peak memory ``2 × chunk_size × N``
            floats). Defaults to ``4096``.
    """

    priority = 'NORMAL'

    def __init__(self, interval_epochs: Optional[int] = None, k_pos: int = 32,
                 chunk_size: int = 4096) -> None:
        for key, val in (('interval_epochs', interval_epochs),
                         ('k_pos', k_pos), ('chunk_size', chunk_size)):
            if val is None and key == 'interval_epochs':
                continue
            if not isinstance(val, int) or val < 1:
                raise ValueError(f'CMAPositiveSetHook: {key} must be a '
                                 f'positive int, got {val!r}.')
        self.interval_epochs = interval_epochs
        self.k_pos = k_pos
        self.chunk_size = chunk_size

    @staticmethod
    def find_targets(model: nn.Module) -> List[nn.Module]:
        """Modules of ``model`` (DDP unwrapped) with the CMA interface."""
        return modules_with(model, _INTERFACE, 'CMAPositiveSetHook',
                            'use a head whose loss is CMALoss, or remove the '
                            'hook from custom_hooks.')

    def update(self, runner, force: bool = True) -> None:
        """Compute and set the positive sets of every CMA module."""
        for module in self.find_targets(runner.model):
            current = getattr(module, 'positives', None)
            if not force and current is not None and \
                    current.shape[0] == module.memory_v.shape[0] > 0:
                continue
            if module.memory_v.shape[0] <= self.k_pos + 1:
                raise RuntimeError(
                    'CMAPositiveSetHook: the memory banks have '
                    f'{module.memory_v.shape[0]} rows, need more than '
                    f'k_pos + 1 = {self.k_pos + 1}; load a Cross-AVID '
                    'checkpoint (load_from) or set the dataset size first.')
            positives = cma_positive_sets(module.memory_v, module.memory_a,
                                          self.k_pos, self.chunk_size)
            module.set_positives(positives)
            runner.logger.info(
                f'CMAPositiveSetHook: positive sets {tuple(positives.shape)} '
                f'computed at epoch {runner.epoch}.')

    def before_train(self, runner) -> None:
        """Compute the sets unless restored from a checkpoint."""
        self.update(runner, force=False)

    def before_train_epoch(self, runner) -> None:
        """Recompute the sets every ``interval_epochs`` epochs."""
        if self.interval_epochs and runner.epoch > 0 and \
                runner.epoch % self.interval_epochs == 0:
            self.update(runner)
