"""Cross-modal agreement (CMA) positive sets and loss (AVID-CMA Eq. 7-10)."""
from typing import Any, Dict, Optional

import torch
from mmaction.registry import MODELS
from torch import Tensor

from .nce_memory_loss import AVIDNCELoss


@torch.no_grad()
def cma_positive_sets(mem_v: Tensor, mem_a: Tensor, k_pos: int = 32,
                      chunk_size: int = 4096) -> Tensor:
    """Top-``k_pos`` agreement neighbours of every sample (Eq. 7-8).

    ``ρ_ij = min(v_i·v_j, a_i·a_j)`` on the memory banks; ``P_i`` holds the
    ``k_pos`` indices ``j ≠ i`` of largest ``ρ_ij``, in decreasing order.
    Rows are processed ``chunk_size`` at a time: the peak extra memory is
    two ``(chunk_size, N)`` float matrices, e.g. 2 × 4096 × 240k × 4 B ≈
    7.9 GB for Kinetics (use 1024 for ≈ 2 GB).

    Args:
        mem_v (Tensor): Video memories ``(N, D)``, unit norm.
        mem_a (Tensor): Audio memories ``(N, D)``, unit norm.
        k_pos (int): Size ``K_p`` of each positive set, ``< N``. Defaults to
            ``32``.
        chunk_size (int): Rows per chunk. Defaults to ``4096``.

    Returns:
        Tensor: Positive sets ``(N, k_pos)``, long, on ``mem_v.device``.
    """
    if mem_v.dim() != 2 or mem_v.shape != mem_a.shape:
        raise ValueError('cma_positive_sets: mem_v and mem_a must have the '
                         f'same shape (N, D), got {tuple(mem_v.shape)} and '
                         f'{tuple(mem_a.shape)}.')
    num = mem_v.shape[0]
    if not 0 < k_pos < num or chunk_size < 1:
        raise ValueError(f'cma_positive_sets: need 0 < k_pos < N={num} and '
                         f'chunk_size >= 1, got k_pos={k_pos}, chunk_size='
                         f'{chunk_size}.')
    out = []
    for start in range(0, num, chunk_size):
        rows = torch.arange(start, min(start + chunk_size, num),
                            device=mem_v.device)
        rho = mem_v[rows] @ mem_v.t()
        torch.minimum(rho, mem_a[rows] @ mem_a.t(), out=rho)
        rho[torch.arange(len(rows)), rows] = float('-inf')
        out.append(rho.topk(k_pos, dim=1).indices)
    return torch.cat(out)


@MODELS.register_module()
class CMALoss(AVIDNCELoss):
    """`AVID+CMA <https://arxiv.org/abs/2004.12943>`_ loss (Eq. 9-10).

    ``L = L_Cross-AVID + λ·L_wMPD`` (``L_Cross-AVID`` averaged over its two
    terms as in :class:`AVIDNCELoss`) with, for sample ``i`` and its positive
    set ``P_i`` (:func:`cma_positive_sets`, given by :meth:`set_positives`,
    kept by :class:`CMAPositiveSetHook`),
    ``L_wMPD = 1/K_p Σ_{p∈P_i} [L_NCE(v_i; v̄_p, N'_i) + L_NCE(a_i; ā_p,
    N'_i)]``. ``K_p`` positives are drawn from ``P_i`` (all of them when
    ``P_i`` has ``K_p`` entries) and ``K_n`` negatives ``N'_i`` uniformly
    from the bank without ``P_i`` and without ``i`` itself (the paper only
    says "not overlapping with positives"); the Cross-AVID term uses the same
    ``N'_i``. As in Eq. 9 the negative sum enters once per modality (it does
    not depend on ``p``). ``positives`` is a buffer (saved in checkpoints);
    a Cross-AVID checkpoint without it loads cleanly, leaving it empty.

    Duck-typed interface used by the hook: ``memory_v``, ``memory_a``,
    ``positives`` and ``set_positives(tensor)``.

    Args:
        num_samples (int, optional): Dataset size ``N``. Defaults to
            ``None``.
        feat_dim (int): Embedding size. Defaults to ``128``.
        num_negatives (int): ``K_n``. Defaults to ``1024``.
        num_positives (int): ``K_p`` drawn per sample. Defaults to ``32``.
        lambda_wmpd (float): ``λ``. Defaults to ``1.0``.
        **kwargs: Other :class:`AVIDNCELoss` arguments (``temperature``,
            ``memory_momentum``, ``z_momentum``, ``update_in_forward``,
            ``seed``, ``init_seed``, ``loss_weight``); ``target`` is
            ``'cross'``.
    """

    def __init__(self, num_samples: Optional[int] = None, feat_dim: int = 128,
                 num_negatives: int = 1024, num_positives: int = 32,
                 lambda_wmpd: float = 1.0, **kwargs: Any) -> None:
        if kwargs.setdefault('target', 'cross') != 'cross':
            raise ValueError("CMALoss: target must be 'cross' (Eq. 10).")
        if not isinstance(num_positives, int) or num_positives < 1 or \
                lambda_wmpd < 0:
            raise ValueError('CMALoss: need num_positives >= 1 and '
                             f'lambda_wmpd >= 0, got {num_positives}, '
                             f'{lambda_wmpd}.')
        super().__init__(num_samples, feat_dim, num_negatives, **kwargs)
        self.num_positives, self.lambda_wmpd = num_positives, lambda_wmpd
        self.register_buffer('positives', torch.zeros(0, num_positives,
                                                      dtype=torch.long))

    def set_positives(self, positives: Tensor) -> None:
        """Store the positive sets ``(N, P)`` (``P >= num_positives``)."""
        n, num = self.num_samples, positives.shape[0]
        pos = positives.long().to(self.memory_v.device)
        srt = pos.sort(dim=1).values if pos.dim() == 2 else pos
        own = torch.arange(num, device=pos.device)[:, None]
        if pos.dim() != 2 or num != n or pos.shape[1] < self.num_positives \
                or pos.shape[1] + 1 >= n or pos.min() < 0 or pos.max() >= n \
                or (srt[:, 1:] == srt[:, :-1]).any() or (pos == own).any():
            raise ValueError(f'CMALoss.set_positives: need ({n}, P) distinct '
                             f'indices in [0, {n}) without the row itself, '
                             f'{self.num_positives} <= P < {n - 1}; got '
                             f'{tuple(positives.shape)}. Use '
                             'cma_positive_sets() on memory_v/memory_a.')
        self.positives = pos

    def _require_positives(self) -> None:
        if self.positives.shape[0] != self.num_samples:
            raise RuntimeError('CMALoss: no positive sets; add '
                               'CMAPositiveSetHook to custom_hooks or call '
                               'set_positives(cma_positive_sets(...)).')

    def sample_positives(self, indices: Tensor) -> Tensor:
        """``num_positives`` members of each ``P_i``: ``(B, K_p)``."""
        sets = self.positives[indices]
        if sets.shape[1] == self.num_positives:
            return sets
        scores = torch.rand(sets.shape, generator=self.generator)
        keep = scores.argsort(dim=1)[:, :self.num_positives].to(sets.device)
        return sets.gather(1, keep)

    def sample_negatives(self, indices: Tensor) -> Tensor:
        """``K_n`` uniform indices per sample outside ``P_i ∪ {i}``."""
        self._require_positives()
        excl = torch.cat([self.positives[indices], indices[:, None]], 1)
        excl = excl.sort(dim=1).values
        # r-th allowed index = r + #{k : excl_k - k <= r}
        below = excl - torch.arange(excl.shape[1], device=excl.device)
        draw = torch.randint(0, self.num_samples - excl.shape[1],
                             (len(indices), self.num_negatives),
                             generator=self.generator).to(excl.device)
        return draw + torch.searchsorted(below, draw, right=True)

    def per_sample_loss(self, v: Tensor, a: Tensor, indices: Tensor,
                        neg_indices: Tensor) -> Tensor:
        """Eq. 10 per sample ``(B, )``."""
        self._require_positives()
        loss = super().per_sample_loss(v, a, indices, neg_indices)
        if self.lambda_wmpd > 0:
            pos = self.sample_positives(indices)
            wmpd = self.nce(v, self.memory_v[pos], self.memory_v[neg_indices],
                            'v2v') + \
                self.nce(a, self.memory_a[pos], self.memory_a[neg_indices],
                         'a2a')
            loss = loss + self.lambda_wmpd * wmpd
        return loss

    def _load_from_state_dict(self, state_dict: Dict[str, Any], prefix: str,
                              local_metadata: Dict[str, Any], strict: bool,
                              missing_keys: list, *args: Any) -> None:
        """Accept checkpoints with any number of positive sets, or none."""
        saved = state_dict.get(prefix + 'positives')
        self.positives = self.positives.new_zeros(
            (0, self.num_positives) if saved is None else saved.shape)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, *args)
        if saved is None and prefix + 'positives' in missing_keys:
            missing_keys.remove(prefix + 'positives')
