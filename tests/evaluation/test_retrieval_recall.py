"""retrieval_recall: Recall@k of cosine nearest neighbours."""
import math

import pytest
import torch

from avcl_mm.evaluation.retrieval import retrieval_recall


def _at(degrees):
    rad = [math.radians(d) for d in degrees]
    return torch.tensor([[math.cos(r), math.sin(r)] for r in rad])


# gallery: 5 items at 0, 20, 40, 90 and 180 degrees
GALLERY = _at([0, 20, 40, 90, 180])
GALLERY_LABELS = torch.tensor([0, 1, 1, 2, 0])


def test_hand_computed_recalls_of_a_five_item_gallery():
    # query at 15 deg, class 1: ranking g1, g0, g2, ... -> first hit rank 1
    # query at  5 deg, class 2: ranking g0, g1, g2, g3 -> first hit rank 4
    # query at 170 deg, class 0: ranking g4, ...       -> first hit rank 1
    # query at 60 deg, class 2: ranking g2, g3, ...    -> first hit rank 2
    queries = _at([15, 5, 170, 60])
    labels = torch.tensor([1, 2, 0, 2])
    result = retrieval_recall(queries, labels, GALLERY, GALLERY_LABELS,
                              ks=(1, 2, 3, 4, 5))
    assert result == pytest.approx({'recall@1': 0.5, 'recall@2': 0.75,
                                    'recall@3': 0.75, 'recall@4': 1.0,
                                    'recall@5': 1.0})


def test_is_scale_invariant_and_batched():
    queries = _at([15, 5, 170, 60]) * torch.tensor([[3.0], [0.1], [1.0],
                                                    [7.0]])
    labels = torch.tensor([1, 2, 0, 2])
    result = retrieval_recall(queries, labels, GALLERY * 2, GALLERY_LABELS,
                              ks=(1, 2), batch_size=3)
    assert result == pytest.approx({'recall@1': 0.5, 'recall@2': 0.75})


def test_class_absent_from_gallery_is_never_recalled():
    result = retrieval_recall(_at([0]), torch.tensor([9]), GALLERY,
                              GALLERY_LABELS, ks=(1, 5))
    assert result == {'recall@1': 0.0, 'recall@5': 0.0}


def test_rejects_k_larger_than_gallery():
    with pytest.raises(ValueError, match='gallery size'):
        retrieval_recall(_at([0]), torch.tensor([0]), GALLERY,
                         GALLERY_LABELS, ks=(1, 10))


def test_rejects_label_count_mismatch():
    with pytest.raises(ValueError, match='gallery_labels'):
        retrieval_recall(_at([0]), torch.tensor([0]), GALLERY,
                         GALLERY_LABELS[:4], ks=(1, ))
