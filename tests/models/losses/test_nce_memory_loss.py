"""AVIDNCELoss against AVID Eq. 1-6 written out as loops on a tiny bank."""
import io
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from avcl_mm.models.losses.nce_memory_loss import AVIDNCELoss

N, D, K, TAU = 6, 3, 4, 0.5
PAIRS = {'self': [('v', 'v'), ('a', 'a')], 'cross': [('v', 'a'), ('a', 'v')],
         'joint': [('v', 'v'), ('a', 'a'), ('v', 'a'), ('a', 'v')]}


def unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True)


def reference_z_bar(queries, bank, negs) -> float:
    """Z̄ = mean of exp(x·x̄_j/τ) over all drawn negatives of the batch."""
    vals = [math.exp(float(queries[i] @ bank[j]) / TAU)
            for i in range(len(queries)) for j in negs[i]]
    return sum(vals) / len(vals)


def reference_nce(x, pos, negs, z_bar) -> float:
    """Eq. 3 with P(D=1|x, x̄) = e^{x·x̄/τ} / (e^{x·x̄/τ} + K Z̄) (Eq. 2)."""
    def p_data(m):
        e = math.exp(float(x @ m) / TAU)
        return e / (e + len(negs) * z_bar)
    return -math.log(p_data(pos)) - sum(math.log(1 - p_data(m))
                                        for m in negs)


def setup_batch(seed=0):
    gen = torch.Generator().manual_seed(seed)
    z_v, z_a = torch.randn(3, D, generator=gen), torch.randn(3, D,
                                                            generator=gen)
    idx = torch.tensor([4, 0, 2])
    negs = torch.randint(0, N, (3, K), generator=gen)
    return z_v, z_a, idx, negs


@pytest.mark.parametrize('reduction', ['mean', 'sum'])
@pytest.mark.parametrize('target', ['self', 'cross', 'joint'])
def test_value_matches_loop_reference_for_each_variant(target, reduction):
    loss_fn = AVIDNCELoss(N, feat_dim=D, num_negatives=K, temperature=TAU,
                          target=target, term_reduction=reduction).eval()
    z_v, z_a, idx, negs = setup_batch()
    banks = {'v': loss_fn.memory_v.clone(), 'a': loss_fn.memory_a.clone()}
    loss = loss_fn(z_v, z_a, idx, neg_indices=negs)
    feats = {'v': unit(z_v), 'a': unit(z_a)}
    expected = 0.0
    for q, m in PAIRS[target]:
        z_bar = reference_z_bar(feats[q], banks[m], negs)
        for i in range(3):
            expected += reference_nce(feats[q][i], banks[m][idx[i]],
                                      [banks[m][j] for j in negs[i]], z_bar)
    # official code: the terms of Eq. 4-6 averaged; 'sum' as printed
    terms = len(PAIRS[target]) if reduction == 'mean' else 1
    assert loss.item() == pytest.approx(expected / 3 / terms, rel=1e-5)


def test_z_bar_is_estimated_once_then_fixed():
    loss_fn = AVIDNCELoss(N, feat_dim=D, num_negatives=K, temperature=TAU)
    z_v, z_a, idx, negs = setup_batch(0)
    loss_fn(z_v, z_a, idx, neg_indices=negs)
    first = loss_fn.z_bar.clone()
    assert first[1] > 0 and first[2] > 0  # v2a, a2v estimated
    z_v2, z_a2, _, negs2 = setup_batch(1)
    loss_fn(z_v2, z_a2, idx, neg_indices=negs2)
    assert torch.equal(loss_fn.z_bar, first)
    assert first[0] == 0 and first[3] == 0  # v2v, a2a unused by 'cross'


def test_first_z_bar_equals_mean_exp_over_negatives():
    loss_fn = AVIDNCELoss(N, feat_dim=D, num_negatives=K, temperature=TAU)
    bank_a = loss_fn.memory_a.clone()
    z_v, z_a, idx, negs = setup_batch(0)
    loss_fn(z_v, z_a, idx, neg_indices=negs)
    assert loss_fn.z_bar[1].item() == pytest.approx(
        reference_z_bar(unit(z_v), bank_a, negs), rel=1e-5)


def test_z_momentum_moves_z_bar_towards_batch_estimate():
    loss_fn = AVIDNCELoss(N, feat_dim=D, num_negatives=K, temperature=TAU,
                          z_momentum=0.9, update_in_forward=False)
    z_v, z_a, idx, negs = setup_batch(0)
    loss_fn(z_v, z_a, idx, neg_indices=negs)
    old = loss_fn.z_bar[1].item()
    z_v2, z_a2, _, negs2 = setup_batch(1)
    batch = reference_z_bar(unit(z_v2), loss_fn.memory_a, negs2)
    loss_fn(z_v2, z_a2, idx, neg_indices=negs2)
    assert loss_fn.z_bar[1].item() == pytest.approx(0.9 * old + 0.1 * batch,
                                                    rel=1e-5)


def test_memory_ema_update_of_batch_rows_only():
    loss_fn = AVIDNCELoss(N, feat_dim=D, num_negatives=K,
                          memory_momentum=0.5)
    old_v, old_a = loss_fn.memory_v.clone(), loss_fn.memory_a.clone()
    z_v, z_a, idx, negs = setup_batch()
    loss_fn(z_v, z_a, idx, neg_indices=negs)
    for i, row in enumerate(idx.tolist()):
        exp_v = unit(0.5 * old_v[row] + 0.5 * unit(z_v[i]))
        exp_a = unit(0.5 * old_a[row] + 0.5 * unit(z_a[i]))
        torch.testing.assert_close(loss_fn.memory_v[row], exp_v)
        torch.testing.assert_close(loss_fn.memory_a[row], exp_a)
    untouched = [r for r in range(N) if r not in idx.tolist()]
    assert torch.equal(loss_fn.memory_v[untouched], old_v[untouched])


def test_no_memory_update_in_eval_mode_or_when_disabled():
    z_v, z_a, idx, negs = setup_batch()
    for loss_fn in (AVIDNCELoss(N, feat_dim=D, num_negatives=K).eval(),
                    AVIDNCELoss(N, feat_dim=D, num_negatives=K,
                                update_in_forward=False)):
        old = loss_fn.memory_v.clone()
        loss_fn(z_v, z_a, idx, neg_indices=negs)
        assert torch.equal(loss_fn.memory_v, old)


def test_checkpoint_round_trip_restores_banks_and_z_bar():
    loss_fn = AVIDNCELoss(N, feat_dim=D, num_negatives=K)
    z_v, z_a, idx, negs = setup_batch()
    loss_fn(z_v, z_a, idx, neg_indices=negs)
    buf = io.BytesIO()
    torch.save(loss_fn.state_dict(), buf)
    buf.seek(0)
    state = torch.load(buf, weights_only=True)
    fresh = AVIDNCELoss(None, feat_dim=D, num_negatives=K)  # size unknown
    fresh.load_state_dict(state)
    assert torch.equal(fresh.memory_v, loss_fn.memory_v)
    assert torch.equal(fresh.memory_a, loss_fn.memory_a)
    assert torch.equal(fresh.z_bar, loss_fn.z_bar)
    assert fresh.num_samples == N


def test_set_num_samples_keeps_rows_and_adds_unit_rows():
    loss_fn = AVIDNCELoss(4, feat_dim=D)
    old = loss_fn.memory_v.clone()
    loss_fn.set_num_samples(7)
    assert loss_fn.memory_v.shape == (7, D)
    assert torch.equal(loss_fn.memory_v[:4], old)
    torch.testing.assert_close(loss_fn.memory_a.norm(dim=1), torch.ones(7))


def test_banks_are_identical_for_the_same_init_seed():
    a, b = AVIDNCELoss(5, feat_dim=D), AVIDNCELoss(5, feat_dim=D)
    assert torch.equal(a.memory_v, b.memory_v)
    assert not torch.equal(a.memory_v, a.memory_a)


def test_seeded_negative_sampling_is_reproducible_and_in_range():
    idx = torch.arange(3)
    draws = [AVIDNCELoss(N, feat_dim=D, num_negatives=50,
                         seed=7).sample_negatives(idx) for _ in range(2)]
    assert torch.equal(draws[0], draws[1])
    assert draws[0].shape == (3, 50)
    assert set(draws[0].flatten().tolist()) <= set(range(N))
    assert not (draws[0] == idx[:, None]).any()


@pytest.mark.parametrize('kwargs', [dict(target='both'),
                                    dict(temperature=0.0),
                                    dict(memory_momentum=1.0),
                                    dict(num_negatives=0)])
def test_invalid_arguments_raise(kwargs):
    with pytest.raises(ValueError, match='AVIDNCELoss'):
        AVIDNCELoss(N, feat_dim=D, **kwargs)


def test_bad_indices_and_empty_bank_raise_clear_errors():
    z_v, z_a, idx, _ = setup_batch()
    with pytest.raises(ValueError, match='num_samples'):
        AVIDNCELoss(N, feat_dim=D)(z_v, z_a, torch.tensor([0, 1, N]))
    with pytest.raises(RuntimeError, match='set_num_samples'):
        AVIDNCELoss(None, feat_dim=D)(z_v, z_a, idx)


def test_loss_falls_over_sgd_steps_with_linear_encoders():
    torch.manual_seed(0)
    x_v, x_a = torch.randn(N, 5), torch.randn(N, 5)
    enc_v, enc_a = nn.Linear(5, D), nn.Linear(5, D)
    loss_fn = AVIDNCELoss(N, feat_dim=D, num_negatives=K, temperature=TAU,
                          seed=0)
    opt = torch.optim.SGD(list(enc_v.parameters()) +
                          list(enc_a.parameters()), lr=0.5)
    idx = torch.arange(N)
    losses = []
    for _ in range(30):
        loss = loss_fn(F.normalize(enc_v(x_v), dim=1),
                       F.normalize(enc_a(x_a), dim=1), idx)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-5:]) / 5 < 0.8 * sum(losses[:5]) / 5


@pytest.mark.parametrize('bank', [2, 5, 64])
def test_no_sample_meets_its_own_row_among_its_negatives(bank):
    """AVID's "K other instances": K >= N included, every other row drawn
    uniformly (chi-square-free check: all N - 1 others appear, each about
    equally often)."""
    loss_fn = AVIDNCELoss(bank, feat_dim=D, num_negatives=2000, seed=3)
    idx = torch.arange(bank)
    neg = loss_fn.sample_negatives(idx)
    assert not (neg == idx[:, None]).any()
    for i in range(bank):
        counts = torch.bincount(neg[i], minlength=bank).float()
        others = torch.cat([counts[:i], counts[i + 1:]])
        assert (others > 0).all()
        assert others.max() / others.min() < (1.6 if bank < 64 else 4.0)


def test_a_bank_of_one_row_has_no_negatives():
    with pytest.raises(ValueError, match='at least 2 bank rows'):
        AVIDNCELoss(1, feat_dim=D).sample_negatives(torch.tensor([0]))
