"""Kill real training runs with SIGKILL and resume them with --resume.

Two runs are killed: one in the middle of an epoch, one while a checkpoint
is half written. Both are resumed and must end with the weights (and
optimizer state) of an uninterrupted run with the same seed, and the work
dir must never hold a checkpoint that does not load.

Why the weights can be compared (exactly, in fact): on CPU with
``randomness.deterministic=True`` and one thread every operation is
deterministic; a checkpoint holds the float32 weights, the optimizer's
momentum and the scheduler state bit for bit; mmengine restarts an
interrupted epoch from its beginning and ``DefaultSampler`` shuffles by
``seed + epoch`` (same order); and ``EpochSeedHook`` (added by
tools/train.py) reseeds the augmentation generators from ``(seed, epoch)``,
so the restarted epoch draws the same crops. Without that hook the weights
after a resumed epoch differed by up to 0.35. The small tolerance below only
absorbs a BLAS library that would sum in another order in another process.
"""
import os.path as osp

import torch

from helpers.reliability import (FAULTS, PRETRAIN, assert_checkpoints_whole,
                               iteration_pattern, leftover_temp_files,
                               load_checkpoint, train_options)


def _assert_same_training_state(got_path, want_path):
    got, want = load_checkpoint(got_path), load_checkpoint(want_path)
    assert got['meta']['epoch'] == want['meta']['epoch']
    assert got['meta']['iter'] == want['meta']['iter']
    assert got['state_dict'].keys() == want['state_dict'].keys()
    for name, value in want['state_dict'].items():
        torch.testing.assert_close(got['state_dict'][name], value,
                                   rtol=1e-6, atol=1e-7, msg=name)
    # momentum buffers too: a further epoch would also continue identically
    want_state = want['optimizer']['state']
    assert got['optimizer']['state'].keys() == want_state.keys()
    for key, buf in want_state.items():
        torch.testing.assert_close(
            got['optimizer']['state'][key]['momentum_buffer'],
            buf['momentum_buffer'], rtol=1e-6, atol=1e-7)


def test_sigkill_mid_epoch_or_mid_save_then_resume_matches_uninterrupted(
        tiny_demo, tmp_path, background):
    mid_epoch = str(tmp_path / 'mid_epoch')
    mid_save = str(tmp_path / 'mid_save')
    # run B trains epochs 1 and 2 without interruption and hangs in epoch 2's
    # checkpoint write: the complete bytes it was writing are the reference
    uninterrupted = str(tmp_path / 'uninterrupted_epoch_2.pth')
    train = ['tools/train.py', PRETRAIN]
    # 12 clips, batch 2: 6 iterations per epoch, 2 epochs; the demo config
    # keeps one checkpoint (max_keep_ckpts=1)
    run_a = background(train + ['--cfg-options',
                                *train_options(tiny_demo, mid_epoch)],
                       str(tmp_path / 'mid_epoch.out'))
    run_b = background([FAULTS, '--copy-to', uninterrupted, 'hang-on-save=2',
                        *train, '--cfg-options',
                        *train_options(tiny_demo, mid_save)],
                       str(tmp_path / 'mid_save.out'))

    # A: SIGKILL in the middle of epoch 2, after epoch 1's checkpoint
    run_a.wait_for(iteration_pattern(2, 2))
    run_a.kill()
    assert assert_checkpoints_whole(mid_epoch) == [
        osp.join(mid_epoch, 'epoch_1.pth')]
    assert leftover_temp_files(mid_epoch) == []
    resume_a = background(train + ['--resume', '--cfg-options',
                                   *train_options(tiny_demo, mid_epoch)],
                          str(tmp_path / 'mid_epoch_resumed.out'))

    # B: SIGKILL while epoch 2's checkpoint is half written. mmengine deletes
    # the outdated epoch_1.pth *before* writing epoch_2.pth; unless that is
    # deferred, this kill leaves no checkpoint at all and --resume fails.
    out = run_b.wait_for('FAULT: checkpoint half written')
    run_b.kill()
    assert 'Epoch(train) [2][6/6]' in out
    assert assert_checkpoints_whole(mid_save) == [
        osp.join(mid_save, 'epoch_1.pth')]
    partial = leftover_temp_files(mid_save)  # the half-written file:
    assert len(partial) == 1 and not partial[0].endswith('.pth'), partial
    resume_b = background(train + ['--resume', '--cfg-options',
                                   *train_options(tiny_demo, mid_save)],
                          str(tmp_path / 'mid_save_resumed.out'))

    for job in (resume_a, resume_b):
        out = job.finish()
        assert 'resumed epoch: 1' in out  # epoch 1 is not trained again
        assert 'Epoch(train) [1]' not in out
        assert 'Epoch(train) [2][6/6]' in out
    for work_dir in (mid_epoch, mid_save):
        assert assert_checkpoints_whole(work_dir) == [
            osp.join(work_dir, 'epoch_2.pth')]
        # the stale temporary of the killed write is gone as well
        assert leftover_temp_files(work_dir) == []
        _assert_same_training_state(osp.join(work_dir, 'epoch_2.pth'),
                                    uninterrupted)
