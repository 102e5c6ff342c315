"""One place for the ``ActionDataSample`` API difference between mmaction2
1.1 (``gt_labels`` / ``pred_scores`` holding a ``LabelData`` with ``.item``)
and 1.2 (``gt_label`` / ``pred_score`` holding a tensor).

Everything in avcl_mm reads and writes labels and scores through these
helpers, so the plugin runs on both the pinned 1.1.0 wheel and 1.2 built from
source.
"""
from typing import Optional

import torch
from mmaction.structures import ActionDataSample

# mmaction2 >= 1.2 has ``set_gt_label``; 1.1 has ``set_gt_labels``.
IS_MMACTION_1_2 = hasattr(ActionDataSample, 'set_gt_label')


def has_gt_label(data_sample: ActionDataSample) -> bool:
    """Whether the sample carries a ground-truth label."""
    if IS_MMACTION_1_2:
        return 'gt_label' in data_sample
    return 'gt_labels' in data_sample


def get_gt_label(data_sample: ActionDataSample) -> Optional[torch.Tensor]:
    """Return the ground-truth label tensor (shape ``(1,)`` for single-label
    data) or ``None`` when the sample has none."""
    if not has_gt_label(data_sample):
        return None
    if IS_MMACTION_1_2:
        return data_sample.gt_label
    return data_sample.gt_labels.item


def set_gt_label(data_sample: ActionDataSample, label) -> ActionDataSample:
    """Attach a ground-truth label (int, sequence or tensor)."""
    if IS_MMACTION_1_2:
        return data_sample.set_gt_label(label)
    return data_sample.set_gt_labels(label)


def get_pred_score(data_sample: ActionDataSample) -> Optional[torch.Tensor]:
    """Return the predicted class scores ``(num_classes,)`` or ``None``."""
    if IS_MMACTION_1_2:
        return data_sample.get('pred_score')
    scores = data_sample.get('pred_scores')
    return None if scores is None else scores.item


def set_pred_score(data_sample: ActionDataSample,
                   score: torch.Tensor) -> ActionDataSample:
    """Attach predicted class scores ``(num_classes,)``."""
    # Both versions name the setter ``set_pred_score``; 1.1 stores the result
    # under ``pred_scores``, 1.2 under ``pred_score``.
    return data_sample.set_pred_score(score)
