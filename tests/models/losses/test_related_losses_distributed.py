"""Two gloo processes with unequal batches (3 + 5 rows) give the loss, the
DDP-averaged gradients, the memory banks, Z̄ and the queues of one process
holding all 8 rows, for AVIDNCELoss, CMALoss and CMACLoss."""
import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from avcl_mm.models.losses.cma_loss import CMALoss, cma_positive_sets
from avcl_mm.models.losses.cmac_loss import CMACLoss
from avcl_mm.models.losses.nce_memory_loss import AVIDNCELoss

SIZES = (3, 5)
NAMES = ('avid', 'cma', 'cmac')


def _run(name: str, rows: slice) -> dict:
    """Loss, encoder gradients and state of the loss for ``rows``."""
    gen = torch.Generator().manual_seed(0)
    x_v, x_a = torch.randn(8, 5, generator=gen), torch.randn(8, 5,
                                                          generator=gen)
    k_v, k_a = torch.randn(8, 4, generator=gen), torch.randn(8, 4,
                                                          generator=gen)
    maps = torch.rand(8, 2, 3, generator=gen)
    negs = torch.randint(0, 12, (8, 4), generator=gen)
    enc_v, enc_a = nn.Linear(5, 4), nn.Linear(5, 4)
    for param in list(enc_v.parameters()) + list(enc_a.parameters()):
        param.data = torch.randn(param.shape, generator=gen)
    f_v, f_a = enc_v(x_v[rows]), enc_a(x_a[rows])
    idx = torch.arange(8)[rows] + 2
    if name == 'cmac':
        loss_fn = CMACLoss(temperature=0.5, queue_size=10, feat_dim=4)
        sal = f_v[:, :2, None].sigmoid().expand(-1, 2, 3)
        loss = loss_fn(f_v, f_a, maps[rows], maps[rows], sal, sal,
                       k_v[rows], k_a[rows])
        state = [loss_fn.queue.video, loss_fn.queue.audio, loss_fn.queue.ptr]
    else:
        loss_fn = AVIDNCELoss(12, feat_dim=4, num_negatives=4,
                              temperature=0.5) if name == 'avid' else \
            CMALoss(12, feat_dim=4, num_negatives=4, num_positives=2,
                    temperature=0.5)
        if name == 'cma':
            loss_fn.set_positives(cma_positive_sets(
                loss_fn.memory_v, loss_fn.memory_a, k_pos=2))
        loss = loss_fn(f_v, f_a, idx, neg_indices=negs[rows])
        state = [loss_fn.memory_v, loss_fn.memory_a, loss_fn.z_bar]
    loss.backward()
    grads = [p.grad.clone() for p in
             list(enc_v.parameters()) + list(enc_a.parameters())]
    return dict(loss=loss.item(), grads=grads,
                state=[s.clone() for s in state])


def _worker(rank: int, port: int, out_dir: str) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=len(SIZES))
    try:
        start = sum(SIZES[:rank])
        results = {}
        for name in NAMES:
            result = _run(name, slice(start, start + SIZES[rank]))
            for grad in result['grads']:  # what DDP does
                dist.all_reduce(grad)
                grad /= len(SIZES)
            results[name] = result
        torch.save(results, os.path.join(out_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def distributed_results(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp('dist'))
    mp.spawn(_worker, args=(_free_port(), out_dir), nprocs=len(SIZES))
    return [torch.load(os.path.join(out_dir, f'rank{r}.pt'))
            for r in range(len(SIZES))]


@pytest.mark.parametrize('name', NAMES)
def test_two_ranks_equal_one_process_with_the_global_batch(
        name, distributed_results):
    ref = _run(name, slice(0, 8))
    ranks = [res[name] for res in distributed_results]
    mean_loss = sum(r['loss'] for r in ranks) / len(ranks)
    assert mean_loss == pytest.approx(ref['loss'], rel=1e-5)
    for rank in ranks:
        for grad, expected in zip(rank['grads'], ref['grads']):
            torch.testing.assert_close(grad, expected, rtol=1e-4, atol=1e-6)
        for got, expected in zip(rank['state'], ref['state']):
            torch.testing.assert_close(got, expected)
