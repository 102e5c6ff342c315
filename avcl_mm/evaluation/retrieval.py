"""Nearest-neighbour retrieval Recall@k of frozen features."""
from typing import Dict, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


def _check(feats: Tensor, labels: Tensor, name: str) -> tuple:
    if not isinstance(feats, Tensor) or feats.dim() != 2:
        raise ValueError(f'retrieval_recall: {name}_feats must be a (N, C) '
                         'tensor.')
    labels = torch.as_tensor(labels).reshape(-1).long()
    if labels.numel() != feats.shape[0]:
        raise ValueError(f'retrieval_recall: {labels.numel()} {name}_labels '
                         f'for {feats.shape[0]} {name}_feats.')
    if feats.shape[0] == 0:
        raise ValueError(f'retrieval_recall: {name}_feats is empty.')
    return F.normalize(feats.float(), dim=1), labels.to(feats.device)


@torch.no_grad()
def retrieval_recall(query_feats: Tensor,
                     query_labels: Tensor,
                     gallery_feats: Tensor,
                     gallery_labels: Tensor,
                     ks: Sequence[int] = (1, 5, 10),
                     batch_size: int = 1024) -> Dict[str, float]:
    """Recall@k of cosine nearest-neighbour retrieval.

    The video retrieval protocol of CMAC (Min et al., "Cross-Modal Attention
    Consistency for Video-Audio Unsupervised Learning", 2021, after Xu et al.
    2019): every test clip queries the training clips; a query
    counts as a hit at ``k`` when at least one of its ``k`` most similar
    gallery items (cosine similarity) has the query's class. Ties in
    similarity are broken by ``torch.topk``.

    Args:
        query_feats (Tensor): Query features ``(M, C)`` (test clips).
        query_labels (Tensor): Query labels ``(M,)``.
        gallery_feats (Tensor): Gallery features ``(N, C)`` (train clips).
        gallery_labels (Tensor): Gallery labels ``(N,)``.
        ks (Sequence[int]): The ``k`` values, each in ``[1, N]``. Defaults to
            ``(1, 5, 10)``.
        batch_size (int): Queries scored at once (bounds memory). Defaults to
            ``1024``.

    Returns:
        dict[str, float]: ``{'recall@1': ..., 'recall@5': ...}``, fractions
        of queries in ``[0, 1]``.
    """
    query, query_labels = _check(query_feats, query_labels, 'query')
    gallery, gallery_labels = _check(gallery_feats, gallery_labels,
                                     'gallery')
    if query.shape[1] != gallery.shape[1]:
        raise ValueError(f'retrieval_recall: query_feats have '
                         f'{query.shape[1]} channels but gallery_feats '
                         f'{gallery.shape[1]}.')
    ks = [int(k) for k in ks]
    if not ks or min(ks) < 1 or max(ks) > gallery.shape[0]:
        raise ValueError(f'retrieval_recall: every k must be in [1, '
                         f'{gallery.shape[0]}] (the gallery size), got {ks}.')
    if batch_size < 1:
        raise ValueError(f'retrieval_recall: batch_size must be >= 1, got '
                         f'{batch_size}.')
    query, query_labels = query.to(gallery.device), query_labels.to(
        gallery.device)
    first_hit = []
    for start in range(0, query.shape[0], batch_size):
        sims = query[start:start + batch_size] @ gallery.t()
        ranked = sims.topk(max(ks), dim=1).indices
        labels = query_labels[start:start + batch_size, None]
        hits = gallery_labels[ranked] == labels
        # Rank of the first same-class item; max(ks) when there is none.
        none = torch.full_like(ranked[:, 0], max(ks))
        first_hit.append(
            torch.where(hits.any(dim=1), hits.long().argmax(dim=1), none))
    first_hit = torch.cat(first_hit)
    return {f'recall@{k}': (first_hit < k).float().mean().item() for k in ks}
