"""Two gloo processes give the loss and (DDP-averaged) gradients of one
process holding the global batch, for every baseline loss.

Each rank feeds its rows of a fixed global batch through small linear
encoders (same weights on every rank), takes the loss and backpropagates;
the parameter gradients are then averaged over ranks as DDP does. The
reference is one process (no ``torch.distributed``) holding all rows.
"""
import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from avcl_mm.models.losses.barlow_twins_loss import BarlowTwinsLoss
from avcl_mm.models.losses.byol_loss import BYOLLoss
from avcl_mm.models.losses.inter_intra_contrast_loss import \
    InterIntraContrastLoss
from avcl_mm.models.losses.invariant_info_clustering_loss import \
    InvariantInfoClusteringLoss
from avcl_mm.models.losses.moco_queue_loss import MoCoQueueLoss
from avcl_mm.models.losses.ntxent_cross_modal_loss import NTXentCrossModalLoss
from avcl_mm.models.losses.simsiam_loss import SimSiamLoss

WORLD_SIZE = 2
GLOBAL_BATCH = 8
SPLITS = {'equal': (4, 4), 'unequal': (3, 5)}
LOSSES = ('ntxent', 'barlow', 'invclust', 'iic', 'moco', 'byol',
          'simsiam')


def _build(name: str) -> nn.Module:
    torch.manual_seed(123)  # same MoCo queue in every process
    return {
        'ntxent': lambda: NTXentCrossModalLoss(temperature=0.5),
        'barlow': lambda: BarlowTwinsLoss(lambd=0.1),
        'invclust': lambda: InvariantInfoClusteringLoss(num_clusters=4),
        'iic': lambda: InterIntraContrastLoss(temperature=0.5),
        'moco': lambda: MoCoQueueLoss(queue_size=16, feat_dim=4),
        'byol': BYOLLoss,
        'simsiam': SimSiamLoss,
    }[name]()


def _run(name: str, start: int, stop: int) -> dict:
    """Loss value, parameter gradients and MoCo queue for rows start:stop."""
    gen = torch.Generator().manual_seed(0)
    x_v, x_a, k_v, k_a = [torch.randn(GLOBAL_BATCH, 4, generator=gen)
                          for _ in range(4)]
    enc_v, enc_a = nn.Linear(4, 4), nn.Linear(4, 4)
    for param in list(enc_v.parameters()) + list(enc_a.parameters()):
        param.data = torch.randn(param.shape, generator=gen)
    rows = slice(start, stop)
    f_v, f_a = enc_v(x_v[rows]), enc_a(x_a[rows])
    loss_fn = _build(name)
    if name in ('moco', 'byol', 'simsiam'):
        loss = loss_fn(f_v, f_a, k_v[rows], k_a[rows])
    elif name == 'iic':  # intra-negatives through the video encoder
        loss = loss_fn(f_v, f_a, enc_v(k_v[rows]))
    else:
        loss = loss_fn(f_v, f_a)
    loss.backward()
    grads = [p.grad.clone() for p in
             list(enc_v.parameters()) + list(enc_a.parameters())]
    queue = loss_fn.queue.video.clone() if name == 'moco' else None
    return dict(loss=loss.item(), grads=grads, queue=queue)


def _worker(rank: int, port: int, out_dir: str) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=WORLD_SIZE)
    try:
        results = {}
        for split, sizes in SPLITS.items():
            start = sum(sizes[:rank])
            for name in LOSSES:
                result = _run(name, start, start + sizes[rank])
                for grad in result['grads']:  # DDP: mean over ranks
                    dist.all_reduce(grad)
                    grad /= WORLD_SIZE
                results[split, name] = result
        torch.save(results, os.path.join(out_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def rank_results(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp('ddp'))
    mp.spawn(_worker, args=(_free_port(), out_dir), nprocs=WORLD_SIZE,
             join=True)
    return [torch.load(os.path.join(out_dir, f'rank{r}.pt'))
            for r in range(WORLD_SIZE)]


@pytest.mark.parametrize('split', sorted(SPLITS))
@pytest.mark.parametrize('name', LOSSES)
def test_every_rank_returns_the_global_batch_loss(rank_results, name, split):
    single = _run(name, 0, GLOBAL_BATCH)
    for result in rank_results:
        assert result[split, name]['loss'] == pytest.approx(
            single['loss'], rel=1e-5, abs=1e-6)


@pytest.mark.parametrize('split', sorted(SPLITS))
@pytest.mark.parametrize('name', LOSSES)
def test_ddp_averaged_gradients_equal_global_batch_gradients(
        rank_results, name, split):
    single = _run(name, 0, GLOBAL_BATCH)
    for result in rank_results:
        for grad, expected in zip(result[split, name]['grads'],
                                  single['grads']):
            torch.testing.assert_close(grad, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('split', sorted(SPLITS))
def test_moco_enqueues_the_keys_of_all_ranks(rank_results, split):
    single = _run('moco', 0, GLOBAL_BATCH)
    for result in rank_results:
        torch.testing.assert_close(result[split, 'moco']['queue'],
                                   single['queue'])
