"""BarlowTwinsLoss against the cross-correlation equation as loops."""
import pytest
import torch

from avcl_mm.models.losses.barlow_twins_loss import BarlowTwinsLoss


def reference_barlow(z_v, z_a, lambd, eps):
    n, d = z_v.shape

    def standardise(z, k):
        mean = sum(z[b, k] for b in range(n)) / n
        var = sum((z[b, k] - mean)**2 for b in range(n)) / n
        return [(z[b, k] - mean) / torch.sqrt(var + eps) for b in range(n)]

    hat_v = [standardise(z_v, k) for k in range(d)]
    hat_a = [standardise(z_a, k) for k in range(d)]
    loss = 0.0
    for i in range(d):
        for j in range(d):
            c_ij = sum(hat_v[i][b] * hat_a[j][b] for b in range(n)) / n
            loss = loss + ((1 - c_ij)**2 if i == j else lambd * c_ij**2)
    return loss


def test_value_and_gradient_match_loop_reference():
    torch.manual_seed(0)
    z_v, z_a = [torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
                for _ in range(2)]
    loss = BarlowTwinsLoss(lambd=0.3, scale_loss=2.0)(z_v, z_a)
    expected = 2.0 * reference_barlow(z_v, z_a, 0.3, 1e-5)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    for grad, ref in zip(torch.autograd.grad(loss, (z_v, z_a)),
                         torch.autograd.grad(expected, (z_v, z_a))):
        torch.testing.assert_close(grad, ref)


def test_identical_decorrelated_features_give_zero_loss():
    z = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    loss = BarlowTwinsLoss(eps=1e-12)(z, z)
    assert loss.item() == pytest.approx(0.0, abs=1e-6)


def test_invariant_to_per_dimension_affine_maps():
    torch.manual_seed(1)
    z_v, z_a = torch.randn(8, 4), torch.randn(8, 4)
    loss_fn = BarlowTwinsLoss(eps=1e-12)
    scale, shift = torch.rand(4) + 0.5, torch.randn(4)
    torch.testing.assert_close(loss_fn(z_v * scale + shift, z_a - shift),
                               loss_fn(z_v, z_a))


def test_correlated_pairs_have_lower_loss_than_independent():
    torch.manual_seed(2)
    z = torch.randn(32, 8)
    loss_fn = BarlowTwinsLoss()
    assert loss_fn(z, z + 0.1 * torch.randn(32, 8)) < loss_fn(
        z, torch.randn(32, 8))


def test_constant_dimension_gives_finite_loss():
    z = torch.randn(4, 3)
    z[:, 0] = 5.0
    assert torch.isfinite(BarlowTwinsLoss()(z, z))


def test_rejects_single_clip_batch():
    with pytest.raises(ValueError, match='at least 2'):
        BarlowTwinsLoss()(torch.randn(1, 4), torch.randn(1, 4))


@pytest.mark.parametrize('kwargs', [dict(lambd=-1), dict(scale_loss=0),
                                    dict(eps=0)])
def test_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match='BarlowTwinsLoss'):
        BarlowTwinsLoss(**kwargs)
