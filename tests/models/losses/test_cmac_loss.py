"""CMACLoss (CMAC Eq. 6-8) and CMACSaliencyHead (Eq. 5) against hand
computations."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from avcl_mm.models.losses.cmac_loss import CMACLoss, CMACSaliencyHead
from avcl_mm.models.necks.cmac_pcf import CMACPyramidCorrelation

TAU = 0.5


def unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True)


def reference_cl(q, k, queue_cross, queue_within, batch_negatives=True):
    """Eq. 7 for each query: the positive key over the other-modality keys
    of the batch, the other-modality queue and the same-modality queue."""
    sim = lambda x, y: math.exp(float(unit(x) @ unit(y)) / TAU)  # noqa
    total = 0.0
    for n in range(len(q)):
        num = sim(q[n], k[n])
        den = sum(sim(q[n], k[m]) for m in range(len(k))) \
            if batch_negatives else num
        den += sum(sim(q[n], x) for x in queue_cross)
        den += sum(sim(q[n], x) for x in queue_within)
        total -= math.log(num / den)
    return total / len(q)


def make_loss(**kwargs) -> CMACLoss:
    loss_fn = CMACLoss(temperature=TAU, queue_size=5, feat_dim=3, **kwargs)
    gen = torch.Generator().manual_seed(9)
    with torch.no_grad():
        loss_fn.queue.video.copy_(unit(torch.randn(5, 3, generator=gen)))
        loss_fn.queue.audio.copy_(unit(torch.randn(5, 3, generator=gen)))
    return loss_fn


def inputs(seed=0, n=4):
    gen = torch.Generator().manual_seed(seed)
    q_v, q_a, k_v, k_a = [torch.randn(n, 3, generator=gen) for _ in range(4)]
    s_v, sal_v = torch.rand(n, 2, 3, 3, generator=gen), torch.rand(
        n, 2, 3, 3, generator=gen)
    s_a, sal_a = torch.rand(n, 4, 5, generator=gen), torch.rand(
        n, 4, 5, generator=gen)
    return q_v, q_a, s_v, s_a, sal_v, sal_a, k_v, k_a


@pytest.mark.parametrize('batch_negatives', [True, False])
def test_contrastive_part_matches_eq_7_loop_reference(batch_negatives):
    loss_fn = make_loss(batch_negatives=batch_negatives).eval()
    q_v, q_a, s_v, s_a, sal_v, sal_a, k_v, k_a = inputs()
    parts = loss_fn.loss_parts(q_v, q_a, s_v, s_a, sal_v, sal_a, k_v, k_a)
    qv, qa = loss_fn.queue.video, loss_fn.queue.audio
    expected = reference_cl(q_v, k_a, qa, qv, batch_negatives) + \
        reference_cl(q_a, k_v, qv, qa, batch_negatives)
    assert parts['loss_cl'].item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize('reduction', ['sum', 'mean'])
def test_attention_consistency_matches_hand_computation(reduction):
    loss_fn = make_loss(lambda_ac=1.5, ac_reduction=reduction).eval()
    q_v, q_a, s_v, s_a, sal_v, sal_a, k_v, k_a = inputs()
    parts = loss_fn.loss_parts(q_v, q_a, s_v, s_a, sal_v, sal_a, k_v, k_a)
    expected = 0.0
    for s, sal in ((s_v, sal_v), (s_a, sal_a)):
        for n in range(4):
            sq = [(x - y) ** 2 for x, y in zip(s[n].flatten().tolist(),
                                               sal[n].flatten().tolist())]
            expected += sum(sq) if reduction == 'sum' else sum(sq) / len(sq)
    assert parts['loss_ac'].item() == pytest.approx(1.5 * expected / 4,
                                                    rel=1e-5)


def test_total_is_cl_plus_weighted_consistency():
    loss_fn = make_loss().eval()
    args = inputs()
    parts = loss_fn.loss_parts(*args)
    assert loss_fn(*args).item() == pytest.approx(
        (parts['loss_cl'] + parts['loss_ac']).item(), rel=1e-6)


def test_pcf_target_is_detached_unless_asked():
    for detach, has_grad in ((True, False), (False, True)):
        loss_fn = make_loss(detach_target=detach).eval()
        q_v, q_a, s_v, s_a, sal_v, sal_a, k_v, k_a = inputs()
        s_v.requires_grad_(True)
        sal_v.requires_grad_(True)
        loss_fn(q_v, q_a, s_v, s_a, sal_v, sal_a, k_v, k_a).backward()
        assert (s_v.grad is not None) == has_grad
        assert sal_v.grad.abs().sum() > 0


def test_keys_enter_the_queue_in_training_and_wrap_around():
    loss_fn = make_loss()
    old_v = loss_fn.queue.video.clone()
    q_v, q_a, s_v, s_a, sal_v, sal_a, k_v, k_a = inputs(n=3)
    loss_fn(q_v, q_a, s_v, s_a, sal_v, sal_a, k_v, k_a)
    torch.testing.assert_close(loss_fn.queue.video[:3], unit(k_v))
    torch.testing.assert_close(loss_fn.queue.audio[:3], unit(k_a))
    assert torch.equal(loss_fn.queue.video[3:], old_v[3:])
    loss_fn(q_v, q_a, s_v, s_a, sal_v, sal_a, k_v.flip(0), k_a)
    torch.testing.assert_close(loss_fn.queue.video[[3, 4, 0]], unit(k_v.flip(0)))
    assert loss_fn.queue.ptr.item() == 1
    frozen = loss_fn.queue.video.clone()
    loss_fn.eval()(q_v, q_a, s_v, s_a, sal_v, sal_a, k_v, k_a)
    assert torch.equal(loss_fn.queue.video, frozen)


def test_saliency_head_outputs_probabilities_without_channel_axis():
    head = CMACSaliencyHead(6, 4)
    assert head(torch.randn(2, 6, 3, 4, 4)).shape == (2, 3, 4, 4)
    out = head(torch.randn(2, 6, 5, 7))
    assert out.shape == (2, 5, 7) and out.min() > 0 and out.max() < 1


def test_mismatched_maps_and_features_raise_clear_errors():
    loss_fn = make_loss()
    q_v, q_a, s_v, s_a, sal_v, sal_a, k_v, k_a = inputs()
    with pytest.raises(ValueError, match='saliency map'):
        loss_fn(q_v, q_a, s_v, s_a, sal_v[:, :1], sal_a)
    with pytest.raises(ValueError, match='feat_dim'):
        loss_fn(q_v[:, :2], q_a[:, :2], s_v, s_a, sal_v, sal_a)
    with pytest.raises(ValueError, match='CMACLoss'):
        CMACLoss(temperature=0)


def test_cmac_loss_falls_over_sgd_steps_with_tiny_linear_encoders():
    torch.manual_seed(0)
    video, audio = torch.randn(4, 3, 2, 4, 4), torch.randn(4, 2, 6, 5)
    enc_v, enc_a = nn.Conv3d(3, 8, 1), nn.Conv2d(2, 8, 1)  # linear maps
    pcf = CMACPyramidCorrelation(8, 8, 8)
    proj_v, proj_a = nn.Linear(8, 3), nn.Linear(8, 3)
    sal_v, sal_a = CMACSaliencyHead(8, 4), CMACSaliencyHead(8, 4)
    # frozen queue: with one fixed batch, enqueued keys would be copies of
    # the positives and the loss could not fall
    loss_fn = CMACLoss(temperature=TAU, queue_size=8, feat_dim=3).eval()
    modules = nn.ModuleList([enc_v, enc_a, pcf, proj_v, proj_a, sal_v, sal_a])
    opt = torch.optim.SGD(modules.parameters(), lr=0.05)
    losses = []
    for _ in range(25):
        f_v, f_a = enc_v(video), enc_a(audio)
        kappa_v, kappa_a, s_v, s_a = pcf((f_v, f_a))
        loss = loss_fn(proj_v(kappa_v), proj_a(kappa_a), s_v, s_a,
                       sal_v(f_v), sal_a(f_a))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-5:]) / 5 < 0.8 * sum(losses[:5]) / 5
