"""MoCo's InfoNCE loss with cross-modal keys and per-modality queues."""
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

from ._dist_utils import (batch_sizes, check_pair, gather_detached,
                          local_share, upcast)


@MODELS.register_module()
class MoCoQueueLoss(nn.Module):
    """Symmetric cross-modal InfoNCE against a FIFO queue of momentum keys.

    MoCo (https://arxiv.org/abs/1911.05722) in the two-stream setting. A
    video query ``q^v_i`` (online encoder) has the audio key ``k^a_i``
    (momentum encoder) of the same clip as positive and the ``K`` queued
    audio keys of earlier batches as negatives, and likewise for audio
    queries against video keys:

    ``L = CE(q^v, k^a, Q^a) + CE(q^a, k^v, Q^v)`` with
    ``CE(q, k, Q) = −mean_i log exp(q_i·k_i/τ) / (exp(q_i·k_i/τ)
    + Σ_{m} exp(q_i·Q_m/τ))`` on L2-normalised vectors.

    Each queue is a registered buffer ``(K, D)`` (started with random unit
    vectors, as MoCo); ``queue_ptr`` is the next slot to write. After the
    loss, the keys of the whole global batch (gathered from all ranks
    without gradient) replace the oldest entries, wrapping around the end.
    The momentum update of the key encoder lives in the recognizer (see
    :func:`avcl_mm.models.utils.momentum.momentum_update`).

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
        super().__init__()
        if not isinstance(temperature, (int, float)) or temperature <= 0:
            raise ValueError('MoCoQueueLoss: temperature must be a positive '
                             f'number, got {temperature!r}.')
        for name, value in (('queue_size', queue_size),
                            ('feat_dim', feat_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or \
                    value < 1:
                raise ValueError(f'MoCoQueueLoss: {name} must be a positive '
                                 f'integer, got {value!r}.')
        self.temperature = float(temperature)
        self.queue_size = queue_size
        self.feat_dim = feat_dim
        self.gather_distributed = gather_distributed
        self.register_buffer(
            'queue_video', F.normalize(torch.randn(queue_size, feat_dim),
                                       dim=1))
        self.register_buffer(
            'queue_audio', F.normalize(torch.randn(queue_size, feat_dim),
                                       dim=1))
        self.register_buffer('queue_ptr', torch.zeros(1, dtype=torch.long))

    def _info_nce(self, query: Tensor, key: Tensor, queue: Tensor) -> Tensor:
        positive = (query * key).sum(dim=1, keepdim=True)
        negative = query @ queue.t()
        logits = torch.cat([positive, negative], dim=1) / self.temperature
        targets = torch.zeros(query.shape[0], dtype=torch.long,
                              device=query.device)
        return F.cross_entropy(logits, targets)

    @torch.no_grad()
    def _enqueue(self, key_v: Tensor, key_a: Tensor,
                 sizes: Optional[List[int]]) -> None:
        """Write the keys ``(n, D)`` of all ranks over the oldest queue
        entries and advance ``queue_ptr``."""
        key_v = gather_detached(key_v, sizes)
        key_a = gather_detached(key_a, sizes)
        num = key_v.shape[0]
        if num > self.queue_size:
            raise ValueError(f'MoCoQueueLoss: the global batch ({num} keys) '
                             f'exceeds queue_size={self.queue_size}; raise '
                             'queue_size.')
        ptr = int(self.queue_ptr)
        slots = (ptr + torch.arange(num, device=key_v.device)) % \
            self.queue_size
        self.queue_video[slots] = key_v.to(self.queue_video.dtype)
        self.queue_audio[slots] = key_a.to(self.queue_audio.dtype)
        self.queue_ptr[0] = (ptr + num) % self.queue_size

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
        check_pair(query_v, query_a, 'MoCoQueueLoss', ('query_v', 'query_a'))
        check_pair(key_v, key_a, 'MoCoQueueLoss', ('key_v', 'key_a'))
        if query_v.shape != key_v.shape or query_v.shape[1] != self.feat_dim:
            raise ValueError(
                f'MoCoQueueLoss: queries {tuple(query_v.shape)} and keys '
                f'{tuple(key_v.shape)} must both be (n, feat_dim='
                f'{self.feat_dim}).')
        q_v = F.normalize(upcast(query_v), dim=1)
        q_a = F.normalize(upcast(query_a), dim=1)
        k_v = F.normalize(upcast(key_v.detach()), dim=1)
        k_a = F.normalize(upcast(key_a.detach()), dim=1)
        # Clone: the queues change in place below, after the loss is built.
        queue_v = self.queue_video.clone().to(q_v.dtype)
        queue_a = self.queue_audio.clone().to(q_v.dtype)
        loss = self._info_nce(q_v, k_a, queue_a) + \
            self._info_nce(q_a, k_v, queue_v)
        sizes = batch_sizes(q_v, self.gather_distributed)
        if self.training if update_queue is None else update_queue:
            self._enqueue(k_v, k_a, sizes)
        return local_share(loss, sizes)
