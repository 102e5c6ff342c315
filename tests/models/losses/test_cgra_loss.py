"""CGRALoss against Eq. 5-6 written out with loops."""
import math

import pytest
import torch

from avcl_mm.models.losses.cgra_loss import CGRALoss


def _reference(f_v, f_a, lambd, center=False):
    """Eq. 6 then Eq. 5, one entry at a time."""
    v, a = f_v.double().tolist(), f_a.double().tolist()
    n, d = len(v), len(v[0])
    if center:
        mv = [sum(v[b][i] for b in range(n)) / n for i in range(d)]
        ma = [sum(a[b][i] for b in range(n)) / n for i in range(d)]
        v = [[v[b][i] - mv[i] for i in range(d)] for b in range(n)]
        a = [[a[b][i] - ma[i] for i in range(d)] for b in range(n)]
    loss = 0.0
    for i in range(d):
        for j in range(d):
            num = sum(v[b][i] * a[b][j] for b in range(n))
            den = math.sqrt(sum(v[b][i] ** 2 for b in range(n))) * \
                math.sqrt(sum(a[b][j] ** 2 for b in range(n)))
            c = num / den
            loss += (1 - c) ** 2 if i == j else lambd * c ** 2
    return loss


@pytest.mark.parametrize('lambd', [0.005, 0.5])
def test_matches_equations_written_with_loops(lambd):
    torch.manual_seed(0)
    f_v, f_a = torch.randn(6, 4), torch.randn(6, 4)
    got = CGRALoss(lambd=lambd)(f_v, f_a)
    assert got.item() == pytest.approx(_reference(f_v, f_a, lambd), rel=1e-5)


def test_center_option_matches_centred_reference():
    torch.manual_seed(1)
    f_v, f_a = torch.randn(5, 3) + 2, torch.randn(5, 3) - 1
    got = CGRALoss(lambd=0.1, center=True)(f_v, f_a)
    assert got.item() == pytest.approx(
        _reference(f_v, f_a, 0.1, center=True), rel=1e-5)


def test_no_centring_by_default():
    torch.manual_seed(2)
    f_v, f_a = torch.randn(5, 3) + 2, torch.randn(5, 3)
    plain = CGRALoss()(f_v, f_a)
    centred = CGRALoss(center=True)(f_v, f_a)
    assert not torch.isclose(plain, centred)


def test_zero_when_audio_equals_video_with_orthogonal_columns():
    # orthonormal columns: C = identity, so both terms vanish
    q, _ = torch.linalg.qr(torch.randn(8, 4, generator=torch.Generator()
                                       .manual_seed(3)))
    assert CGRALoss(lambd=1.0)(q, q).item() == pytest.approx(0.0, abs=1e-6)


def test_invariant_to_per_channel_positive_scaling():
    torch.manual_seed(4)
    f_v, f_a = torch.randn(6, 3), torch.randn(6, 3)
    scale = torch.tensor([0.1, 3.0, 50.0])
    torch.testing.assert_close(CGRALoss()(f_v * scale, f_a / scale),
                               CGRALoss()(f_v, f_a))


def test_loss_weight_scales_the_loss():
    torch.manual_seed(5)
    f_v, f_a = torch.randn(4, 3), torch.randn(4, 3)
    torch.testing.assert_close(CGRALoss(loss_weight=0.9)(f_v, f_a),
                               0.9 * CGRALoss()(f_v, f_a))


def test_zero_channel_gives_finite_loss_and_grads():
    f_v = torch.randn(4, 3)
    f_v[:, 1] = 0  # e.g. a channel switched off by the ReLU gate
    f_v.requires_grad_()
    f_a = torch.randn(4, 3, requires_grad=True)
    loss = CGRALoss()(f_v, f_a)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(f_v.grad).all() and torch.isfinite(f_a.grad).all()


def test_half_precision_input_computed_in_float32():
    torch.manual_seed(6)
    f_v, f_a = torch.randn(6, 4), torch.randn(6, 4)
    got = CGRALoss()(f_v.half(), f_a.half())
    assert got.dtype == torch.float32
    assert got.item() == pytest.approx(
        _reference(f_v.half().float(), f_a.half().float(), 0.005), rel=1e-4)


@pytest.mark.parametrize('shapes', [((4, 3), (4, 5)), ((4, 3), (5, 3)),
                                    ((4, 3, 2), (4, 3, 2))])
def test_rejects_mismatched_or_unpooled_features(shapes):
    with pytest.raises(ValueError, match='CGRALoss'):
        CGRALoss()(torch.randn(*shapes[0]), torch.randn(*shapes[1]))


@pytest.mark.parametrize('kwargs', [dict(lambd=-1), dict(eps=0)])
def test_rejects_invalid_arguments(kwargs):
    with pytest.raises(ValueError, match='CGRALoss'):
        CGRALoss(**kwargs)


def test_centring_needs_two_samples():
    with pytest.raises(ValueError, match='at least 2'):
        CGRALoss(center=True)(torch.randn(1, 3), torch.randn(1, 3))
