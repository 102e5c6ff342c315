"""Linear classification head on pooled (audio-)visual features."""
from typing import Dict, List

import torch
import torch.nn as nn
from mmengine.model.weight_init import normal_init
from mmaction.evaluation import top_k_accuracy
from mmaction.models.heads.base import BaseHead
from mmaction.registry import MODELS

from avcl_mm.utils.compat import get_gt_label, set_pred_score


@MODELS.register_module()
class AVClsHead(BaseHead):
    """Dropout + linear classifier of
    `AVCL <https://arxiv.org/abs/2204.13386>`_.

    It takes already pooled features ``(N, in_channels)``. Which features is
    the recognizer's choice: ``[f_v; f_a]`` from the AMFM neck (AVCL),
    ``[v; a]`` without a neck (comparison methods), or one modality
    (Baseline-R / Baseline-A). Labels and scores go through
    :mod:`avcl_mm.utils.compat`, so it works with mmaction2 1.1 and 1.2.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Input feature channels. Defaults to ``1024``.
        dropout_ratio (float): Dropout probability (paper: 0.7). Defaults to
            ``0.7``.
        loss_cls (dict): Classification loss config. Defaults to
            ``dict(type='CrossEntropyLoss')``.
        average_clips (str): ``'prob'`` (softmax, then mean) or ``'score'``
            (mean of raw scores) over the views of one sample at test time.
            Defaults to ``'prob'``.
        init_std (float): Std of the initial fc weights. Defaults to
            ``0.01``.
        **kwargs: Other :class:`mmaction.models.heads.base.BaseHead` args
            (``topk``, ``label_smooth_eps``, ``init_cfg``).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int = 1024,
                 dropout_ratio: float = 0.7,
                 loss_cls: dict = dict(type='CrossEntropyLoss'),
                 average_clips: str = 'prob',
                 init_std: float = 0.01,
                 **kwargs) -> None:
        if num_classes <= 0 or in_channels <= 0:
            raise ValueError('AVClsHead: num_classes and in_channels must be '
                             f'> 0, got {num_classes} and {in_channels}.')
        if not 0 <= dropout_ratio < 1:
            raise ValueError('AVClsHead: dropout_ratio must be in [0, 1), '
                             f'got {dropout_ratio}.')
        if average_clips not in ('prob', 'score'):
            raise ValueError("AVClsHead: average_clips must be 'prob' or "
                             f"'score', got {average_clips!r}.")
        super().__init__(num_classes, in_channels, loss_cls=loss_cls,
                         average_clips=average_clips, **kwargs)
        self.init_std = init_std
        self.dropout = nn.Dropout(p=dropout_ratio) if dropout_ratio else \
            nn.Identity()
        self.fc_cls = nn.Linear(in_channels, num_classes)

    def init_weights(self) -> None:
        """Initialise the fc layer from a normal distribution."""
        normal_init(self.fc_cls, std=self.init_std)

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        """Class scores.

        Args:
            x (torch.Tensor): Pooled features, shape ``(N, in_channels)``.

        Returns:
            torch.Tensor: Scores of shape ``(N, num_classes)``.
        """
        if x.dim() != 2 or x.shape[1] != self.in_channels:
            raise ValueError(f'AVClsHead expects (N, {self.in_channels}) '
                             f'features, got {tuple(x.shape)}; set '
                             'cls_head.in_channels to the feature size.')
        return self.fc_cls(self.dropout(x))

    def loss_by_feat(self, cls_scores: torch.Tensor,
                     data_samples: List) -> Dict[str, torch.Tensor]:
        """Classification loss and top-k accuracy.

        Args:
            cls_scores (torch.Tensor): Scores ``(N, num_classes)``.
            data_samples (list[ActionDataSample]): Samples with labels.

        Returns:
            dict[str, torch.Tensor]: ``loss_cls`` and ``top{k}_acc``.
        """
        labels = [get_gt_label(s) for s in data_samples]
        if any(label is None for label in labels):
            raise ValueError('AVClsHead: a data sample has no ground-truth '
                             'label; supervised training needs labelled '
                             'annotations (path label).')
        labels = torch.stack(labels).to(cls_scores.device).reshape(
            len(data_samples), -1)
        losses = dict()
        if labels.shape[1] == 1:  # hard labels
            labels = labels[:, 0].long()
            # float(): bf16 scores (AMP) have no numpy dtype
            accs = top_k_accuracy(cls_scores.detach().float().cpu().numpy(),
                                  labels.cpu().numpy(), self.topk)
            for k, acc in zip(self.topk, accs):
                losses[f'top{k}_acc'] = torch.tensor(
                    acc, device=cls_scores.device)
        losses['loss_cls'] = self.loss_cls(cls_scores, labels)
        return losses

    def predict_by_feat(self, cls_scores: torch.Tensor,
                        data_samples: List) -> List:
        """Average the scores of the views of each sample and store them.

        Args:
            cls_scores (torch.Tensor): Scores ``(N * num_views, num_classes)``,
                views of one sample contiguous.
            data_samples (list[ActionDataSample]): ``N`` samples.

        Returns:
            list[ActionDataSample]: The samples with predicted scores/labels.
        """
        num_views = cls_scores.shape[0] // len(data_samples)
        scores = self.average_clip(cls_scores.float(), num_segs=num_views)
        for sample, score in zip(data_samples, scores):
            set_pred_score(sample, score.detach())
            sample.set_pred_label(score.argmax(dim=-1, keepdim=True).detach())
        return data_samples
