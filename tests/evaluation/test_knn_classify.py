"""knn_classify: InstDisc weighted vote on cosine neighbours."""
import math

import pytest
import torch

from avcl_mm.evaluation.knn import knn_classify

# unit vectors at 0, 90, 45 and 180 degrees
TRAIN = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]])
LABELS = torch.tensor([0, 1, 1, 0])
QUERY = torch.tensor([[2.0, 0.0]])


def test_vote_weights_follow_exp_cosine_over_temperature():
    # neighbours of (1, 0) with k=3: cos 1 (label 0), cos 0.707 (label 1),
    # cos 0 (label 1)
    preds, scores = knn_classify(TRAIN, LABELS, QUERY, k=3, temperature=1.0)
    w0, w1 = math.exp(1.0), math.exp(math.sqrt(0.5)) + math.exp(0.0)
    expected = torch.tensor([[w0, w1]]) / (w0 + w1)
    torch.testing.assert_close(scores, expected)
    assert preds.tolist() == [1]  # two weaker neighbours outvote one


def test_low_temperature_lets_the_nearest_neighbour_win():
    preds, _ = knn_classify(TRAIN, LABELS, QUERY, k=3, temperature=0.1)
    assert preds.tolist() == [0]


def test_k_equal_one_is_the_nearest_neighbour():
    test = torch.tensor([[0.1, 1.0], [-1.0, 0.2], [1.0, 0.9]])
    preds, _ = knn_classify(TRAIN, LABELS, test, k=1)
    assert preds.tolist() == [1, 0, 1]


def test_recovers_labels_of_separated_clusters_in_chunks():
    torch.manual_seed(0)
    centres = torch.eye(4, 16) * 5
    train_labels = torch.arange(40) % 4
    test_labels = torch.arange(12) % 4
    train = centres[train_labels] + 0.3 * torch.randn(40, 16)
    test = centres[test_labels] + 0.3 * torch.randn(12, 16)
    preds, scores = knn_classify(train, train_labels, test, k=5,
                                 num_classes=6, batch_size=5)
    assert preds.tolist() == test_labels.tolist()
    assert scores.shape == (12, 6)
    torch.testing.assert_close(scores.sum(1), torch.ones(12))


def test_rejects_k_larger_than_training_set():
    with pytest.raises(ValueError, match='k must be'):
        knn_classify(TRAIN, LABELS, QUERY, k=5)


def test_rejects_labels_beyond_num_classes():
    with pytest.raises(ValueError, match='num_classes=1'):
        knn_classify(TRAIN, LABELS, QUERY, k=2, num_classes=1)


def test_rejects_feature_size_mismatch():
    with pytest.raises(ValueError, match='channels'):
        knn_classify(TRAIN, LABELS, torch.randn(1, 3), k=2)
