"""Checkpoints written atomically, and a rotation that never leaves a run
without a complete checkpoint."""
from collections import deque
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmaction.registry import HOOKS

from .checkpoint import atomic_write_text, replace_atomically, temp_path

_KEPT = 'safe_checkpoint_kept'


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """``CheckpointHook`` that writes each checkpoint to a hidden temporary
    file renamed into place once complete, and whose ``max_keep_ckpts``
    deletes an outdated checkpoint only *after* the new one and
    ``last_checkpoint`` (also written atomically) are on disk.

    mmengine's hook writes in place, deletes the oldest checkpoint before
    writing the new one and rewrites ``last_checkpoint`` in place: a run
    killed while saving (seconds for a large model) could be left with a
    half-written file, no complete checkpoint and a ``last_checkpoint``
    naming a deleted file, so ``--resume`` failed and the run was lost. At
    every instant of this hook's saves the work dir holds a complete
    checkpoint that ``last_checkpoint`` names. The list of kept checkpoints
    travels in the message hub (in every checkpoint), so ``--resume``
    continues it. The best-checkpoint saves (``save_best``) are mmengine's.

    Args:
        max_keep_ckpts (int): Checkpoints to keep (``-1``: all). Defaults to
            ``-1``.
        **kwargs: Other ``CheckpointHook`` arguments.
    """

    def __init__(self, *args, max_keep_ckpts: int = -1, **kwargs) -> None:
        super().__init__(*args, max_keep_ckpts=-1, **kwargs)
        self.keep = max_keep_ckpts
        self._kept = deque()

    def before_train(self, runner) -> None:
        super().before_train(runner)
        self._kept = deque(runner.message_hub.get_info(_KEPT, []))

    def after_train_epoch(self, runner) -> None:
        """Save every ``interval`` epochs (and after the last)."""
        if self.by_epoch and (
                self.every_n_epochs(runner, self.interval, self.save_begin)
                or (self.save_last and self.is_last_train_epoch(runner))):
            runner.logger.info(
                f'Saving checkpoint at {runner.epoch + 1} epochs')
            self._save_safely(runner, runner.epoch + 1,
                              dict(epoch=runner.epoch + 1, iter=runner.iter))

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Save every ``interval`` iterations (and after the last), when
        not ``by_epoch``."""
        if not self.by_epoch and (
                self.every_n_train_iters(runner, self.interval,
                                         self.save_begin)
                or (self.save_last and self.is_last_train_iter(runner))):
            runner.logger.info(
                f'Saving checkpoint at {runner.iter + 1} iterations')
            self._save_safely(runner, runner.iter + 1,
                              dict(epoch=runner.epoch, iter=runner.iter + 1))

    def _save_safely(self, runner, step: int, meta: dict) -> None:
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        if not self._kept or self._kept[-1] != self.last_ckpt:
            self._kept.append(self.last_ckpt)
        outdated = []
        while self.keep > 0 and len(self._kept) > self.keep:
            outdated.append(self._kept.popleft())
        hub = runner.message_hub
        hub.update_info('last_ckpt', self.last_ckpt)
        hub.update_info(_KEPT, list(self._kept))  # saved with the checkpoint
        local = isinstance(self.file_backend, LocalBackend)
        tmp = temp_path(self.last_ckpt) if local and is_main_process() \
            else None
        runner.save_checkpoint(
            self.out_dir, filename if tmp is None else tmp.split('/')[-1],
            self.file_client_args, save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler, meta=meta,
            by_epoch=self.by_epoch, backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        if tmp is not None:
            replace_atomically(tmp, self.last_ckpt)
        atomic_write_text(f'{runner.work_dir}/last_checkpoint',
                          str(self.last_ckpt))
        for old in outdated:
            if old == self.last_ckpt:
                continue
            if self.file_backend.isfile(old):
                self.file_backend.remove(old)
            elif self.file_backend.isdir(old):  # deepspeed saves folders
                self.file_backend.rmtree(old)
