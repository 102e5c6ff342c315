"""InvariantInfoClusteringLoss (Ji et al.) against the mutual information
equation as loops."""
import math

import pytest
import torch

from avcl_mm.models.losses.invariant_info_clustering_loss import \
    InvariantInfoClusteringLoss as ClusterLoss


def reference_neg_mutual_information(logits_v, logits_a):
    n, c = logits_v.shape
    phi_v, phi_a = logits_v.softmax(dim=1), logits_a.softmax(dim=1)
    joint = [[sum(phi_v[b, i] * phi_a[b, j] for b in range(n)) / n
              for j in range(c)] for i in range(c)]
    sym = [[(joint[i][j] + joint[j][i]) / 2 for j in range(c)]
           for i in range(c)]
    row = [sum(sym[i][j] for j in range(c)) for i in range(c)]
    col = [sum(sym[i][j] for i in range(c)) for j in range(c)]
    mi = sum(sym[i][j] * torch.log(sym[i][j] / (row[i] * col[j]))
             for i in range(c) for j in range(c))
    return -mi


def test_value_and_gradient_match_loop_reference():
    torch.manual_seed(0)
    logits_v, logits_a = [torch.randn(7, 3, dtype=torch.float64,
                                      requires_grad=True) for _ in range(2)]
    loss = ClusterLoss(num_clusters=3)(logits_v, logits_a)
    expected = reference_neg_mutual_information(logits_v, logits_a)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    for grad, ref in zip(torch.autograd.grad(loss, (logits_v, logits_a)),
                         torch.autograd.grad(expected, (logits_v, logits_a))):
        torch.testing.assert_close(grad, ref)


def test_paired_uniform_one_hot_assignments_reach_minus_log_c():
    labels = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])
    logits = 60.0 * torch.nn.functional.one_hot(labels, 4).double()
    loss = ClusterLoss(num_clusters=4)(logits, logits)
    assert loss.item() == pytest.approx(-math.log(4), abs=1e-6)


def test_paired_assignments_beat_independent_ones():
    torch.manual_seed(1)
    logits = 5 * torch.randn(64, 5)
    loss_fn = ClusterLoss(num_clusters=5)
    assert loss_fn(logits, logits) < loss_fn(logits, 5 * torch.randn(64, 5))


def test_symmetric_in_modalities_and_invariant_to_logit_shift():
    torch.manual_seed(2)
    logits_v, logits_a = torch.randn(6, 4), torch.randn(6, 4)
    loss_fn = ClusterLoss(num_clusters=4)
    base = loss_fn(logits_v, logits_a)
    torch.testing.assert_close(loss_fn(logits_a, logits_v), base)
    torch.testing.assert_close(loss_fn(logits_v + 3.0, logits_a), base)


def test_collapsed_assignments_give_zero_and_finite_gradient():
    logits = torch.tensor([[50.0, 0.0, 0.0]] * 4, requires_grad=True)
    loss = ClusterLoss(num_clusters=3)(logits, logits)
    loss.backward()
    assert loss.item() == pytest.approx(0.0, abs=1e-6)
    assert torch.isfinite(logits.grad).all()


def test_rejects_logits_of_wrong_width():
    with pytest.raises(ValueError, match='num_clusters=4'):
        ClusterLoss(num_clusters=4)(torch.randn(3, 5), torch.randn(3, 5))


@pytest.mark.parametrize('kwargs', [dict(num_clusters=1),
                                    dict(num_clusters=3, eps=0)])
def test_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match='InvariantInfoClusteringLoss'):
        ClusterLoss(**kwargs)
