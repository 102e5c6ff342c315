"""Count bad input files and write their list to the work dir."""
import os.path as osp

from mmengine.hooks import Hook
from mmaction.registry import HOOKS

from avcl_mm.datasets.bad_sample import (bad_sample_summary,
                                         set_bad_sample_log,
                                         set_strict_bad_input,
                                         strict_bad_input,
                                         write_bad_sample_list)


def _datasets(dataset):
    """The dataset and those it wraps (RepeatDataset, ConcatDataset, ...)."""
    yield dataset
    inner = getattr(dataset, 'dataset', None)
    if inner is not None and inner is not dataset:
        yield from _datasets(inner)
    for inner in getattr(dataset, 'datasets', None) or []:
        yield from _datasets(inner)


def _built_datasets(runner):
    """Datasets of the loops this run has built (no loop is built here)."""
    for name in ('_train_loop', '_val_loop', '_test_loop'):
        loop = getattr(runner, name, None)
        loader = getattr(loop, 'dataloader', None)
        if loader is not None and getattr(loader, 'dataset', None) is not None:
            yield from _datasets(loader.dataset)


@HOOKS.register_module()
class BadSampleReportHook(Hook):
    """Collect the bad-input reports of all dataloader workers and ranks.

    Before the run (so before any worker starts) reports are routed to
    ``<work_dir>/bad_samples.log`` (one per rank); after every epoch the
    number of bad files seen so far is logged when it grew, and at the end
    the de-duplicated list ``path<TAB>reason`` is written to
    ``<work_dir>/bad_samples.txt`` together with the final count.

    Strict mode: when a dataset of the run has ``on_error='raise'``, every
    bad-input report (also a video without audio, which the transforms would
    read as silence) raises an error naming the file, so the run stops at
    the first bad file (see :func:`~avcl_mm.datasets.bad_sample.
    set_strict_bad_input`).

    Args:
        filename (str): Name of the final list in the work dir. Defaults to
            ``'bad_samples.txt'``.
    """

    priority = 'VERY_LOW'

    def __init__(self, filename: str = 'bad_samples.txt') -> None:
        self.filename = filename
        self._reported = 0
        self._log = None
        self._strict_before = False

    def before_run(self, runner) -> None:
        suffix = '' if runner.rank == 0 else f'.rank{runner.rank}'
        self._log = osp.join(runner.work_dir, f'bad_samples.log{suffix}')
        set_bad_sample_log(self._log)
        self._strict_before = strict_bad_input()
        if any(getattr(d, 'on_error', None) == 'raise'
               for d in _built_datasets(runner)):
            set_strict_bad_input(True)  # before any dataloader worker starts
            runner.logger.info('bad input: strict mode (on_error=raise), the '
                               'first bad file stops the run')

    def _report(self, runner) -> None:
        count = len(bad_sample_summary(self._log))
        if count > self._reported:
            runner.logger.warning(
                f'{count} bad input file(s) so far were replaced or read as '
                f'silence (details: {self._log})')
            self._reported = count

    def after_train_epoch(self, runner) -> None:
        self._report(runner)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._report(runner)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._report(runner)

    def after_run(self, runner) -> None:
        set_strict_bad_input(self._strict_before)
        name = self.filename if runner.rank == 0 else \
            f'{self.filename}.rank{runner.rank}'
        count = write_bad_sample_list(osp.join(runner.work_dir, name),
                                      self._log)
        runner.logger.info(f'bad input files in this run: {count} (list: '
                           f'{osp.join(runner.work_dir, name)})')
