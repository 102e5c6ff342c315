"""linear_probe: logistic regression on frozen features."""
import pytest
import torch

from avcl_mm.evaluation.linear_probe import linear_probe


def _clusters(seed: int, per_class: int = 10):
    gen = torch.Generator().manual_seed(seed)
    centres = 4 * torch.eye(3, 8)
    labels = torch.arange(3 * per_class) % 3
    feats = centres[labels] + 0.5 * torch.randn(3 * per_class, 8,
                                                generator=gen)
    return feats, labels


@pytest.mark.parametrize('optimizer', ['lbfgs', 'sgd'])
def test_separable_clusters_are_classified_perfectly(optimizer):
    train, train_labels = _clusters(0)
    test, test_labels = _clusters(1)
    result = linear_probe(train, train_labels, test, test_labels,
                          optimizer=optimizer, epochs=30, topk=(1, 2))
    assert result == pytest.approx({'top1': 1.0, 'top2': 1.0,
                                    'mean_class_accuracy': 1.0})


# the class is the sign of the first coordinate
TRAIN = torch.tensor([[1.0, 0.2], [2.0, -0.3], [-1.0, 0.1], [-1.5, -0.2]])
TRAIN_LABELS = torch.tensor([1, 1, 0, 0])
TEST = torch.tensor([[-1.0, 0.0], [-2.0, 0.3], [-0.5, -0.1], [1.0, 0.0]])


def test_known_top1_with_one_mislabelled_test_point():
    test_labels = torch.tensor([0, 0, 0, 0])  # the last point is class 1
    result = linear_probe(TRAIN, TRAIN_LABELS, TEST, test_labels,
                          topk=(1, ))
    assert result == pytest.approx({'top1': 0.75,
                                    'mean_class_accuracy': 0.75})


def test_known_mean_class_accuracy_with_unbalanced_errors():
    # predictions 0, 0, 0, 1: class 0 gets 2 of 3 right, class 1 0 of 1
    test_labels = torch.tensor([0, 0, 1, 0])
    result = linear_probe(TRAIN, TRAIN_LABELS, TEST, test_labels,
                          topk=(1, ))
    assert result == pytest.approx({'top1': 0.5,
                                    'mean_class_accuracy': 1 / 3})


def test_sgd_is_deterministic_for_a_seed():
    torch.manual_seed(3)
    train, test = torch.randn(30, 6), torch.randn(20, 6)
    train_labels, test_labels = torch.arange(30) % 3, torch.arange(20) % 3
    runs = [linear_probe(train, train_labels, test, test_labels,
                         optimizer='sgd', epochs=5, batch_size=4, seed=7)
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_rejects_unknown_optimizer():
    train, labels = _clusters(0, per_class=2)
    with pytest.raises(ValueError, match='optimizer'):
        linear_probe(train, labels, train, labels, optimizer='adam')


def test_rejects_labels_beyond_num_classes():
    train, labels = _clusters(0, per_class=2)
    with pytest.raises(ValueError, match='num_classes=2'):
        linear_probe(train, labels, train, labels, num_classes=2)
