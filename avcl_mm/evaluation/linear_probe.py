"""Linear probe: logistic regression on frozen features."""
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from .accuracy import classification_metrics

_OPTIMIZERS = ('lbfgs', 'sgd')


def _prepare(feats: Tensor, labels: Tensor, name: str,
             normalize: bool) -> tuple:
    if not isinstance(feats, Tensor) or feats.dim() != 2 or \
            feats.shape[0] == 0:
        raise ValueError(f'linear_probe: {name}_feats must be a non-empty '
                         '(N, C) tensor.')
    labels = torch.as_tensor(labels).reshape(-1).long().to(feats.device)
    if labels.numel() != feats.shape[0]:
        raise ValueError(f'linear_probe: {labels.numel()} {name}_labels for '
                         f'{feats.shape[0]} {name}_feats.')
    feats = feats.detach().float()
    return (F.normalize(feats, dim=1) if normalize else feats), labels


def linear_probe(train_feats: Tensor,
                 train_labels: Tensor,
                 test_feats: Tensor,
                 test_labels: Tensor,
                 num_classes: Optional[int] = None,
                 optimizer: str = 'lbfgs',
                 epochs: int = 100,
                 lr: float = 0.1,
                 weight_decay: float = 1e-4,
                 batch_size: int = 256,
                 seed: int = 0,
                 normalize: bool = True,
                 topk: Sequence[int] = (1, 5)) -> Dict[str, float]:
    """Train a softmax classifier on frozen features and test it.

    The linear evaluation of AVID / CMA (https://arxiv.org/abs/2004.12943):
    the encoders stay fixed and only ``W x + b`` is learnt, minimising
    ``cross_entropy + weight_decay / 2 · ||W||²`` (the bias is not
    penalised). The weights start at zero, so the result depends only on
    the data and, for SGD, on ``seed`` (which fixes the batch order).

    Args:
        train_feats (Tensor): Training features ``(N, C)``.
        train_labels (Tensor): Training labels ``(N,)``.
        test_feats (Tensor): Test features ``(M, C)``.
        test_labels (Tensor): Test labels ``(M,)``.
        num_classes (int, optional): Number of classes. Defaults to ``None``
            (``1 + max`` of all labels).
        optimizer (str): ``'lbfgs'`` (full batch, at most ``epochs``
            iterations, strong-Wolfe line search) or ``'sgd'`` (mini-batches,
            momentum 0.9, ``epochs`` passes at learning rate ``lr``).
            Defaults to ``'lbfgs'``.
        epochs (int): L-BFGS iterations or SGD epochs. Defaults to ``100``.
        lr (float): SGD learning rate (unused by L-BFGS). Defaults to
            ``0.1``.
        weight_decay (float): L2 penalty on ``W``, ``>= 0``. Defaults to
            ``1e-4``.
        batch_size (int): SGD mini-batch size. Defaults to ``256``.
        seed (int): Seed of the SGD batch order. Defaults to ``0``.
        normalize (bool): Whether to L2-normalise the features first.
            Defaults to ``True``.
        topk (Sequence[int]): ``k`` values of the top-k accuracy. Defaults
            to ``(1, 5)``.

    Returns:
        dict[str, float]: Test ``top{k}`` accuracies and
        ``mean_class_accuracy``, fractions in ``[0, 1]``.
    """
    if optimizer not in _OPTIMIZERS:
        raise ValueError(f'linear_probe: optimizer must be one of '
                         f'{_OPTIMIZERS}, got {optimizer!r}.')
    if epochs < 1 or batch_size < 1 or lr <= 0 or weight_decay < 0:
        raise ValueError(f'linear_probe: need epochs >= 1, batch_size >= 1, '
                         f'lr > 0 and weight_decay >= 0, got epochs={epochs}, '
                         f'batch_size={batch_size}, lr={lr}, '
                         f'weight_decay={weight_decay}.')
    x_train, y_train = _prepare(train_feats, train_labels, 'train', normalize)
    x_test, y_test = _prepare(test_feats, test_labels, 'test', normalize)
    if x_train.shape[1] != x_test.shape[1]:
        raise ValueError(f'linear_probe: train_feats have {x_train.shape[1]} '
                         f'channels but test_feats {x_test.shape[1]}.')
    x_test, y_test = x_test.to(x_train.device), y_test.to(x_train.device)
    top_label = int(max(y_train.max(), y_test.max()))
    if num_classes is None:
        num_classes = top_label + 1
    elif top_label >= num_classes or min(y_train.min(), y_test.min()) < 0:
        raise ValueError(f'linear_probe: labels must lie in [0, '
                         f'{num_classes}) (num_classes={num_classes}).')

    weight = torch.zeros(num_classes, x_train.shape[1],
                         device=x_train.device, requires_grad=True)
    bias = torch.zeros(num_classes, device=x_train.device,
                       requires_grad=True)

    def objective(x: Tensor, y: Tensor) -> Tensor:
        logits = F.linear(x, weight, bias)
        return F.cross_entropy(logits, y) + \
            0.5 * weight_decay * weight.pow(2).sum()

    with torch.enable_grad():
        if optimizer == 'lbfgs':
            opt = torch.optim.LBFGS([weight, bias], lr=1.0, max_iter=epochs,
                                    history_size=20,
                                    line_search_fn='strong_wolfe')

            def closure() -> Tensor:
                opt.zero_grad()
                loss = objective(x_train, y_train)
                loss.backward()
                return loss

            opt.step(closure)
        else:
            opt = torch.optim.SGD([weight, bias], lr=lr, momentum=0.9)
            generator = torch.Generator().manual_seed(seed)
            for _ in range(epochs):
                order = torch.randperm(x_train.shape[0], generator=generator)
                for start in range(0, x_train.shape[0], batch_size):
                    idx = order[start:start + batch_size].to(x_train.device)
                    opt.zero_grad()
                    objective(x_train[idx], y_train[idx]).backward()
                    opt.step()
    with torch.no_grad():
        scores = F.linear(x_test, weight, bias)
    return classification_metrics(scores, y_test, topk)
