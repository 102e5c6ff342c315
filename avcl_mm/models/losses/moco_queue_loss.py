"""MoCo's InfoNCE loss with cross-modal keys and per-modality queues."""
from typing import Optional

from mmaction.registry import MODELS
from torch import Tensor

from avcl_mm.models.utils.checks import check_pair
from avcl_mm.models.utils.feature_queue import FeatureQueue
from avcl_mm.models.utils.precision import unit_rows, upcast
from .info_nce import CrossModalInfoNCELoss


@MODELS.register_module()
class MoCoQueueLoss(CrossModalInfoNCELoss):
    """Symmetric cross-modal InfoNCE against a FIFO queue of momentum keys.

    MoCo (https://arxiv.org/abs/1911.05722) in the two-stream setting. A
    video query ``q^v_i`` (online encoder) has the audio key ``k^a_i``
    (momentum encoder) of the same clip as positive and the ``K`` queued
    audio keys of earlier batches as negatives, and likewise for audio
    queries against video keys:

    ``L = CE(q^v, k^a, Q^a) + CE(q^a, k^v, Q^v)`` with
    ``CE(q, k, Q) = −mean_i log exp(q_i·k_i/τ) / (exp(q_i·k_i/τ)
    + Σ_{m} exp(q_i·Q_m/τ))`` on L2-normalised vectors: a
    :class:`CrossModalInfoNCELoss` without batch negatives whose extra
    negatives are the queue (:class:`FeatureQueue`, buffers ``queue.video``,
    ``queue.audio``, ``queue.ptr``). After the loss the keys of the global
    batch replace the oldest entries. The momentum encoder is the method's
    (``MoCo``).

    Args:
        temperature (float): Temperature ``τ > 0``. Defaults to ``0.07``.
        queue_size (int): Number ``K`` of queued keys per modality, at least
            the global batch size. Defaults to ``4096``.
        feat_dim (int): Embedding size ``D``. Defaults to ``128``.
        gather_distributed (bool): Whether to enqueue the keys of all ranks
            (and report the global loss value) when ``torch.distributed`` is
            initialised. Defaults to ``True``.
    """

    def __init__(self,
                 temperature: float = 0.07,
                 queue_size: int = 4096,
                 feat_dim: int = 128,
                 gather_distributed: bool = True) -> None:
        super().__init__(temperature=temperature, batch_negatives=False,
                         gather_distributed=gather_distributed)
        self.feat_dim = feat_dim
        self.queue = FeatureQueue(queue_size, feat_dim,
                                  owner=type(self).__name__)

    def forward(self,
                query_v: Tensor,
                query_a: Tensor,
                key_v: Tensor,
                key_a: Tensor,
                update_queue: Optional[bool] = None) -> Tensor:
        """Compute the loss, then enqueue the keys.

        Args:
            query_v (Tensor): Video queries ``(n, D)`` (online encoder).
            query_a (Tensor): Audio queries ``(n, D)``.
            key_v (Tensor): Video keys ``(n, D)`` (momentum encoder; no
                gradient flows into them).
            key_a (Tensor): Audio keys ``(n, D)``.
            update_queue (bool, optional): Whether to enqueue the keys.
                Defaults to ``None`` (only in training mode).

        Returns:
            Tensor: The scalar loss.
        """
        name = type(self).__name__
        check_pair(query_v, query_a, name, ('query_v', 'query_a'))
        check_pair(key_v, key_a, name, ('key_v', 'key_a'))
        if query_v.shape != key_v.shape or query_v.shape[1] != self.feat_dim:
            raise ValueError(
                f'{name}: queries {tuple(query_v.shape)} and keys '
                f'{tuple(key_v.shape)} must both be (n, feat_dim='
                f'{self.feat_dim}).')
        queue_v, queue_a = self.queue.snapshot(upcast(query_v).dtype)
        loss = super().forward(query_v, query_a, key_v.detach(),
                               key_a.detach(), extra_v=(queue_a, ),
                               extra_a=(queue_v, ))
        if self.training if update_queue is None else update_queue:
            self.queue.push(unit_rows(upcast(key_v.detach())),
                            unit_rows(upcast(key_a.detach())),
                            gather=self.gather_distributed)
        return loss
