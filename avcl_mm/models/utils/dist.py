"""The one place for distributed code in avcl_mm.

Contrastive and correlation losses must see the *global* batch (SPEC §1.8):
features are gathered from every rank along dim 0 before the loss is taken.
Everything here falls back to a no-op in a single process, so the same code
runs with and without ``torch.distributed``.

Gradient convention of :func:`gather_with_grad`: the backward pass sums the
incoming gradient over ranks (all-reduce) and returns this rank's slice. When
every rank computes the *same* global loss (or a share of it whose mean over
ranks is the global loss), each rank's gradient w.r.t. its local inputs is
``world_size`` times the single-process gradient, and the *mean* that
``DistributedDataParallel`` takes over ranks gives exactly the gradient of
one process holding the whole batch.

Reduction convention of every avcl_mm loss: **each rank returns the loss of
the global batch** (the same value on every rank, so the logged value is the
global one), **with a gradient whose mean over ranks is the global-batch
gradient**. Losses of the whole batch (cross-correlation, clustering) get
this by gathering with :func:`gather_with_grad`; losses that sum or average
per-sample terms get it from :func:`reduce_rows`, which turns this rank's
rows into its share (:func:`share_to_global`), also when ranks hold
different batch sizes.
"""
from typing import List, Optional, Tuple

import torch
import torch.distributed as dist


def is_distributed() -> bool:
    """Whether ``torch.distributed`` is available and initialised."""
    return dist.is_available() and dist.is_initialized()


def get_rank() -> int:
    """Rank of this process, ``0`` without ``torch.distributed``."""
    return dist.get_rank() if is_distributed() else 0


def get_world_size() -> int:
    """Number of processes, ``1`` without ``torch.distributed``."""
    return dist.get_world_size() if is_distributed() else 1


def all_batch_sizes(n: int,
                    device: Optional[torch.device] = None) -> List[int]:
    """Batch size of every rank, in rank order.

    Args:
        n (int): This rank's batch size.
        device (torch.device, optional): Device of the exchanged tensor (must
            suit the backend: CUDA for nccl). Defaults to ``None`` (CPU).

    Returns:
        list[int]: ``world_size`` sizes; ``[n]`` in a single process.
    """
    if get_world_size() == 1:
        return [n]
    size = torch.tensor([n], dtype=torch.long, device=device)
    sizes = [torch.zeros_like(size) for _ in range(get_world_size())]
    dist.all_gather(sizes, size)
    return [int(s.item()) for s in sizes]


def _all_gather(x: torch.Tensor, sizes: List[int]) -> torch.Tensor:
    """Concatenate ``x`` of every rank along dim 0 (sizes may differ)."""
    x = x.contiguous()
    max_n = max(sizes)
    if x.shape[0] < max_n:  # all_gather needs equal shapes: pad, then trim
        pad = x.new_zeros((max_n - x.shape[0], ) + tuple(x.shape[1:]))
        x = torch.cat([x, pad], dim=0)
    parts = [torch.empty_like(x) for _ in sizes]
    dist.all_gather(parts, x)
    return torch.cat([p[:s] for p, s in zip(parts, sizes)], dim=0)


class _GatherWithGrad(torch.autograd.Function):
    """All-gather whose backward sums gradients over ranks."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, sizes: List[int]) -> torch.Tensor:
        rank = get_rank()
        ctx.start = sum(sizes[:rank])
        ctx.stop = ctx.start + sizes[rank]
        return _all_gather(x, sizes)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad[ctx.start:ctx.stop], None


def _check_sizes(x: torch.Tensor, sizes: Optional[List[int]]) -> List[int]:
    if x.dim() == 0:
        raise ValueError('avcl_mm.models.utils.dist: cannot gather a scalar; '
                         'pass a tensor of shape (N, ...).')
    if sizes is None:
        return all_batch_sizes(x.shape[0], device=x.device)
    if len(sizes) != get_world_size() or sizes[get_rank()] != x.shape[0]:
        raise ValueError(f'sizes={sizes} do not match world size '
                         f'{get_world_size()} and local batch {x.shape[0]}; '
                         'pass the result of all_batch_sizes().')
    return list(sizes)


def gather_with_grad(x: torch.Tensor,
                     sizes: Optional[List[int]] = None) -> torch.Tensor:
    """Concatenate ``x`` from all ranks along dim 0, keeping gradients.

    Args:
        x (torch.Tensor): Local tensor of shape ``(N_r, ...)``.
        sizes (list[int], optional): Batch size of every rank, from
            :func:`all_batch_sizes`, to save one exchange when the caller
            already has them. Defaults to ``None`` (exchanged here).

    Returns:
        torch.Tensor: Shape ``(sum_r N_r, ...)`` in rank order; ``x`` itself
        in a single process. In backward, the gradient is summed over ranks
        and this rank's rows are returned (see the module docstring).
    """
    if get_world_size() == 1:
        return x
    return _GatherWithGrad.apply(x, _check_sizes(x, sizes))


def gather_pair_with_grad(x: torch.Tensor, y: torch.Tensor,
                          sizes: Optional[List[int]] = None
                          ) -> Tuple[torch.Tensor, torch.Tensor]:
    """:func:`gather_with_grad` of two tensors with the same rows (e.g. the
    video and audio features of one batch) in one collective: they are
    concatenated along the feature dimension, gathered once (one
    ``all_gather`` forward, one ``all_reduce`` backward instead of two each)
    and split again. Same values and gradients as two separate gathers.

    Args:
        x (torch.Tensor): Local tensor ``(N_r, ...)``.
        y (torch.Tensor): Local tensor ``(N_r, ...)``, same dtype and device.
        sizes (list[int], optional): See :func:`gather_with_grad`.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: The gathered ``x`` and ``y``.
    """
    if get_world_size() == 1:
        return x, y
    if x.shape[0] != y.shape[0] or x.dtype != y.dtype:
        raise ValueError('gather_pair_with_grad needs two tensors with the '
                         f'same rows and dtype; got {tuple(x.shape)} '
                         f'{x.dtype} and {tuple(y.shape)} {y.dtype}.')
    n, width = x.shape[0], x[0].numel()
    both = torch.cat([x.reshape(n, -1), y.reshape(n, -1)], dim=1)
    both = _GatherWithGrad.apply(both, _check_sizes(both, sizes))
    total = both.shape[0]
    return (both[:, :width].reshape((total, ) + tuple(x.shape[1:])),
            both[:, width:].reshape((total, ) + tuple(y.shape[1:])))


@torch.no_grad()
def gather_no_grad(x: torch.Tensor,
                   sizes: Optional[List[int]] = None) -> torch.Tensor:
    """Concatenate ``x`` from all ranks along dim 0, without gradients.

    Args:
        x (torch.Tensor): Local tensor of shape ``(N_r, ...)``.
        sizes (list[int], optional): See :func:`gather_with_grad`.
            Defaults to ``None``.

    Returns:
        torch.Tensor: Detached tensor of shape ``(sum_r N_r, ...)``.
    """
    if get_world_size() == 1:
        return x.detach()
    return _all_gather(x.detach(), _check_sizes(x, sizes))


# --------------------------------------------------------------------------
# the global batch of a loss


def batch_sizes(x: torch.Tensor, enabled: bool = True) -> Optional[List[int]]:
    """Batch size of every rank, or ``None`` when the loss does not gather
    (``enabled=False``, e.g. a loss's ``gather_distributed=False``, or a
    single process)."""
    if not enabled or get_world_size() == 1:
        return None
    return all_batch_sizes(x.shape[0], device=x.device)


def row_offset(sizes: Optional[List[int]]) -> int:
    """Index of this rank's first row in the gathered batch."""
    return 0 if sizes is None else sum(sizes[:get_rank()])


def gather(x: torch.Tensor, sizes: Optional[List[int]]) -> torch.Tensor:
    """:func:`gather_with_grad` of ``x``, or ``x`` itself when ``sizes`` is
    ``None`` (not gathering)."""
    return x if sizes is None else gather_with_grad(x, sizes)


def gather_pair(x: torch.Tensor, y: torch.Tensor,
                sizes: Optional[List[int]]
                ) -> Tuple[torch.Tensor, torch.Tensor]:
    """:func:`gather_pair_with_grad`, or ``(x, y)`` when ``sizes`` is
    ``None``."""
    return (x, y) if sizes is None else gather_pair_with_grad(x, y, sizes)


def gather_detached(x: torch.Tensor,
                    sizes: Optional[List[int]]) -> torch.Tensor:
    """:func:`gather_no_grad` of ``x``, or ``x`` detached when ``sizes`` is
    ``None``."""
    return x.detach() if sizes is None else gather_no_grad(x, sizes)


def share_to_global(share: torch.Tensor,
                    sizes: Optional[List[int]]) -> torch.Tensor:
    """The global loss from this rank's share.

    Args:
        share (torch.Tensor): Scalar whose mean over ranks is the loss of
            the global batch.
        sizes (list[int], optional): Batch sizes of all ranks; ``None``
            when not gathering (``share`` is then the loss).

    Returns:
        torch.Tensor: Scalar whose value is the mean of the shares (the
        same on every rank) and whose gradient is that of ``share``.
    """
    if sizes is None:
        return share
    shares = gather_no_grad(share.detach().reshape(1), [1] * len(sizes))
    return share + (shares.mean() - share).detach()


def reduce_rows(per_row: torch.Tensor, sizes: Optional[List[int]],
                reduction: str = 'mean') -> torch.Tensor:
    """Sum or mean of per-sample terms over the global batch.

    Args:
        per_row (torch.Tensor): Terms of this rank's samples ``(n_r, )``.
        sizes (list[int], optional): Batch sizes of all ranks, or ``None``.
        reduction (str): ``'mean'`` (over the ``N = sum(sizes)`` samples)
            or ``'sum'``. Defaults to ``'mean'``.

    Returns:
        torch.Tensor: The global value, with this rank's share of the
        gradient (see :func:`share_to_global`).
    """
    if reduction not in ('mean', 'sum'):
        raise ValueError(f"reduce_rows: reduction must be 'mean' or 'sum', "
                         f'got {reduction!r}.')
    world = 1 if sizes is None else len(sizes)
    share = per_row.sum() * world
    if reduction == 'mean':
        share = share / (per_row.shape[0] if sizes is None else sum(sizes))
    return share_to_global(share, sizes)
