"""Weighted k-nearest-neighbour classification of frozen features."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def _check_features(feats: Tensor, name: str) -> Tensor:
    if not isinstance(feats, Tensor) or feats.dim() != 2:
        shape = tuple(feats.shape) if isinstance(feats, Tensor) else feats
        raise ValueError(f'knn_classify: {name} must be a (N, C) tensor, '
                         f'got {shape}.')
    return F.normalize(feats.float(), dim=1)


@torch.no_grad()
def knn_classify(train_feats: Tensor,
                 train_labels: Tensor,
                 test_feats: Tensor,
                 k: int = 20,
                 temperature: float = 0.07,
                 num_classes: Optional[int] = None,
                 batch_size: int = 1024) -> Tuple[Tensor, Tensor]:
    """Classify test features by a weighted vote of their cosine neighbours.

    The protocol of InstDisc (https://arxiv.org/abs/1805.01978): the ``k``
    training features most similar (cosine ``s``) to a test feature vote for
    their label with weight ``exp(s / temperature)``; the class with the
    largest total wins (ties go to the smaller class index).

    Args:
        train_feats (Tensor): Training features ``(N, C)``.
        train_labels (Tensor): Training labels ``(N,)``.
        test_feats (Tensor): Test features ``(M, C)``.
        k (int): Number of neighbours, ``1 <= k <= N``. Defaults to ``20``.
        temperature (float): Temperature of the vote weights, ``> 0``.
            Defaults to ``0.07``.
        num_classes (int, optional): Number of classes. Defaults to ``None``
            (``max(train_labels) + 1``).
        batch_size (int): Test features scored at once (bounds memory).
            Defaults to ``1024``.

    Returns:
        tuple[Tensor, Tensor]: Predicted labels ``(M,)`` and vote scores
        ``(M, num_classes)`` (normalised to sum to 1 per test feature, usable
        for top-k accuracy).
    """
    train = _check_features(train_feats, 'train_feats')
    test = _check_features(test_feats, 'test_feats')
    if train.shape[1] != test.shape[1]:
        raise ValueError(f'knn_classify: train_feats have {train.shape[1]} '
                         f'channels but test_feats {test.shape[1]}.')
    labels = torch.as_tensor(train_labels).reshape(-1).long().to(
        train.device)
    if labels.numel() != train.shape[0]:
        raise ValueError(f'knn_classify: {labels.numel()} train_labels for '
                         f'{train.shape[0]} train_feats.')
    if not isinstance(k, int) or not 1 <= k <= train.shape[0]:
        raise ValueError(f'knn_classify: k must be an integer in [1, '
                         f'{train.shape[0]}] (the number of train_feats), '
                         f'got {k!r}.')
    if temperature <= 0:
        raise ValueError(f'knn_classify: temperature must be > 0, got '
                         f'{temperature}.')
    if batch_size < 1:
        raise ValueError(f'knn_classify: batch_size must be >= 1, got '
                         f'{batch_size}.')
    if labels.numel() and labels.min() < 0:
        raise ValueError('knn_classify: train_labels must be >= 0.')
    if num_classes is None:
        num_classes = int(labels.max()) + 1
    elif labels.max() >= num_classes:
        raise ValueError(f'knn_classify: a train label is {int(labels.max())}'
                         f' but num_classes={num_classes}.')
    test = test.to(train.device)
    all_scores = []
    for start in range(0, test.shape[0], batch_size):
        sims = test[start:start + batch_size] @ train.t()
        top_sims, top_idx = sims.topk(k, dim=1)
        # Subtracting the row maximum keeps exp() finite for small
        # temperatures; normalising the scores removes the constant.
        weights = ((top_sims - top_sims[:, :1]) / temperature).exp()
        scores = torch.zeros(sims.shape[0], num_classes, device=sims.device)
        scores.scatter_add_(1, labels[top_idx], weights)
        all_scores.append(scores / scores.sum(dim=1, keepdim=True))
    scores = torch.cat(all_scores) if all_scores else torch.zeros(
        0, num_classes)
    return scores.argmax(dim=1), scores
