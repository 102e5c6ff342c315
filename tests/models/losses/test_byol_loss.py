"""BYOLLoss: 2 - 2 cos between online predictions and cross-modal targets."""
import pytest
import torch

from avcl_mm.models.losses.byol_loss import BYOLLoss


def reference_byol(p_v, p_a, z_v, z_a):
    """mean_i ||p^v_i/|p^v_i| - z^a_i/|z^a_i| ||^2 + the same for audio."""
    def one(p, z):
        return sum(((pi / pi.norm() - zi / zi.norm())**2).sum()
                   for pi, zi in zip(p, z)) / p.shape[0]
    return one(p_v, z_a) + one(p_a, z_v)


def test_value_and_gradient_match_squared_distance_reference():
    torch.manual_seed(0)
    p_v, p_a = [torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
                for _ in range(2)]
    z_v, z_a = torch.randn(4, 5).double(), torch.randn(4, 5).double()
    loss = BYOLLoss()(p_v, p_a, z_v, z_a)
    expected = reference_byol(p_v, p_a, z_v, z_a)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    for grad, ref in zip(torch.autograd.grad(loss, (p_v, p_a)),
                         torch.autograd.grad(expected, (p_v, p_a))):
        torch.testing.assert_close(grad, ref)


def test_targets_receive_no_gradient():
    p_v, p_a, z_v, z_a = [torch.randn(3, 4, requires_grad=True)
                          for _ in range(4)]
    BYOLLoss()(p_v, p_a, z_v, z_a).backward()
    assert z_v.grad is None and z_a.grad is None
    assert p_v.grad is not None and p_a.grad is not None


def test_is_zero_for_aligned_and_four_for_opposite_pairs():
    x = torch.randn(3, 4)
    y = torch.randn(3, 4)
    # the video prediction is compared with the audio target and vice versa
    assert BYOLLoss()(x, y, 2 * y, 0.5 * x).item() == pytest.approx(
        0.0, abs=1e-6)
    assert BYOLLoss()(x, y, -y, -x).item() == pytest.approx(8.0, abs=1e-5)


def test_rejects_mismatched_prediction_and_target():
    with pytest.raises(ValueError, match='pred_v'):
        BYOLLoss()(torch.randn(2, 4), torch.randn(2, 4), torch.randn(2, 3),
                   torch.randn(2, 3))
