"""Numerical guards: contrastive losses under float16 / bfloat16 and with
degenerate batches, and NaN/Inf losses or gradients skipped (never applied)
with a message naming the iteration, in unit tests, with 2 DDP processes
and in real tools/train.py runs."""
import logging
import os
import os.path as osp
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.logging import MessageHub
from torch import nn

from avcl_mm.engine.finite_optim_wrapper import FiniteLossOptimWrapper
from avcl_mm.models.losses.cgra_loss import CGRALoss
from avcl_mm.models.losses.selfcl_loss import SelfCLLoss
from helpers.reliability import (FAULTS, PRETRAIN, assert_checkpoints_whole,
                               load_checkpoint, train_options)

LOSSES = {
    'cgra': CGRALoss,
    'cgra_centred': lambda: CGRALoss(center=True),
    'selfcl': SelfCLLoss,
}


def _features(case: str):
    """Video and audio features (float32) of a degenerate batch."""
    gen = torch.Generator().manual_seed(0)
    if case == 'random':
        return torch.randn(8, 32, generator=gen), torch.randn(
            8, 32, generator=gen)
    if case == 'batch_of_1':
        return torch.randn(1, 32, generator=gen), torch.randn(
            1, 32, generator=gen)
    if case == 'duplicates':  # the same clip 8 times
        v, a = torch.randn(1, 32, generator=gen), torch.randn(
            1, 32, generator=gen)
        return v.repeat(8, 1), a.repeat(8, 1)
    if case == 'all_zero':
        return torch.zeros(8, 32), torch.zeros(8, 32)
    if case == 'zero_sample_and_dead_channel':
        v, a = torch.randn(8, 32, generator=gen), torch.randn(
            8, 32, generator=gen)
        v[3] = 0  # e.g. features of a silent clip
        v[:, 5] = 0  # a channel switched off for the whole batch
        return v, a
    raise ValueError(case)


CASES = ['random', 'batch_of_1', 'duplicates', 'all_zero',
         'zero_sample_and_dead_channel']
def _cpu_autocast_supports(dtype) -> bool:
    """torch < 2.2 has CPU autocast for bfloat16 only."""
    try:
        with torch.autocast('cpu', dtype=dtype):
            return True
    except RuntimeError:
        return False


FP16_CPU = pytest.mark.skipif(
    not _cpu_autocast_supports(torch.float16),
    reason=f'torch {torch.__version__} has no float16 autocast on CPU')
PRECISIONS = ['bf16_cast', 'fp16_cast', 'bf16_autocast',
              pytest.param('fp16_autocast', marks=FP16_CPU)]


def _loss_and_grads(loss_fn, v, a, precision=None):
    """Loss and input gradients, with the inputs cast to half precision or
    the loss run under CPU autocast (what --amp does)."""
    v, a = v.clone().requires_grad_(), a.clone().requires_grad_()
    if precision is None:
        loss = loss_fn(v, a)
    else:
        dtype = torch.bfloat16 if precision.startswith('bf16') else \
            torch.float16
        if precision.endswith('cast') and 'autocast' not in precision:
            loss = loss_fn(v.to(dtype), a.to(dtype))
        else:
            with torch.autocast('cpu', dtype=dtype):
                loss = loss_fn(v, a)
    loss.backward()
    return loss, v.grad, a.grad


@pytest.mark.parametrize('precision', PRECISIONS)
@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('name', sorted(LOSSES))
def test_losses_finite_and_close_to_float32(name, case, precision):
    if name == 'cgra_centred' and case == 'batch_of_1':
        pytest.skip('centring needs 2 samples (a clear ValueError, tested '
                    'in tests/models/test_cgra_loss.py)')
    loss_fn = LOSSES[name]()
    v, a = _features(case)
    want, want_gv, want_ga = _loss_and_grads(loss_fn, v, a)
    got, got_gv, got_ga = _loss_and_grads(loss_fn, v, a, precision)
    assert got.dtype == torch.float32  # computed in float32 inside
    assert torch.isfinite(got)
    assert torch.isfinite(got_gv).all() and torch.isfinite(got_ga).all()
    # half precision keeps 3 (bf16) or 4 (fp16) significant digits of the
    # inputs; autocast must not lower the precision of the loss itself
    tol = dict(rtol=0, atol=0) if 'autocast' in precision else \
        dict(rtol=2e-2, atol=2e-2)
    torch.testing.assert_close(got, want, **tol)
    # gradients stay O(1): a degenerate (zero) row or column must not get a
    # 1/eps gradient, which overflows float16 (max 65504)
    for g in (want_gv, want_ga, got_gv.float(), got_ga.float()):
        assert g.abs().max() < 100


@pytest.mark.parametrize('dtype', [torch.bfloat16,
                                   pytest.param(torch.float16,
                                                marks=FP16_CPU)])
def test_losses_on_features_made_under_autocast(dtype):
    """A model run under autocast hands the losses half-precision features;
    the losses match the same model run in float32 to the features'
    precision."""
    torch.manual_seed(0)
    enc_v, enc_a = nn.Linear(16, 32), nn.Linear(16, 32)
    x_v, x_a = torch.randn(6, 16), torch.randn(6, 16)
    for loss_fn in (CGRALoss(), SelfCLLoss()):
        want = loss_fn(enc_v(x_v), enc_a(x_a))
        with torch.autocast('cpu', dtype=dtype):
            f_v, f_a = enc_v(x_v), enc_a(x_a)
            assert f_v.dtype == dtype
            got = loss_fn(f_v, f_a)
        got.backward()
        assert got.dtype == torch.float32
        torch.testing.assert_close(got, want, rtol=2e-2, atol=2e-2)
        assert all(torch.isfinite(p.grad).all()
                   for p in list(enc_v.parameters()) +
                   list(enc_a.parameters()))
        enc_v.zero_grad()
        enc_a.zero_grad()


def test_selfcl_single_pair_and_identical_pairs_give_known_values():
    # one pair: the positive is the only candidate -> 0; identical pairs:
    # every candidate scores the same -> log(2N - 1) per direction
    v = torch.randn(1, 8)
    assert SelfCLLoss()(v, v.clone()).item() == pytest.approx(0, abs=1e-6)
    same = torch.randn(1, 8).repeat(4, 1)
    assert SelfCLLoss()(same, same.clone()).item() == pytest.approx(
        2 * torch.log(torch.tensor(7.0)).item(), rel=1e-5)


# ----------------------------------------------------------------------
# FiniteLossOptimWrapper: losses and gradients


def _wrapper(max_skips=2, **kwargs):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    return model, FiniteLossOptimWrapper(max_consecutive_skips=max_skips,
                                         optimizer=opt, **kwargs)


@pytest.fixture
def at_iteration():
    """Pretend to be inside a runner: set MessageHub's iteration/epoch."""
    hub = MessageHub.get_current_instance()
    saved = {k: hub.get_info(k, None) for k in ('iter', 'epoch')}

    def set_(iteration, epoch):  # 0-based, as RuntimeInfoHook stores them
        hub.update_info('iter', iteration)
        hub.update_info('epoch', epoch)

    yield set_
    for key, value in saved.items():
        if value is None:
            hub.runtime_info.pop(key, None)
        else:
            hub.update_info(key, value)


def _nan_gradient_loss(model):
    """A finite loss (0) whose gradient is NaN: sqrt of |w - w| at 0."""
    diff = (model.weight - model.weight.detach()).abs().sum()
    return torch.sqrt(diff)


def test_finite_loss_with_nan_gradient_is_skipped(at_iteration, capsys):
    model, wrapper = _wrapper()
    before = [p.detach().clone() for p in model.parameters()]
    at_iteration(41, 3)
    loss = _nan_gradient_loss(model)
    assert torch.isfinite(loss)
    wrapper.update_params(loss)
    for old, new in zip(before, model.parameters()):
        assert torch.equal(old, new)
    assert all(p.grad is None or not p.grad.any()
               for p in model.parameters())
    assert wrapper.total_skips == 1
    # the next good step trains normally
    wrapper.update_params(model(torch.ones(2, 3)).sum())
    assert not torch.equal(before[0], model.weight)
    assert wrapper.consecutive_skips == 0


def test_skip_message_names_iteration_and_epoch(at_iteration):
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    logger.addHandler(handler)
    try:
        model, wrapper = _wrapper()
        at_iteration(41, 3)  # the 42nd iteration, in the 4th epoch
        wrapper.update_params(model(torch.ones(1, 3)).sum() * float('nan'))
        at_iteration(42, 3)
        wrapper.update_params(_nan_gradient_loss(model))
    finally:
        logger.removeHandler(handler)
    assert any('Non-finite loss at iteration 42 (epoch 4): update skipped'
               in r for r in records), records
    assert any('Non-finite gradient at iteration 43 (epoch 4)' in r
               for r in records), records


def test_stop_message_names_last_iteration(at_iteration):
    model, wrapper = _wrapper(max_skips=1)
    at_iteration(6, 0)
    wrapper.update_params(model(torch.ones(1, 3)).sum() * float('inf'))
    at_iteration(7, 0)
    with pytest.raises(FloatingPointError,
                       match=r'2 iterations in a row \(last: iteration 8 '
                       r'\(epoch 1\)\)'):
        wrapper.update_params(model(torch.ones(1, 3)).sum() * float('nan'))


def test_bad_micro_batch_skips_its_accumulation_window():
    model, wrapper = _wrapper(max_skips=5, accumulative_counts=2)
    wrapper.initialize_count_status(model, 0, 4)
    before = model.weight.detach().clone()
    x = torch.ones(1, 3)
    with wrapper.optim_context(model):
        wrapper.update_params(model(x).sum() * float('nan'))
    with wrapper.optim_context(model):
        wrapper.update_params(model(x).sum())  # end of window 1: skipped
    assert torch.equal(before, model.weight)
    assert wrapper.total_skips == 1
    for _ in range(2):  # window 2 is clean: one update
        with wrapper.optim_context(model):
            wrapper.update_params(model(x).sum())
    assert not torch.equal(before, model.weight)
    assert wrapper.consecutive_skips == 0


# ----------------------------------------------------------------------
# two DDP processes: a NaN on one rank is skipped on both


def _ddp_worker(rank: int, port: int, out_dir: str) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=2)
    try:
        torch.manual_seed(0)
        model = nn.parallel.DistributedDataParallel(nn.Linear(3, 1))
        wrapper = FiniteLossOptimWrapper(
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
        weights = []
        for step in range(4):
            loss = model(torch.full((2, 3), float(rank + 1))).sum()
            if step == 1 and rank == 0:
                loss = loss * float('nan')  # this rank only
            if step == 2 and rank == 1:  # finite loss, NaN gradient
                loss = loss + torch.sqrt(
                    (model.module.weight -
                     model.module.weight.detach()).abs().sum())
            wrapper.update_params(loss)
            weights.append(model.module.weight.detach().clone())
        torch.save(dict(weights=weights, skips=wrapper.total_skips),
                   osp.join(out_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


def test_ddp_non_finite_on_one_rank_is_skipped_on_all(tmp_path):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    mp.spawn(_ddp_worker, args=(port, str(tmp_path)), nprocs=2, join=True)
    r0 = torch.load(tmp_path / 'rank0.pt')
    r1 = torch.load(tmp_path / 'rank1.pt')
    assert r0['skips'] == r1['skips'] == 2
    for w0, w1 in zip(r0['weights'], r1['weights']):
        assert torch.equal(w0, w1)  # the ranks never diverge
        assert torch.isfinite(w0).all()
    w = r0['weights']
    assert not torch.equal(w[0], torch.zeros_like(w[0]))
    assert torch.equal(w[0], w[1]) and torch.equal(w[1], w[2])  # 2 skips
    assert not torch.equal(w[2], w[3])  # then training goes on


# ----------------------------------------------------------------------
# real runs of tools/train.py


def test_nan_loss_in_a_real_run_is_skipped_or_stops_the_run(
        tiny_demo, tmp_path, background):
    """12 clips, batch 2: 6 iterations per epoch. One NaN (iteration 2) is
    skipped and the run ends normally; NaN from iteration 5 on stops the run
    at the 6th in a row (iteration 10, epoch 2) with epoch 1's checkpoint
    intact and finite (its last 2 steps were skipped, not applied)."""
    once_dir, diverge_dir = str(tmp_path / 'once'), str(tmp_path / 'diverge')
    train = ['tools/train.py', PRETRAIN, '--cfg-options']
    once = background([FAULTS, 'nan-loss=2', *train,
                       *train_options(tiny_demo, once_dir, max_epochs=1)],
                      str(tmp_path / 'once.out'))
    diverge = background([FAULTS, 'nan-loss=' + ','.join(
        str(i) for i in range(5, 13)), *train,
        *train_options(tiny_demo, diverge_dir)],
        str(tmp_path / 'diverge.out'))

    out = once.finish()
    assert 'FAULT: NaN loss at iteration 2' in out
    assert 'Non-finite loss at iteration 2 (epoch 1): update skipped' in out
    assert out.count('update skipped') == 1
    assert 'Epoch(train) [1][6/6]' in out
    final = load_checkpoint(osp.join(once_dir, 'epoch_1.pth'))
    assert all(torch.isfinite(v).all() for v in
               final['state_dict'].values() if v.is_floating_point())

    diverge.proc.wait(timeout=300)
    out = diverge.output()
    assert diverge.proc.returncode != 0
    assert 'FloatingPointError' in out
    assert 'Non-finite loss for 6 iterations in a row (last: iteration 10 ' \
        '(epoch 2))' in out
    assert out.count('update skipped') == 5
    assert assert_checkpoints_whole(diverge_dir) == [
        osp.join(diverge_dir, 'epoch_1.pth')]
    saved = load_checkpoint(osp.join(diverge_dir, 'epoch_1.pth'))
    assert all(torch.isfinite(v).all() for v in
               saved['state_dict'].values() if v.is_floating_point())
