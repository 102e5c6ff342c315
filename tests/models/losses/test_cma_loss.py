"""CMA positive sets (Eq. 7-8) and CMALoss (Eq. 9-10) against hand-made
answers and loop references."""
import io
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from avcl_mm.models.losses.cma_loss import CMALoss, cma_positive_sets
from avcl_mm.models.losses.nce_memory_loss import AVIDNCELoss

TAU = 0.5


def unit(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True)


def clusters(noise_seed: int) -> torch.Tensor:
    """9 unit vectors: 3 tight clusters of 3 around the axes of R^3."""
    gen = torch.Generator().manual_seed(noise_seed)
    centres = torch.eye(3).repeat_interleave(3, dim=0)
    return unit(centres + 0.05 * torch.randn(9, 3, generator=gen))


def test_positive_sets_are_the_cluster_mates():
    pos = cma_positive_sets(clusters(0), clusters(1), k_pos=2)
    for i in range(9):
        mates = {j for j in range(9) if j // 3 == i // 3 and j != i}
        assert set(pos[i].tolist()) == mates


def test_agreement_needs_both_modalities():
    ang = lambda t: [math.cos(t), math.sin(t)]  # noqa: E731
    mem_v = torch.tensor([ang(0), ang(0.1), ang(0.05), ang(math.pi)])
    mem_a = torch.tensor([ang(0), ang(0.2), ang(math.pi / 2), ang(0)])
    # video alone would pick 2 for sample 0 and audio alone 3; the min of
    # both similarities picks 1 (rho_01 = cos 0.2, rho_02 = 0, rho_03 = -1)
    pos = cma_positive_sets(mem_v, mem_a, k_pos=1)
    assert pos[0].item() == 1


def test_self_is_excluded_even_for_duplicate_rows():
    mem = unit(torch.tensor([[1., 0.], [1., 0.], [0., 1.]]))
    pos = cma_positive_sets(mem, mem, k_pos=1)
    assert pos[:2, 0].tolist() == [1, 0]


@pytest.mark.parametrize('chunk_size', [1, 5, 37, 100])
def test_chunked_equals_full_matrix_reference(chunk_size):
    gen = torch.Generator().manual_seed(3)
    mem_v = unit(torch.randn(37, 4, generator=gen))
    mem_a = unit(torch.randn(37, 4, generator=gen))
    rho = torch.minimum(mem_v @ mem_v.t(), mem_a @ mem_a.t())
    rho.fill_diagonal_(-10.0)
    expected = rho.argsort(dim=1, descending=True)[:, :5]
    pos = cma_positive_sets(mem_v, mem_a, k_pos=5, chunk_size=chunk_size)
    assert torch.equal(pos, expected)


def test_positive_sets_reject_bad_arguments():
    with pytest.raises(ValueError, match='k_pos'):
        cma_positive_sets(torch.randn(4, 2), torch.randn(4, 2), k_pos=4)
    with pytest.raises(ValueError, match='same shape'):
        cma_positive_sets(torch.randn(4, 2), torch.randn(5, 2))


def reference_nce(x, pos, negs, z_bar) -> float:
    """AVID Eq. 3 with Eq. 2's P(D=1) = e^{s}/(e^{s} + K Z̄)."""
    def p_data(m):
        e = math.exp(float(x @ m) / TAU)
        return e / (e + len(negs) * z_bar)
    return -math.log(p_data(pos)) - sum(math.log(1 - p_data(m))
                                        for m in negs)


def reference_z(queries, bank, negs) -> float:
    vals = [math.exp(float(queries[i] @ bank[j]) / TAU)
            for i in range(len(queries)) for j in negs[i]]
    return sum(vals) / len(vals)


def small_cma(**kwargs) -> CMALoss:
    loss_fn = CMALoss(8, feat_dim=3, num_negatives=3, num_positives=2,
                      temperature=TAU, **kwargs)
    loss_fn.set_positives(torch.tensor(
        [[1, 2], [0, 2], [0, 1], [4, 5], [3, 5], [3, 4], [7, 0], [6, 0]]))
    return loss_fn


def test_cma_value_matches_eq_9_10_loop_reference():
    loss_fn = small_cma(lambda_wmpd=0.7).eval()
    gen = torch.Generator().manual_seed(0)
    z_v, z_a = torch.randn(3, 3, generator=gen), torch.randn(3, 3,
                                                            generator=gen)
    idx = torch.tensor([0, 3, 6])
    negs = torch.tensor([[3, 5, 7], [0, 6, 1], [2, 3, 4]])
    mv, ma = loss_fn.memory_v.clone(), loss_fn.memory_a.clone()
    loss = loss_fn(z_v, z_a, idx, neg_indices=negs)
    v, a = unit(z_v), unit(z_a)
    z = {key: reference_z(q, m, negs) for key, q, m in
         (('v2a', v, ma), ('a2v', a, mv), ('v2v', v, mv), ('a2a', a, ma))}
    expected = 0.0
    for i, row in enumerate(idx.tolist()):
        neg_v, neg_a = [mv[j] for j in negs[i]], [ma[j] for j in negs[i]]
        # Cross-AVID's two terms averaged (official code; term_reduction)
        expected += (reference_nce(v[i], ma[row], neg_a, z['v2a']) +
                     reference_nce(a[i], mv[row], neg_v, z['a2v'])) / 2
        wmpd = sum(reference_nce(v[i], mv[p], neg_v, z['v2v']) +
                   reference_nce(a[i], ma[p], neg_a, z['a2a'])
                   for p in loss_fn.positives[row].tolist()) / 2
        expected += 0.7 * wmpd
    assert loss.item() == pytest.approx(expected / 3, rel=1e-5)


def test_negatives_avoid_positives_and_self_and_cover_the_rest():
    loss_fn = small_cma(seed=0)
    loss_fn.num_negatives = 3000
    idx = torch.tensor([0, 3, 6])
    negs = loss_fn.sample_negatives(idx)
    for i, row in enumerate(idx.tolist()):
        excluded = set(loss_fn.positives[row].tolist()) | {row}
        counts = torch.bincount(negs[i], minlength=8)
        allowed = [j for j in range(8) if j not in excluded]
        assert counts[list(excluded)].sum() == 0
        assert counts[allowed].min() > 0.8 * 3000 / len(allowed)


def test_positive_subsample_draws_distinct_members_of_the_set():
    loss_fn = CMALoss(10, feat_dim=3, num_positives=2, seed=1)
    loss_fn.set_positives(cma_positive_sets(loss_fn.memory_v,
                                            loss_fn.memory_a, k_pos=4))
    idx = torch.arange(10)
    drawn = loss_fn.sample_positives(idx)
    assert drawn.shape == (10, 2)
    for i in range(10):
        assert drawn[i, 0] != drawn[i, 1]
        assert set(drawn[i].tolist()) <= set(loss_fn.positives[i].tolist())


def test_set_positives_rejects_self_duplicates_and_wrong_size():
    loss_fn = CMALoss(6, feat_dim=3, num_positives=2)
    good = torch.tensor([[1, 2], [0, 2], [0, 1], [4, 5], [3, 5], [3, 4]])
    with_self, with_duplicate = good.clone(), good.clone()
    with_self[0] = torch.tensor([0, 2])
    with_duplicate[0] = torch.tensor([1, 1])
    loss_fn.set_positives(good)
    for bad in (good[:5], with_self, with_duplicate, good[:, :1]):
        with pytest.raises(ValueError, match='set_positives'):
            loss_fn.set_positives(bad)


def test_missing_positive_sets_raise_a_clear_error():
    loss_fn = CMALoss(6, feat_dim=3, num_negatives=2, num_positives=2)
    with pytest.raises(RuntimeError, match='CMAPositiveSetHook'):
        loss_fn(torch.randn(2, 3), torch.randn(2, 3), torch.tensor([0, 1]))


def test_cross_avid_checkpoint_loads_into_cma_and_round_trips():
    avid = AVIDNCELoss(8, feat_dim=3, num_negatives=3, init_seed=5)
    avid.z_bar[1:3] = torch.tensor([2.0, 3.0])
    cma = CMALoss(None, feat_dim=3, num_negatives=3, num_positives=2)
    cma.load_state_dict(avid.state_dict())  # strict: no missing key
    assert torch.equal(cma.memory_v, avid.memory_v)
    assert torch.equal(cma.z_bar, avid.z_bar)
    assert cma.positives.shape[0] == 0
    source = small_cma()
    buf = io.BytesIO()
    torch.save(source.state_dict(), buf)
    buf.seek(0)
    cma.load_state_dict(torch.load(buf, weights_only=True))
    assert torch.equal(cma.positives, source.positives)


def test_cma_loss_falls_over_sgd_steps_with_linear_encoders():
    torch.manual_seed(0)
    x_v, x_a = torch.randn(8, 5), torch.randn(8, 5)
    enc_v, enc_a = nn.Linear(5, 3), nn.Linear(5, 3)
    loss_fn = small_cma(seed=0)
    opt = torch.optim.SGD(list(enc_v.parameters()) +
                          list(enc_a.parameters()), lr=0.3)
    losses = []
    for _ in range(30):
        loss = loss_fn(F.normalize(enc_v(x_v), dim=1),
                       F.normalize(enc_a(x_a), dim=1), torch.arange(8))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-5:]) / 5 < 0.8 * sum(losses[:5]) / 5
