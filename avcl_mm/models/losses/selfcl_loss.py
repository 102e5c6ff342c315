"""Self-supervised contrastive loss SelfCL (AVCL Eq. 7-10)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS

from avcl_mm.models.utils.dist import (all_batch_sizes,
                                       gather_pair_with_grad, get_rank,
                                       get_world_size)
from avcl_mm.models.utils.precision import float32_region


def _unit(x: torch.Tensor, dim: int, eps: float) -> torch.Tensor:
    """``x`` scaled to unit norm along ``dim``; a slice whose norm is at most
    ``eps`` (e.g. a channel that a ReLU switched off for the whole batch)
    becomes 0 *with zero gradient*. ``F.normalize`` would give it the
    gradient ``1 / eps`` (1e8 with eps=1e-8), which overflows float16
    gradients and makes mixed-precision training skip every step."""
    norm = torch.linalg.vector_norm(x, dim=dim, keepdim=True)
    return torch.where(norm > eps, x / norm.clamp_min(eps), x.new_zeros(()))


@MODELS.register_module()
class SelfCLLoss(nn.Module):
    """SelfCL loss of `AVCL <https://arxiv.org/abs/2204.13386>`_ (Eq. 7-10).

    With ``h(x, y) = exp(cos(x, y) / tau)``, the video term of sample ``i``::

        l_v(i) = -log h(v_i, a_i)
                 / (sum_j h(v_i, a_j) + sum_{j != i} h(v_i, v_j))

    contrasts the paired audio against every audio and every *other* video
    of the batch; ``l_a(i)`` swaps the roles, and
    ``L_self = L_v + L_a`` where ``L_v`` reduces ``l_v`` over ``i`` (mean by
    default; the paper writes a sum).

    Computed as a cross-entropy over ``2 * N`` logits with the self
    similarity masked by ``-inf`` (log-sum-exp, float32 whatever the input
    dtype, with autocast turned off inside). When distributed, this rank's
    rows are scored against the columns gathered from every rank
    (O(N * W N) memory) and the returned value is this rank's share: its
    mean over ranks equals the loss of one process holding the global batch,
    and so do the gradients once ``DistributedDataParallel`` averages them.
    An all-zero feature vector scores 0 against everything, with zero
    gradient.

    Args:
        temperature (float): ``tau``; the paper does not give it. Defaults
            to ``0.07``.
        reduction (str): ``'mean'`` or ``'sum'`` over samples. Defaults to
            ``'mean'``.
        gather_distributed (bool): Use the global batch as negatives when
            distributed. Defaults to ``True``.
        loss_weight (float): Factor on the returned loss. Defaults to
            ``1.0``.
    """

    def __init__(self,
                 temperature: float = 0.07,
                 reduction: str = 'mean',
                 gather_distributed: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError('SelfCLLoss: temperature must be > 0, got '
                             f'{temperature}.')
        if reduction not in ('mean', 'sum'):
            raise ValueError("SelfCLLoss: reduction must be 'mean' or 'sum', "
                             f'got {reduction!r}.')
        self.temperature = float(temperature)
        self.reduction = reduction
        self.gather_distributed = gather_distributed
        self.loss_weight = float(loss_weight)

    def _one_direction(self, rows: torch.Tensor, cross: torch.Tensor,
                       within: torch.Tensor, offset: int) -> torch.Tensor:
        """Per-row loss of Eq. 7 (or 9).

        Args:
            rows (torch.Tensor): Local anchors ``(n, C)``, unit norm.
            cross (torch.Tensor): Other modality, all ranks ``(M, C)``.
            within (torch.Tensor): Same modality, all ranks ``(M, C)``.
            offset (int): Index of this rank's first row in ``cross``.

        Returns:
            torch.Tensor: Shape ``(n, )``.
        """
        n = rows.shape[0]
        idx = torch.arange(n, device=rows.device) + offset
        logits_cross = rows @ cross.t() / self.temperature
        logits_within = rows @ within.t() / self.temperature
        logits_within[torch.arange(n, device=rows.device), idx] = float('-inf')
        logits = torch.cat([logits_cross, logits_within], dim=1)
        return F.cross_entropy(logits, idx, reduction='none')

    def forward(self, f_v: torch.Tensor, f_a: torch.Tensor) -> torch.Tensor:
        """Compute ``loss_weight * (L_v + L_a)``.

        Args:
            f_v (torch.Tensor): Video features, shape ``(N, C)``.
            f_a (torch.Tensor): Audio features, shape ``(N, C)``.

        Returns:
            torch.Tensor: Scalar loss (float32).
        """
        if f_v.dim() != 2 or f_v.shape != f_a.shape:
            raise ValueError('SelfCLLoss expects video and audio features of '
                             'the same shape (N, C); got '
                             f'{tuple(f_v.shape)} and {tuple(f_a.shape)}.')
        with float32_region(f_v):
            return self._forward_float32(f_v.float(), f_a.float())

    def _forward_float32(self, f_v: torch.Tensor,
                         f_a: torch.Tensor) -> torch.Tensor:
        # an all-zero feature vector scores 0 against everything, with zero
        # gradient (F.normalize's eps would give it a 1e12 gradient)
        v = _unit(f_v, dim=1, eps=1e-12)
        a = _unit(f_a, dim=1, eps=1e-12)
        world = get_world_size() if self.gather_distributed else 1
        if world > 1:
            sizes = all_batch_sizes(v.shape[0], device=v.device)
            offset = sum(sizes[:get_rank()])
            all_v, all_a = gather_pair_with_grad(v, a, sizes)
        else:
            sizes, offset, all_v, all_a = [v.shape[0]], 0, v, a
        per_row = self._one_direction(v, all_a, all_v, offset) + \
            self._one_direction(a, all_v, all_a, offset)
        # this rank's share, scaled so that its mean over ranks is the
        # global mean (or sum), whatever the per-rank batch sizes
        loss = per_row.sum() * world
        if self.reduction == 'mean':
            loss = loss / sum(sizes)
        return self.loss_weight * loss
