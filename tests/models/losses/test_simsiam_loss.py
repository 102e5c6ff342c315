"""SimSiamLoss: symmetric negative cosine with stop-gradient."""
import pytest
import torch

from avcl_mm.models.losses.simsiam_loss import SimSiamLoss


def reference_simsiam(p_v, p_a, z_v, z_a):
    """1/2 D(p^v, z^a) + 1/2 D(p^a, z^v), D = -mean cosine, as loops."""
    def d(p, z):
        return -sum(pi @ zi / (pi.norm() * zi.norm())
                    for pi, zi in zip(p, z)) / p.shape[0]
    return 0.5 * d(p_v, z_a) + 0.5 * d(p_a, z_v)


def test_value_and_gradient_match_loop_reference():
    torch.manual_seed(0)
    p_v, p_a = [torch.randn(4, 6, dtype=torch.float64, requires_grad=True)
                for _ in range(2)]
    z_v, z_a = torch.randn(4, 6).double(), torch.randn(4, 6).double()
    loss = SimSiamLoss()(p_v, p_a, z_v, z_a)
    expected = reference_simsiam(p_v, p_a, z_v, z_a)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    for grad, ref in zip(torch.autograd.grad(loss, (p_v, p_a)),
                         torch.autograd.grad(expected, (p_v, p_a))):
        torch.testing.assert_close(grad, ref)


def test_projections_are_stop_gradient():
    p_v, p_a, z_v, z_a = [torch.randn(3, 4, requires_grad=True)
                          for _ in range(4)]
    SimSiamLoss()(p_v, p_a, z_v, z_a).backward()
    assert z_v.grad is None and z_a.grad is None
    assert p_v.grad is not None


def test_bounds_for_aligned_and_opposite_pairs():
    x, y = torch.randn(3, 4), torch.randn(3, 4)
    assert SimSiamLoss()(x, y, y, x).item() == pytest.approx(-1.0, abs=1e-6)
    assert SimSiamLoss()(x, y, -y, -x).item() == pytest.approx(1.0, abs=1e-6)


def test_rejects_non_matrix_input():
    with pytest.raises(ValueError, match='pred_v'):
        SimSiamLoss()(torch.randn(4), torch.randn(4), torch.randn(4),
                      torch.randn(4))
