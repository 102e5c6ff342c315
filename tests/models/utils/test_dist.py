"""Distributed helpers and the global-batch losses under 2 gloo processes.

One spawn runs every distributed case; the tests below check its results
against one process holding the whole batch (references computed here)."""
import os
import socket
import tempfile

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

from avcl_mm.models.losses.cgra_loss import CGRALoss
from avcl_mm.models.losses.selfcl_loss import SelfCLLoss
from avcl_mm.models.utils import dist as avcl_dist

WORLD = 2
DIM_IN, DIM = 5, 4
# per-rank batch sizes: equal, and unequal (a short last batch)
SPLITS = {'equal': (3, 3), 'unequal': (4, 2)}
LOSSES = {
    'cgra': lambda: CGRALoss(lambd=0.005),
    'cgra_center': lambda: CGRALoss(lambd=0.01, center=True),
    'selfcl': lambda: SelfCLLoss(temperature=0.5),
    'selfcl_sum': lambda: SelfCLLoss(temperature=0.5, reduction='sum'),
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _global_data(total: int):
    g = torch.Generator().manual_seed(0)
    return (torch.randn(total, DIM_IN, generator=g),
            torch.randn(total, DIM_IN, generator=g))


def _models():
    torch.manual_seed(1)
    return nn.Linear(DIM_IN, DIM), nn.Linear(DIM_IN, DIM)


def _run_case(loss_name, sizes, rank):
    """Loss, input grads and (DDP-reduced) parameter grads on this rank."""
    x_v, x_a = _global_data(sum(sizes))
    start = sum(sizes[:rank])
    x_v = x_v[start:start + sizes[rank]].clone().requires_grad_()
    x_a = x_a[start:start + sizes[rank]].clone().requires_grad_()
    lin_v, lin_a = _models()
    ddp_v = nn.parallel.DistributedDataParallel(lin_v)
    ddp_a = nn.parallel.DistributedDataParallel(lin_a)
    loss = LOSSES[loss_name]()(ddp_v(x_v), ddp_a(x_a))
    loss.backward()
    return dict(loss=loss.detach(), grad_x_v=x_v.grad, grad_x_a=x_a.grad,
                grad_params=[p.grad.clone() for p in
                             list(lin_v.parameters()) +
                             list(lin_a.parameters())])


def _worker(rank, port, out_dir):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=WORLD)
    torch.set_num_threads(1)
    results = dict(rank=avcl_dist.get_rank(),
                   world=avcl_dist.get_world_size(),
                   is_dist=avcl_dist.is_distributed())
    # gather_with_grad: values and summed backward
    x = torch.full((rank + 1, 2), float(rank), requires_grad=True)
    y = avcl_dist.gather_with_grad(x)
    weights = torch.arange(y.numel(), dtype=torch.float32).view_as(y)
    (y * weights).sum().backward()
    results['gathered'] = y.detach()
    results['gather_grad'] = x.grad
    results['no_grad'] = avcl_dist.gather_no_grad(x)
    results['sizes'] = avcl_dist.all_batch_sizes(rank + 1)
    # gather_pair_with_grad: one all_gather for two tensors, same values
    # and gradients as two gather_with_grad calls
    g = torch.Generator().manual_seed(rank)
    a0 = torch.randn(rank + 2, 3, generator=g)
    b0 = torch.randn(rank + 2, 2, 2, generator=g)
    w_a, w_b = torch.randn(5, 3), torch.randn(5, 2, 2)  # same on all ranks
    pair = {}
    for how in ('pair', 'separate'):
        a, b = a0.clone().requires_grad_(), b0.clone().requires_grad_()
        calls = []
        real_gather = dist.all_gather
        dist.all_gather = lambda *args, **kw: (calls.append(1),
                                               real_gather(*args, **kw))[1]
        try:
            sizes = avcl_dist.all_batch_sizes(a.shape[0])
            calls.clear()
            if how == 'pair':
                ga, gb = avcl_dist.gather_pair_with_grad(a, b, sizes)
            else:
                ga = avcl_dist.gather_with_grad(a, sizes)
                gb = avcl_dist.gather_with_grad(b, sizes)
        finally:
            dist.all_gather = real_gather
        ((ga * w_a).sum() + (gb * w_b).sum()).backward()
        pair[how] = dict(a=ga.detach(), b=gb.detach(), grad_a=a.grad,
                         grad_b=b.grad, gathers=len(calls))
    results['pair'] = pair
    for split, sizes in SPLITS.items():
        for name in LOSSES:
            results[(name, split)] = _run_case(name, sizes, rank)
    torch.save(results, os.path.join(out_dir, f'rank{rank}.pt'))
    dist.destroy_process_group()


@pytest.fixture(scope='module')
def dist_results():
    with tempfile.TemporaryDirectory() as out_dir:
        mp.spawn(_worker, args=(_free_port(), out_dir), nprocs=WORLD,
                 join=True)
        return [torch.load(os.path.join(out_dir, f'rank{r}.pt'),
                           weights_only=False) for r in range(WORLD)]


def _single_process(loss_name, total):
    x_v, x_a = _global_data(total)
    x_v.requires_grad_()
    x_a.requires_grad_()
    lin_v, lin_a = _models()
    loss = LOSSES[loss_name]()(lin_v(x_v), lin_a(x_a))
    loss.backward()
    return dict(loss=loss.detach(), grad_x_v=x_v.grad, grad_x_a=x_a.grad,
                grad_params=[p.grad for p in
                             list(lin_v.parameters()) +
                             list(lin_a.parameters())])


def test_single_process_fallback():
    assert not avcl_dist.is_distributed()
    assert avcl_dist.get_rank() == 0 and avcl_dist.get_world_size() == 1
    x = torch.randn(3, 2, requires_grad=True)
    assert avcl_dist.gather_with_grad(x) is x
    no_grad = avcl_dist.gather_no_grad(x)
    assert torch.equal(no_grad, x) and not no_grad.requires_grad
    assert avcl_dist.all_batch_sizes(3) == [3]


def test_rank_and_world_size_under_two_processes(dist_results):
    assert [r['rank'] for r in dist_results] == [0, 1]
    assert all(r['world'] == WORLD and r['is_dist'] for r in dist_results)
    assert all(r['sizes'] == [1, 2] for r in dist_results)


def test_gather_concatenates_unequal_batches_in_rank_order(dist_results):
    expected = torch.tensor([[0., 0.], [1., 1.], [1., 1.]])
    for r in dist_results:
        assert torch.equal(r['gathered'], expected)
        assert torch.equal(r['no_grad'], expected)


def test_gather_backward_sums_gradients_over_ranks(dist_results):
    # every rank backpropagates the same weights: each slice gets WORLD x
    weights = torch.arange(6, dtype=torch.float32).view(3, 2)
    assert torch.equal(dist_results[0]['gather_grad'], WORLD * weights[:1])
    assert torch.equal(dist_results[1]['gather_grad'], WORLD * weights[1:])


@pytest.mark.parametrize('split', list(SPLITS))
@pytest.mark.parametrize('loss_name', list(LOSSES))
def test_loss_mean_over_ranks_equals_global_batch_loss(
        dist_results, loss_name, split):
    ref = _single_process(loss_name, sum(SPLITS[split]))
    mean = sum(r[(loss_name, split)]['loss'] for r in dist_results) / WORLD
    torch.testing.assert_close(mean, ref['loss'], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('split', list(SPLITS))
@pytest.mark.parametrize('loss_name', list(LOSSES))
def test_ddp_parameter_grads_equal_global_batch_grads(
        dist_results, loss_name, split):
    ref = _single_process(loss_name, sum(SPLITS[split]))
    for r in dist_results:
        for got, want in zip(r[(loss_name, split)]['grad_params'],
                             ref['grad_params']):
            torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize('split', list(SPLITS))
@pytest.mark.parametrize('loss_name', list(LOSSES))
def test_averaged_input_grads_equal_global_batch_grads(
        dist_results, loss_name, split):
    # DDP divides by the world size; so does this check for the inputs
    ref = _single_process(loss_name, sum(SPLITS[split]))
    for key in ('grad_x_v', 'grad_x_a'):
        got = torch.cat([r[(loss_name, split)][key] for r in dist_results])
        torch.testing.assert_close(got / WORLD, ref[key], rtol=1e-4,
                                   atol=1e-6)


def test_pair_gather_is_one_collective_with_equal_values_and_grads(
        dist_results):
    for r in dist_results:
        pair, separate = r['pair']['pair'], r['pair']['separate']
        assert (pair['gathers'], separate['gathers']) == (1, 2)
        assert pair['a'].shape == (5, 3) and pair['b'].shape == (5, 2, 2)
        for key in ('a', 'b', 'grad_a', 'grad_b'):
            torch.testing.assert_close(pair[key], separate[key], rtol=0,
                                       atol=0)
