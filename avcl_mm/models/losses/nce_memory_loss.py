"""AVID's NCE loss against per-sample memory banks (AVID Eq. 1-6)."""
from typing import Any, Dict, Optional

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

from avcl_mm.models.utils.dist import (batch_sizes, gather_no_grad,
                                       get_rank, reduce_rows)

PAIRS = ('v2v', 'v2a', 'a2v', 'a2a')  # query modality '2' memory modality
TARGETS = {'self': ('v2v', 'a2a'), 'cross': ('v2a', 'a2v'),
           'joint': ('v2v', 'a2a', 'v2a', 'a2v')}


@MODELS.register_module()
class AVIDNCELoss(nn.Module):
    """NCE loss of `AVID <https://arxiv.org/abs/2004.12943>`_ (Eq. 1-6).

    Banks ``memory_v``/``memory_a`` ``(N, D)`` keep a unit EMA feature per
    training sample (random unit vectors at start). With ``s = x·x̄/τ``, Eq. 2
    is ``P(D=1|x, x̄) = e^s/(e^s + K Z̄)`` = ``h/(h+K/N)``, ``h = e^s/NZ̄``;
    Eq. 3 for sample ``i`` and ``K`` negatives ``N_i`` drawn uniformly from
    the other ``N - 1`` bank rows is ``−log P(D=1|x_i, x̄_i) − Σ_{j∈N_i} log P(D=0|x_i, x̄_j)``, in
    log space. ``target``: Self- (Eq. 4, v→v̄ + a→ā), Cross- (Eq. 5, v→ā +
    a→v̄) or Joint-AVID (Eq. 6, all four), averaged over the terms as the
    official code does (``term_reduction='sum'``: summed as Eq. 4-6 print
    them, 2x the gradient for Self/Cross and 4x for Joint at the same lr),
    one ``N_i`` for all terms, mean over samples.
    ``z_bar`` keeps ``Z̄`` per pair of :data:`PAIRS` (``0`` = unknown): the
    mean ``e^s`` over the first batch's negatives on all ranks, then fixed
    (or followed with ``z_momentum``); the official code shares one ``Z̄``.
    Bank rows of the batch become ``normalize(m·x̄ + (1−m)·x)`` with features
    and indices of all ranks, so banks stay equal across ranks. Banks and
    ``z_bar`` are buffers, saved in checkpoints; loading takes the saved size.

    Args:
        num_samples (int, optional): Dataset size ``N``; ``None`` leaves the
            banks empty until :meth:`set_num_samples`. Defaults to ``None``.
        feat_dim (int): Embedding size ``D``. Defaults to ``128``.
        num_negatives (int): ``K``. Defaults to ``1024``.
        temperature (float): ``τ``. Defaults to ``0.07``.
        memory_momentum (float): EMA momentum ``m``. Defaults to ``0.5``.
        target (str): ``'self'``, ``'cross'`` or ``'joint'``. Defaults to
            ``'cross'``.
        z_momentum (float, optional): If set, ``Z̄ ← z·Z̄ + (1−z)·Z̄_batch``
            at every training step. Defaults to ``None`` (fixed ``Z̄``).
        update_in_forward (bool): Update the banks in :meth:`forward` (in
            training mode, after the loss is built); if ``False`` call
            :meth:`update_memory` yourself. Defaults to ``True``.
        seed (int, optional): Seed (plus rank) of the sampler, which draws
            on the CPU; ``None`` uses torch's global RNG. Defaults to ``None``.
        init_seed (int): Seed of the initial banks (equal on all ranks).
            Defaults to ``0``.
        loss_weight (float): Factor on the loss. Defaults to ``1.0``.
        term_reduction (str): ``'mean'`` (official code) or ``'sum'``
            (Eq. 4-6 as printed) over the NCE terms of ``target``. Defaults
            to ``'mean'``.
    """

    def __init__(self, num_samples: Optional[int] = None, feat_dim: int = 128,
                 num_negatives: int = 1024, temperature: float = 0.07,
                 memory_momentum: float = 0.5, target: str = 'cross',
                 z_momentum: Optional[float] = None,
                 update_in_forward: bool = True, seed: Optional[int] = None,
                 init_seed: int = 0, loss_weight: float = 1.0,
                 term_reduction: str = 'mean') -> None:
        super().__init__()
        checks = dict(feat_dim=isinstance(feat_dim, int) and feat_dim > 0,
                      num_negatives=isinstance(num_negatives, int) and
                      num_negatives > 0, temperature=temperature > 0,
                      memory_momentum=0 <= memory_momentum < 1,
                      z_momentum=z_momentum is None or 0 <= z_momentum <= 1,
                      target=target in TARGETS,
                      term_reduction=term_reduction in ('mean', 'sum'))
        for key in (k for k, ok in checks.items() if not ok):
            raise ValueError(f'{type(self).__name__}: invalid {key}='
                             f'{locals()[key]!r}; see the class docstring.')
        self.feat_dim, self.num_negatives = feat_dim, num_negatives
        self.temperature, self.target = float(temperature), target
        self.memory_momentum, self.z_momentum = memory_momentum, z_momentum
        self.update_in_forward = update_in_forward
        self.init_seed, self.loss_weight = init_seed, float(loss_weight)
        self.term_reduction = term_reduction
        self.generator = None if seed is None else \
            torch.Generator().manual_seed(seed + get_rank())
        self.register_buffer('memory_v', torch.zeros(0, feat_dim))
        self.register_buffer('memory_a', torch.zeros(0, feat_dim))
        self.register_buffer('z_bar', torch.zeros(len(PAIRS)))
        if num_samples is not None:
            self.set_num_samples(num_samples)

    @property
    def num_samples(self) -> int:
        """Rows ``N`` of each bank."""
        return self.memory_v.shape[0]

    def set_num_samples(self, num_samples: int) -> None:
        """Resize both banks to ``num_samples`` rows (the training set
        length), keeping existing rows; new rows are random unit vectors."""
        if not isinstance(num_samples, int) or num_samples < 1:
            raise ValueError(f'{type(self).__name__}: num_samples must be a '
                             f'positive int, got {num_samples!r}.')
        gen = torch.Generator().manual_seed(self.init_seed)
        for key in ('memory_v', 'memory_a'):
            old = getattr(self, key)
            new = F.normalize(torch.randn(num_samples, self.feat_dim,
                                          generator=gen), dim=1).to(old)
            keep = min(num_samples, old.shape[0])
            new[:keep] = old[:keep]
            setattr(self, key, new)

    def sample_negatives(self, indices: Tensor) -> Tensor:
        """Draw ``K`` bank indices per sample uniformly from the ``N - 1``
        *other* instances (never the anchor's own row, as AVID's "K other
        instances" and its official sampler): ``(B, K)`` long."""
        if self.num_samples < 2:
            raise ValueError(f'{type(self).__name__}: negatives need at least '
                             f'2 bank rows, got {self.num_samples}.')
        draw = torch.randint(0, self.num_samples - 1, (len(indices),
                                                       self.num_negatives),
                             generator=self.generator).to(indices.device)
        # skip the anchor: values at or above its index move up by one
        return draw + (draw >= indices.long()[:, None]).long()

    def nce(self, query: Tensor, pos: Tensor, neg: Tensor,
            pair: str) -> Tensor:
        """Eq. 3 per sample ``(B, )`` for unit queries ``(B, D)``, positive
        memories ``(B, P, D)`` (averaged, Eq. 9's ``1/K_p``), negative
        memories ``(B, K, D)`` and ``pair`` (:data:`PAIRS`, selects ``Z̄``).
        """
        s_pos = torch.einsum('bd,bpd->bp', query, pos) / self.temperature
        s_neg = torch.einsum('bd,bkd->bk', query, neg) / self.temperature
        slot = PAIRS.index(pair)
        first = bool(self.z_bar[slot] <= 0)
        if first or (self.z_momentum is not None and self.training):
            stats = torch.stack([s_neg.detach().exp().sum(),
                                 s_neg.new_tensor(s_neg.numel())])
            total, count = gather_no_grad(stats[None]).sum(0)  # all ranks
            m = 0.0 if first else self.z_momentum
            self.z_bar[slot] = m * self.z_bar[slot] + (1 - m) * total / count
        log_kz = torch.log(self.z_bar[slot] * neg.shape[1])
        log_p1 = s_pos - torch.logaddexp(s_pos, log_kz)
        log_p0 = log_kz - torch.logaddexp(s_neg, log_kz)
        return -log_p1.mean(1) - log_p0.sum(1)

    def per_sample_loss(self, v: Tensor, a: Tensor, indices: Tensor,
                        neg_indices: Tensor) -> Tensor:
        """Eq. 4, 5 or 6 per sample ``(B, )`` for unit ``v``, ``a``."""
        feats, banks = dict(v=v, a=a), dict(v=self.memory_v, a=self.memory_a)
        pairs = TARGETS[self.target]
        total = sum(self.nce(feats[p[0]], banks[p[2]][indices][:, None],
                             banks[p[2]][neg_indices], p) for p in pairs)
        return total / len(pairs) if self.term_reduction == 'mean' else total

    def forward(self, z_v: Tensor, z_a: Tensor, indices: Tensor,
                neg_indices: Optional[Tensor] = None) -> Tensor:
        """Loss of this rank's samples, then (training) the memory update.

        Args:
            z_v (Tensor): Video embeddings ``(B, D)`` (L2-normalised here).
            z_a (Tensor): Audio embeddings ``(B, D)``.
            indices (Tensor): Dataset index of each sample ``(B, )``.
            neg_indices (Tensor, optional): Bank indices of the negatives
                ``(B, K)``; ``None`` samples them. Defaults to ``None``.

        Returns:
            Tensor: The global-batch mean (see the reduction convention of
            :mod:`avcl_mm.models.utils.dist`).
        """
        name, n = type(self).__name__, self.num_samples
        if n == 0:
            raise RuntimeError(f'{name}: the memory banks are empty; call '
                               'set_num_samples(len(train_dataset)) first.')
        if z_v.shape != z_a.shape or z_v.shape[1:] != (self.feat_dim, ) \
                or z_v.shape[0] == 0:
            raise ValueError(f'{name}: z_v {tuple(z_v.shape)} and z_a '
                             f'{tuple(z_a.shape)} must be (B, '
                             f'{self.feat_dim}).')
        if indices.shape != z_v.shape[:1] or indices.is_floating_point() \
                or indices.min() < 0 or indices.max() >= n:
            raise ValueError(f'{name}: indices must hold B={z_v.shape[0]} '
                             f'dataset indices in [0, {n}); is num_samples '
                             'the length of the training set?')
        indices = indices.long()
        v, a = F.normalize(z_v.float(), dim=1), F.normalize(z_a.float(), dim=1)
        if neg_indices is None:
            neg_indices = self.sample_negatives(indices)
        per_sample = self.per_sample_loss(v, a, indices, neg_indices.long())
        sizes = batch_sizes(v)
        if self.training and self.update_in_forward:
            self.update_memory(v, a, indices)
        return self.loss_weight * reduce_rows(per_sample, sizes, 'mean')

    @torch.no_grad()
    def update_memory(self, z_v: Tensor, z_a: Tensor, indices: Tensor) -> None:
        """EMA update of the bank rows ``indices`` ``(B, )`` of all ranks
        with the embeddings ``z_v``, ``z_a`` ``(B, D)``."""
        idx, m = gather_no_grad(indices.long()), self.memory_momentum
        for key, feat in (('memory_v', z_v), ('memory_a', z_a)):
            bank = getattr(self, key)
            feat = F.normalize(gather_no_grad(feat).float(), dim=1)
            new = m * bank[idx] + (1 - m) * feat.to(bank.dtype)
            bank.index_copy_(0, idx, F.normalize(new, dim=1))

    def _load_from_state_dict(self, state_dict: Dict[str, Any], prefix: str,
                              *args: Any, **kwargs: Any) -> None:
        """Take the checkpoint's bank size before loading it."""
        for key in ('memory_v', 'memory_a'):
            saved = state_dict.get(prefix + key)
            if saved is not None and saved.dim() == 2 and \
                    saved.shape[1] == self.feat_dim:
                setattr(self, key, getattr(self, key).new_empty(saved.shape))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
