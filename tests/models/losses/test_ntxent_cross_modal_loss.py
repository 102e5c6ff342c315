"""NTXentCrossModalLoss against the SimCLR equation written out as loops."""
import math

import pytest
import torch

from avcl_mm.models.losses.ntxent_cross_modal_loss import NTXentCrossModalLoss


def reference_ntxent(v: torch.Tensor, a: torch.Tensor,
                     tau: float) -> torch.Tensor:
    """SimCLR's loss over the 2N views {v_i} U {a_i}, one anchor at a time."""
    n = v.shape[0]
    views = [x / x.norm() for x in list(v) + list(a)]
    total = 0.0
    for i in range(2 * n):
        positive = i + n if i < n else i - n
        numerator = torch.exp(views[i] @ views[positive] / tau)
        denominator = sum(
            torch.exp(views[i] @ views[k] / tau) for k in range(2 * n)
            if k != i)
        total = total - torch.log(numerator / denominator)
    return total / (2 * n)


def test_value_and_gradient_match_loop_reference():
    torch.manual_seed(0)
    v = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    a = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    loss = NTXentCrossModalLoss(temperature=0.3)(v, a)
    grad_v, grad_a = torch.autograd.grad(loss, (v, a))
    expected = reference_ntxent(v, a, 0.3)
    ref_v, ref_a = torch.autograd.grad(expected, (v, a))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    torch.testing.assert_close(grad_v.double(), ref_v, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(grad_a.double(), ref_a, rtol=1e-4, atol=1e-6)


def test_invariant_to_row_scaling_permutation_and_modality_swap():
    torch.manual_seed(1)
    v, a = torch.randn(6, 8), torch.randn(6, 8)
    loss_fn = NTXentCrossModalLoss()
    base = loss_fn(v, a)
    perm = torch.randperm(6)
    scale = torch.rand(6, 1) + 0.5
    torch.testing.assert_close(loss_fn(v * scale, a * 3.0), base)
    torch.testing.assert_close(loss_fn(v[perm], a[perm]), base)
    torch.testing.assert_close(loss_fn(a, v), base)


def test_aligned_pairs_have_lower_loss_than_random_pairs():
    torch.manual_seed(2)
    v = torch.randn(16, 32)
    loss_fn = NTXentCrossModalLoss()
    aligned = loss_fn(v, v + 0.05 * torch.randn(16, 32))
    shuffled = loss_fn(v, torch.randn(16, 32))
    assert aligned < shuffled


def test_identical_orthogonal_views_reach_the_closed_form():
    # v_i = a_i = e_i: s(v_i, a_i) = 1, every other similarity 0, so
    # loss = -log(e^(1/t) / (e^(1/t) + 2N - 2)).
    n, tau = 4, 0.5
    eye = torch.eye(n)
    expected = -math.log(math.exp(1 / tau) / (math.exp(1 / tau) + 2 * n - 2))
    assert NTXentCrossModalLoss(tau)(eye, eye).item() == pytest.approx(
        expected, rel=1e-6)


@pytest.mark.parametrize('temperature', [0, -0.1, 'x'])
def test_rejects_non_positive_temperature(temperature):
    with pytest.raises(ValueError, match='temperature'):
        NTXentCrossModalLoss(temperature=temperature)


def test_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match='same shape'):
        NTXentCrossModalLoss()(torch.randn(4, 8), torch.randn(3, 8))
    with pytest.raises(ValueError, match=r'\(N, D\)'):
        NTXentCrossModalLoss()(torch.randn(4, 8, 1), torch.randn(4, 8, 1))


def test_zero_features_give_finite_loss():
    loss = NTXentCrossModalLoss()(torch.zeros(3, 4), torch.zeros(3, 4))
    assert torch.isfinite(loss)


def test_half_precision_input_is_computed_in_float32():
    torch.manual_seed(3)
    v, a = torch.randn(4, 8), torch.randn(4, 8)
    loss_fn = NTXentCrossModalLoss(temperature=0.05)
    half = loss_fn(v.bfloat16(), a.bfloat16())
    assert half.dtype == torch.float32
    assert half.item() == pytest.approx(
        loss_fn(v.bfloat16().float(), a.bfloat16().float()).item())
