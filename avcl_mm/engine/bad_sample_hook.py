"""Count bad input files and write their list to the work dir."""
import os
import os.path as osp

from mmengine.hooks import Hook
from mmengine.dist import is_main_process
from mmaction.registry import HOOKS

from avcl_mm.datasets.bad_samples import ENV_LOG, bad_sample_summary


@HOOKS.register_module()
class BadSampleReportHook(Hook):
    """Route bad-sample reports of all dataloader workers to
    ``<work_dir>/bad_samples.txt`` and log how many files were bad after each
    epoch and at the end of the run.

    Args:
        filename (str): Log file name inside the work dir. Defaults to
            ``'bad_samples.txt'``.
    """

    priority = 'VERY_LOW'

    def __init__(self, filename: str = 'bad_samples.txt') -> None:
        self.filename = filename
        self._reported = 0

    def before_run(self, runner) -> None:
        # Workers start after this and inherit the environment.
        path = osp.join(runner.work_dir, self.filename)
        if runner.rank != 0:
            path = f'{path}.rank{runner.rank}'
        os.environ[ENV_LOG] = path

    def _report(self, runner, final: bool = False) -> None:
        bad = bad_sample_summary()
        if len(bad) > self._reported or (final and bad):
            runner.logger.warning(
                f'{len(bad)} bad input file(s) so far were skipped or '
                f'replaced; list: {os.environ.get(ENV_LOG)}')
            self._reported = len(bad)

    def after_train_epoch(self, runner) -> None:
        self._report(runner)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._report(runner)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._report(runner)

    def after_run(self, runner) -> None:
        bad = bad_sample_summary()
        if is_main_process():
            runner.logger.info(f'bad input files in this run: {len(bad)}')
        self._report(runner, final=True)
