"""Cross-modal InfoNCE: the one contrastive loss of avcl_mm."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

from avcl_mm.models.utils.checks import check_pair, check_positive
from avcl_mm.models.utils.dist import (batch_sizes, gather_pair, reduce_rows,
                                       row_offset)
from avcl_mm.models.utils.precision import float32_region, unit_rows, upcast

_REDUCTIONS = ('mean', 'sum')


@MODELS.register_module()
class CrossModalInfoNCELoss(nn.Module):
    """InfoNCE whose positive pairs are the two modalities of one clip.

    For a video anchor ``q^v_i`` (and, symmetrically, an audio anchor) with
    cosine scores ``s`` and temperature ``τ``::

        l(q^v_i) = −log e^{s(q^v_i, k^a_i)/τ} / Σ_{c ∈ C_i} e^{s(q^v_i, c)/τ}

    where the contrast set ``C_i`` holds the positive ``k^a_i`` and

    - the other audio keys of the (global) batch (``batch_negatives``);
    - the other *video* keys of the batch, ``j ≠ i``
      (``within_negatives``: SelfCL, SimCLR's NT-Xent);
    - extra negatives given to :meth:`forward` (a MoCo queue, CMAC's
      queues, IIC's intra-negatives).

    Keys default to the queries themselves (SelfCL, SimCLR); MoCo and CMAC
    pass momentum keys. Per anchor the two directions are added
    (``direction_reduction='sum'``, SelfCL: ``L_v + L_a``) or averaged
    (``'mean'``, NT-Xent's mean over the ``2N`` views); over anchors they
    are averaged or summed (``reduction``; AVCL Eq. 7-10 print a sum).
    Computed in float32 (float64 stays) with autocast off, as a
    cross-entropy over the logits with the anchor's own within-modal score
    masked by ``-inf``. An all-zero feature scores 0 against everything,
    with zero gradient.

    With ``gather_distributed`` the batch is the global one: this rank's
    anchors are scored against the keys of every rank (``O(n · W n)``
    memory, gathered with gradients) and the result follows the reduction
    convention of :mod:`avcl_mm.models.utils.dist`.

    Args:
        temperature (float): ``τ``. Defaults to ``0.07``.
        batch_negatives (bool): Contrast with the other clips' keys of the
            other modality. ``False`` keeps only the positive (MoCo: the
            negatives come from the queue). Defaults to ``True``.
        within_negatives (bool): Contrast with the other clips' keys of the
            anchor's own modality. Defaults to ``False``.
        reduction (str): ``'mean'`` or ``'sum'`` over anchors. Defaults to
            ``'mean'``.
        direction_reduction (str): ``'sum'`` or ``'mean'`` of the video and
            audio directions. Defaults to ``'sum'``.
        gather_distributed (bool): Use the global batch when distributed.
            Defaults to ``True``.
        loss_weight (float): Factor on the loss. Defaults to ``1.0``.
    """

    def __init__(self,
                 temperature: float = 0.07,
                 batch_negatives: bool = True,
                 within_negatives: bool = False,
                 reduction: str = 'mean',
                 direction_reduction: str = 'sum',
                 gather_distributed: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        name = type(self).__name__
        check_positive(name, temperature=temperature)
        for key, value in (('reduction', reduction),
                           ('direction_reduction', direction_reduction)):
            if value not in _REDUCTIONS:
                raise ValueError(f'{name}: {key} must be one of '
                                 f'{_REDUCTIONS}, got {value!r}.')
        if within_negatives and not batch_negatives:
            raise ValueError(f'{name}: within_negatives needs '
                             'batch_negatives (the clips of the batch).')
        self.temperature = float(temperature)
        self.batch_negatives = batch_negatives
        self.within_negatives = within_negatives
        self.reduction = reduction
        self.direction_reduction = direction_reduction
        self.gather_distributed = gather_distributed
        self.loss_weight = float(loss_weight)

    def _direction(self, anchor: Tensor, own_key: Tensor, cross: Tensor,
                   within: Optional[Tensor], extra: Sequence[Tensor],
                   offset: int) -> Tensor:
        """Loss of each local anchor ``(n, )``: the positive is row
        ``offset + i`` of ``cross`` (or ``own_key[i]`` without batch
        negatives)."""
        n = anchor.shape[0]
        rows = torch.arange(n, device=anchor.device) + offset
        if self.batch_negatives:
            parts, target = [anchor @ cross.t()], rows
        else:
            parts = [(anchor * own_key).sum(dim=1, keepdim=True)]
            target = torch.zeros_like(rows)
        if within is not None:
            scores = anchor @ within.t()
            scores[torch.arange(n, device=anchor.device), rows] = \
                float('-inf')
            parts.append(scores)
        parts += [anchor @ e.to(anchor.dtype).t() for e in extra]
        logits = torch.cat(parts, dim=1) / self.temperature
        return F.cross_entropy(logits, target, reduction='none')

    def forward(self,
                query_v: Tensor,
                query_a: Tensor,
                key_v: Optional[Tensor] = None,
                key_a: Optional[Tensor] = None,
                extra_v: Sequence[Tensor] = (),
                extra_a: Sequence[Tensor] = ()) -> Tensor:
        """Compute the loss.

        Args:
            query_v (Tensor): Video anchors of this rank ``(n, D)``.
            query_a (Tensor): Audio anchors of the same clips ``(n, D)``.
            key_v (Tensor, optional): Video keys ``(n, D)``; ``None`` uses
                the queries. Defaults to ``None``.
            key_a (Tensor, optional): Audio keys ``(n, D)``. Defaults to
                ``None``.
            extra_v (Sequence[Tensor]): Further negatives of the video
                anchors, unit rows ``(M, D)`` (not gathered). Defaults to
                ``()``.
            extra_a (Sequence[Tensor]): Further negatives of the audio
                anchors. Defaults to ``()``.

        Returns:
            Tensor: Scalar loss (float32 or wider).
        """
        owner = type(self).__name__
        check_pair(query_v, query_a, owner, ('query_v', 'query_a'))
        with float32_region(query_v):
            q_v, q_a = unit_rows(upcast(query_v)), unit_rows(upcast(query_a))
            k_v = q_v if key_v is None else unit_rows(upcast(key_v))
            k_a = q_a if key_a is None else unit_rows(upcast(key_a))
            check_pair(q_v, k_v, owner, ('query_v', 'key_v'))
            sizes = batch_sizes(q_v, self.gather_distributed)
            all_v, all_a = gather_pair(k_v, k_a, sizes) \
                if self.batch_negatives else (k_v, k_a)
            within = self.within_negatives
            offset = row_offset(sizes)
            per_row = self._direction(
                q_v, k_a, all_a, all_v if within else None, extra_v,
                offset) + self._direction(
                    q_a, k_v, all_v, all_a if within else None, extra_a,
                    offset)
            if self.direction_reduction == 'mean':
                per_row = per_row / 2
            return self.loss_weight * reduce_rows(per_row, sizes,
                                                  self.reduction)
