"""Hook that sizes per-sample memory banks to the training set."""
from typing import List

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from torch import nn

from .model_search import modules_with

_INTERFACE = ('memory_v', 'memory_a', 'set_num_samples')


def train_set_size(dataset) -> int:
    """Number of distinct ``sample_idx`` values a training set yields.

    ``RepeatDataset`` and ``ClassBalancedDataset`` hand out the indices of
    the dataset they wrap, so that one is measured; concatenated datasets
    would repeat indices and are refused.
    """
    name = type(dataset).__name__
    if name == 'ConcatDataset':
        raise ValueError(
            'MemoryBankSizeHook: each part of a ConcatDataset numbers its '
            'samples from 0 (sample_idx), so memory-bank rows would collide; '
            'merge the annotation files into one dataset instead.')
    while name in ('RepeatDataset', 'ClassBalancedDataset') and \
            hasattr(dataset, 'dataset'):
        dataset = dataset.dataset
        name = type(dataset).__name__
    return len(dataset)


@HOOKS.register_module()
class MemoryBankSizeHook(Hook):
    """Give every memory-bank module the length of the training set.

    Finds each module of ``runner.model`` (DDP unwrapped) with ``memory_v``,
    ``memory_a`` and ``set_num_samples(n)`` (:class:`AVIDNCELoss`,
    :class:`CMALoss`) and calls ``set_num_samples(len(train_dataset))``
    before training. mmengine loads ``load_from``/``resume`` checkpoints
    first, so restored banks of the right size are kept as they are; a bank
    of another size is resized (existing rows kept, new rows random) with a
    warning. Runs before :class:`CMAPositiveSetHook` (higher priority), which
    then sees banks of the dataset's size.
    """

    priority = 'ABOVE_NORMAL'

    @staticmethod
    def find_targets(model: nn.Module) -> List[nn.Module]:
        """Modules of ``model`` (DDP unwrapped) that own memory banks."""
        return modules_with(model, _INTERFACE, 'MemoryBankSizeHook',
                            'use a MemoryBankHead (AVID, CMA), or remove '
                            'the hook from custom_hooks.')

    def before_train(self, runner) -> None:
        """Size the banks to the training set."""
        size = train_set_size(runner.train_dataloader.dataset)
        for module in self.find_targets(runner.model):
            rows = module.memory_v.shape[0]
            if rows == size:
                runner.logger.info(f'MemoryBankSizeHook: {rows} bank rows '
                                   '(restored) match the training set.')
                continue
            if rows:
                runner.logger.warning(
                    f'MemoryBankSizeHook: the memory banks have {rows} rows '
                    f'but the training set has {size} samples; resizing '
                    '(was the checkpoint trained on another dataset?).')
            module.set_num_samples(size)
            runner.logger.info(f'MemoryBankSizeHook: memory banks sized to '
                               f'{size} training samples.')
