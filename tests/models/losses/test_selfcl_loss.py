"""SelfCLLoss against Eq. 7-10 written out with loops."""
import math

import pytest
import torch

from avcl_mm.models.losses.selfcl_loss import SelfCLLoss


def _cos(x, y):
    dot = sum(p * q for p, q in zip(x, y))
    return dot / (math.sqrt(sum(p * p for p in x)) *
                  math.sqrt(sum(q * q for q in y)))


def _reference(f_v, f_a, tau, reduction='mean'):
    """Eq. 8 for h, Eq. 7 and 9 per sample, Eq. 10 for the sum."""
    v, a = f_v.double().tolist(), f_a.double().tolist()
    n = len(v)

    def h(x, y):
        return math.exp(_cos(x, y) / tau)

    def term(x, y, i):
        den = sum(h(x[i], y[j]) for j in range(n)) + \
            sum(h(x[i], x[j]) for j in range(n) if j != i)
        return -math.log(h(x[i], y[i]) / den)

    l_v = [term(v, a, i) for i in range(n)]
    l_a = [term(a, v, i) for i in range(n)]
    if reduction == 'mean':
        return sum(l_v) / n + sum(l_a) / n
    return sum(l_v) + sum(l_a)


@pytest.mark.parametrize('tau', [0.07, 0.5])
@pytest.mark.parametrize('reduction', ['mean', 'sum'])
def test_matches_equations_written_with_loops(tau, reduction):
    torch.manual_seed(0)
    f_v, f_a = torch.randn(5, 4), torch.randn(5, 4)
    got = SelfCLLoss(temperature=tau, reduction=reduction)(f_v, f_a)
    assert got.item() == pytest.approx(
        _reference(f_v, f_a, tau, reduction), rel=1e-5)


def test_invariant_to_per_sample_feature_scaling():
    torch.manual_seed(1)
    f_v, f_a = torch.randn(4, 3), torch.randn(4, 3)
    scale = torch.tensor([[0.01], [2.0], [30.0], [1e3]])
    torch.testing.assert_close(SelfCLLoss()(f_v * scale, f_a / scale),
                               SelfCLLoss()(f_v, f_a))


def test_symmetric_in_the_two_modalities():
    torch.manual_seed(2)
    f_v, f_a = torch.randn(4, 3), torch.randn(4, 3)
    torch.testing.assert_close(SelfCLLoss()(f_v, f_a), SelfCLLoss()(f_a, f_v))


def test_aligned_pairs_score_lower_than_shuffled_pairs():
    torch.manual_seed(3)
    f_v = torch.randn(6, 8)
    f_a = f_v + 0.05 * torch.randn(6, 8)
    loss = SelfCLLoss()
    assert loss(f_v, f_a) < loss(f_v, f_a.roll(1, dims=0))


def test_stable_at_tiny_temperature():
    torch.manual_seed(4)
    f_v = torch.randn(4, 3, requires_grad=True)
    f_a = torch.randn(4, 3, requires_grad=True)
    loss = SelfCLLoss(temperature=1e-3)(f_v, f_a)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(f_v.grad).all() and torch.isfinite(f_a.grad).all()


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_low_precision_input_computed_in_float32(dtype):
    torch.manual_seed(5)
    f_v, f_a = torch.randn(5, 4).to(dtype), torch.randn(5, 4).to(dtype)
    got = SelfCLLoss(temperature=0.1)(f_v, f_a)
    assert got.dtype == torch.float32
    assert got.item() == pytest.approx(
        _reference(f_v.float(), f_a.float(), 0.1), rel=1e-5)


def test_single_pair_has_zero_loss():
    # the only candidate is the positive itself
    assert SelfCLLoss()(torch.randn(1, 3), torch.randn(1, 3)).item() == \
        pytest.approx(0.0, abs=1e-6)


def test_loss_weight_scales_the_loss():
    torch.manual_seed(6)
    f_v, f_a = torch.randn(4, 3), torch.randn(4, 3)
    torch.testing.assert_close(SelfCLLoss(loss_weight=0.1)(f_v, f_a),
                               0.1 * SelfCLLoss()(f_v, f_a))


@pytest.mark.parametrize('kwargs', [dict(temperature=0),
                                    dict(reduction='none')])
def test_rejects_invalid_arguments(kwargs):
    with pytest.raises(ValueError, match='SelfCLLoss'):
        SelfCLLoss(**kwargs)


def test_rejects_mismatched_features():
    with pytest.raises(ValueError, match='same shape'):
        SelfCLLoss()(torch.randn(4, 3), torch.randn(4, 5))
