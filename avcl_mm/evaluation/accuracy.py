"""Top-k and mean class accuracy on torch tensors.

Used by the k-NN and linear-probe protocols. During finetuning and testing
the recognizer's predictions go through mmaction's ``AccMetric``, whose
default ``metric_list=('top_k_accuracy', 'mean_class_accuracy')`` already
gives top-1, top-5 and mean class accuracy, so no extra metric is registered.
All values are fractions in ``[0, 1]``, as ``AccMetric`` reports them.
"""
from typing import Dict, Sequence

import torch
from torch import Tensor


def _check_labels(labels: Tensor, n: int, where: str) -> Tensor:
    labels = torch.as_tensor(labels).reshape(-1).long()
    if labels.numel() != n:
        raise ValueError(f'{where}: got {labels.numel()} labels for {n} '
                         'samples; pass one integer label per sample.')
    if n == 0:
        raise ValueError(f'{where}: no samples to evaluate.')
    return labels


def top_k_accuracy(scores: Tensor,
                   labels: Tensor,
                   topk: Sequence[int] = (1, 5)) -> Dict[str, float]:
    """Fraction of samples whose label is among the ``k`` best scores.

    Args:
        scores (Tensor): Class scores ``(N, num_classes)``.
        labels (Tensor): Integer labels ``(N,)``.
        topk (Sequence[int]): The ``k`` values; a ``k`` larger than the
            number of classes counts every sample as correct. Defaults to
            ``(1, 5)``.

    Returns:
        dict[str, float]: ``{'top1': ..., 'top5': ...}``.
    """
    if scores.dim() != 2:
        raise ValueError('top_k_accuracy: scores must have shape '
                         f'(N, num_classes), got {tuple(scores.shape)}.')
    labels = _check_labels(labels, scores.shape[0], 'top_k_accuracy')
    if any(int(k) < 1 for k in topk):
        raise ValueError(f'top_k_accuracy: every k must be >= 1, got {topk}.')
    max_k = min(max(int(k) for k in topk), scores.shape[1])
    ranked = scores.topk(max_k, dim=1).indices
    hits = ranked == labels.to(ranked.device)[:, None]
    return {
        f'top{k}': hits[:, :min(int(k), max_k)].any(dim=1).float().mean()
        .item()
        for k in topk
    }


def mean_class_accuracy(preds: Tensor, labels: Tensor) -> float:
    """Accuracy averaged over the classes present in ``labels``.

    Unlike mmaction's ``mean_class_accuracy``, a class that is only
    predicted (never a label) does not enter the mean.

    Args:
        preds (Tensor): Predicted labels ``(N,)``.
        labels (Tensor): Integer labels ``(N,)``.

    Returns:
        float: The mean of the per-class recalls.
    """
    preds = torch.as_tensor(preds).reshape(-1).long()
    labels = _check_labels(labels, preds.numel(), 'mean_class_accuracy')
    preds = preds.to(labels.device)
    classes = labels.unique()
    recalls = [(preds[labels == c] == c).float().mean() for c in classes]
    return torch.stack(recalls).mean().item()


def classification_metrics(scores: Tensor,
                           labels: Tensor,
                           topk: Sequence[int] = (1, 5)) -> Dict[str, float]:
    """Top-k accuracies and mean class accuracy of class scores (arguments
    as :func:`top_k_accuracy`).

    Returns:
        dict[str, float]: ``top{k}`` for each ``k`` and
        ``mean_class_accuracy`` (of the arg-max predictions).
    """
    results = top_k_accuracy(scores, labels, topk)
    results['mean_class_accuracy'] = mean_class_accuracy(
        scores.argmax(dim=1), labels)
    return results
