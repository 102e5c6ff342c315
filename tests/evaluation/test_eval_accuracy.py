"""top_k_accuracy, mean_class_accuracy and classification_metrics."""
import numpy as np
import pytest
import torch
from mmaction.evaluation.functional import mean_class_accuracy as mma_mca
from mmaction.evaluation.functional import top_k_accuracy as mma_topk

from avcl_mm.evaluation.accuracy import (classification_metrics,
                                         mean_class_accuracy, top_k_accuracy)

SCORES = torch.tensor([[0.1, 0.7, 0.2],   # label 1: top-1 hit
                       [0.5, 0.3, 0.2],   # label 1: top-2 hit
                       [0.6, 0.1, 0.3],   # label 2: top-2 hit
                       [0.2, 0.3, 0.5]])  # label 0: miss at top-2
LABELS = torch.tensor([1, 1, 2, 0])


def test_top_k_accuracy_of_a_hand_computed_example():
    result = top_k_accuracy(SCORES, LABELS, topk=(1, 2, 3))
    assert result == pytest.approx({'top1': 0.25, 'top2': 0.75, 'top3': 1.0})


def test_mean_class_accuracy_of_a_hand_computed_example():
    # class 0: 0/1, class 1: 1/2, class 2: 0/1
    assert mean_class_accuracy(SCORES.argmax(1), LABELS) == pytest.approx(
        0.5 / 3)


def test_only_predicted_classes_do_not_enter_the_mean():
    preds, labels = torch.tensor([0, 0, 5]), torch.tensor([0, 0, 1])
    assert mean_class_accuracy(preds, labels) == pytest.approx(0.5)


def test_agrees_with_mmaction_functions_on_random_scores():
    rng = np.random.default_rng(0)
    scores = rng.random((40, 6))
    labels = np.arange(40) % 6
    scores[np.arange(6), np.arange(6)] += 2  # every class gets predicted
    ours = classification_metrics(torch.from_numpy(scores),
                                  torch.from_numpy(labels), topk=(1, 5))
    top1, top5 = mma_topk(list(scores), list(labels), topk=(1, 5))
    assert ours['top1'] == pytest.approx(top1)
    assert ours['top5'] == pytest.approx(top5)
    assert ours['mean_class_accuracy'] == pytest.approx(
        mma_mca(list(scores), list(labels)))


def test_k_above_number_of_classes_counts_every_sample():
    assert top_k_accuracy(SCORES, LABELS, topk=(5, ))['top5'] == 1.0


def test_rejects_label_count_mismatch():
    with pytest.raises(ValueError, match='labels'):
        top_k_accuracy(SCORES, LABELS[:3])
