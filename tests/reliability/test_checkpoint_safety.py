"""Crash-safe checkpoint files, in-process (the SIGKILL version with real
runs is test_kill_resume.py): rotation order, temporaries of killed writes,
and the per-epoch reseeding that makes a restarted epoch repeat exactly."""
import io
import os
import os.path as osp
import random
import time
import types
from collections import deque
from functools import partial

import numpy as np
import pytest
import torch
from mmengine.dataset import worker_init_fn
from mmengine.logging import MessageHub

import avcl_mm  # noqa: F401
from avcl_mm.engine import checkpoint as ckpt
from avcl_mm.engine.epoch_seed_hook import (EpochSeedHook,
                                            add_epoch_seed_hook, epoch_seed)
from avcl_mm.engine.safe_checkpoint_hook import SafeCheckpointHook


class _Runner:
    """Just enough of a Runner for SafeCheckpointHook's save path; it writes
    as mmengine does (straight into the file it is given)."""

    def __init__(self, work_dir, crash_on_save=False):
        self.work_dir = work_dir
        self.message_hub = MessageHub.get_instance(
            f'reliability_ckpt_test_{time.time_ns()}')
        self.crash_on_save = crash_on_save
        self.epoch, self.iter = 0, 0
        self.logger = types.SimpleNamespace(info=lambda msg: None)

    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        path = osp.join(out_dir, filename)
        buffer = io.BytesIO()
        torch.save({'meta': {'epoch': self.epoch}}, buffer)
        with open(path, 'wb') as f:
            if self.crash_on_save:  # dies in the middle of writing
                f.write(buffer.getvalue()[:40])
                raise KeyboardInterrupt('killed while writing ' + path)
            f.write(buffer.getvalue())


def _hook(work_dir, kept=()):
    """A SafeCheckpointHook as before_train leaves it (``kept``: the
    checkpoints listed in the message hub of a resumed checkpoint)."""
    from mmengine.fileio import get_file_backend
    runner = _Runner(work_dir)
    runner.message_hub.update_info('safe_checkpoint_kept', list(kept))
    hook = SafeCheckpointHook(interval=1, max_keep_ckpts=1)
    hook.out_dir = work_dir
    hook.file_backend = get_file_backend(work_dir)
    hook._kept = deque(kept)
    return hook, runner


def test_crash_while_writing_keeps_the_previous_checkpoint(tmp_path):
    hook, runner = _hook(str(tmp_path))
    runner.epoch = 0
    hook.after_train_epoch(runner)  # epoch_1.pth
    assert sorted(os.listdir(tmp_path)) == ['epoch_1.pth', 'last_checkpoint']
    runner.epoch, runner.crash_on_save = 1, True
    with pytest.raises(KeyboardInterrupt):
        hook.after_train_epoch(runner)  # epoch_2.pth: killed while writing
    # mmengine alone deletes epoch_1.pth before writing epoch_2.pth in place
    assert osp.isfile(tmp_path / 'epoch_1.pth')
    assert not osp.exists(tmp_path / 'epoch_2.pth')  # only a hidden .tmp
    assert (tmp_path / 'last_checkpoint').read_text() == \
        str(tmp_path / 'epoch_1.pth')
    assert ckpt.safe_torch_load(str(tmp_path / 'epoch_1.pth'))['meta'] == \
        {'epoch': 0}
    # the resumed run (fresh process, state from epoch_1.pth) saves epoch 2
    hook, runner = _hook(str(tmp_path), kept=[str(tmp_path / 'epoch_1.pth')])
    time.sleep(0.01)
    runner.epoch = 1
    hook.after_train_epoch(runner)
    assert sorted(os.listdir(tmp_path)) == ['epoch_2.pth', 'last_checkpoint']
    assert (tmp_path / 'last_checkpoint').read_text() == \
        str(tmp_path / 'epoch_2.pth')
    # the checkpoint lists itself among the kept ones, for the next resume
    assert runner.message_hub.get_info('safe_checkpoint_kept') == [
        str(tmp_path / 'epoch_2.pth')]


def test_temporary_of_a_killed_write_is_hidden_and_cleaned_up(tmp_path):
    target = tmp_path / 'epoch_3.pth'
    stale = tmp_path / '.epoch_3.pth.abc123.tmp'  # left by a SIGKILL
    stale.write_bytes(b'half a checkpoint')
    old = time.time() - 60
    os.utime(stale, (old, old))
    other = tmp_path / '.epoch_4.pth.zzz.tmp'  # another file's write
    other.write_bytes(b'x')
    os.utime(other, (old, old))
    ckpt.atomic_save({'w': torch.ones(1)}, str(target))
    assert sorted(os.listdir(tmp_path)) == ['.epoch_4.pth.zzz.tmp',
                                            'epoch_3.pth']
    assert ckpt.safe_torch_load(str(target))['w'].item() == 1.0


def test_atomic_text_write_replaces_whole(tmp_path):
    path = tmp_path / 'last_checkpoint'
    ckpt.atomic_write_text(str(path), '/a/epoch_1.pth')
    ckpt.atomic_write_text(str(path), '/a/epoch_2.pth')
    assert path.read_text() == '/a/epoch_2.pth'
    assert os.listdir(tmp_path) == ['last_checkpoint']


# ---------------------------------------------------------------------------
# EpochSeedHook


def _seed_runner(num_workers=0, persistent=False, seed=7, epoch=0):
    loader = torch.utils.data.DataLoader(
        list(range(8)), num_workers=num_workers,
        persistent_workers=persistent and num_workers > 0,
        worker_init_fn=partial(worker_init_fn, num_workers=num_workers,
                               rank=0, seed=seed) if num_workers else None)
    warnings_seen = []
    return types.SimpleNamespace(
        seed=seed, epoch=epoch, rank=0, _randomness_cfg=dict(seed=seed),
        train_loop=types.SimpleNamespace(dataloader=loader),
        logger=types.SimpleNamespace(warning=warnings_seen.append),
        warnings_seen=warnings_seen)


def _draws():
    return (random.random(), float(np.random.rand()),
            float(torch.rand(())))


def test_each_epoch_draws_depend_on_seed_and_epoch_only():
    hook = EpochSeedHook()
    runner = _seed_runner(epoch=3)
    _draws()  # whatever happened before (a previous epoch)...
    hook.before_train_epoch(runner)
    first = _draws()
    random.seed(123)
    np.random.seed(123)
    torch.manual_seed(123)  # ...or a fresh process after --resume
    hook.before_train_epoch(runner)
    assert _draws() == first
    runner.epoch = 4
    hook.before_train_epoch(runner)
    assert _draws() != first
    assert epoch_seed(7, 3) != epoch_seed(7, 4) != epoch_seed(8, 4)


def test_fresh_workers_get_per_epoch_seeds_persistent_ones_a_warning():
    hook = EpochSeedHook()
    runner = _seed_runner(num_workers=2)
    hook.before_train_epoch(runner)
    fn = runner.train_loop.dataloader.worker_init_fn
    assert fn.func is worker_init_fn
    assert fn.keywords['seed'] == epoch_seed(7, 0)
    runner.epoch = 1
    hook.before_train_epoch(runner)
    assert runner.train_loop.dataloader.worker_init_fn.keywords['seed'] == \
        epoch_seed(7, 1)
    persistent = _seed_runner(num_workers=2, persistent=True)
    for _ in range(2):
        hook.before_train_epoch(persistent)
    assert len(persistent.warnings_seen) == 1
    assert 'persistent_workers=False' in persistent.warnings_seen[0]


def test_every_config_has_the_hook_and_other_configs_get_it_once():
    from mmengine.config import Config
    from helpers.runs import REPO
    runtime = Config.fromfile(f'{REPO}/configs/_base_/default_runtime.py')
    assert runtime.default_hooks.epoch_seed.type == 'EpochSeedHook'
    cfg = Config(dict(custom_hooks=[dict(type='BadSampleReportHook')]))
    assert add_epoch_seed_hook(cfg)
    assert not add_epoch_seed_hook(cfg)
    assert [h['type'] for h in cfg.custom_hooks] == [
        'BadSampleReportHook', 'EpochSeedHook']


def test_resumed_seed_reaches_the_sampler_and_the_log():
    """mmengine builds the sampler (seeded with the seed drawn at start-up)
    before --resume restores the checkpoint's seed: before_train hands the
    restored seed to the sampler and logs it with the way to repeat it."""
    from mmengine.dataset import DefaultSampler
    sampler = DefaultSampler(list(range(8)), shuffle=True, seed=111)
    infos = []
    runner = types.SimpleNamespace(
        seed=222, _randomness_cfg=dict(seed=222),
        cfg=dict(randomness=dict(seed=None)),
        train_loop=types.SimpleNamespace(
            dataloader=types.SimpleNamespace(sampler=sampler)),
        logger=types.SimpleNamespace(info=infos.append))
    EpochSeedHook().before_train(runner)
    assert sampler.seed == 222
    assert list(sampler) == list(DefaultSampler(list(range(8)), seed=222))
    assert len(infos) == 1 and 'Random seed: 222' in infos[0]
    assert '--seed 222' in infos[0]
    # per-rank seeds (diff_rank_seed): the sampler keeps its common seed
    runner._randomness_cfg['diff_rank_seed'] = True
    sampler.seed = 5
    EpochSeedHook().before_train(runner)
    assert sampler.seed == 5
