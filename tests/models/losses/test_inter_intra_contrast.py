"""IIC (Tao et al. 2020): InterIntraContrastLoss against the equation as
loops, the temporal breaking of clips, and the recognizer that feeds the
intra-negatives."""
import math

import pytest
import torch
import torch.nn.functional as F

from avcl_mm.models.losses.inter_intra_contrast_loss import \
    InterIntraContrastLoss
from avcl_mm.models.utils.temporal import break_temporal_order
from helpers.builders import batch, build, optim


def reference(v, a, u, tau):
    """ℓ(v_i) + ℓ(a_i) averaged over i, written as loops."""
    n = v.shape[0]

    def cos(x, y):
        return (x @ y) / (x.norm() * y.norm())

    def term(anchor, other):
        total = 0.0
        for i in range(n):
            pos = math.exp(cos(anchor[i], other[i]) / tau)
            den = sum(math.exp(cos(anchor[i], other[j]) / tau)
                      for j in range(n))
            den += sum(math.exp(cos(anchor[i], u[j]) / tau)
                       for j in range(n))
            total += -math.log(pos / den)
        return total / n

    return term(v, a) + term(a, v)


def test_value_matches_the_loop_reference():
    g = torch.Generator().manual_seed(0)
    v, a, u = (torch.randn(5, 6, generator=g, dtype=torch.float64)
               for _ in range(3))
    loss = InterIntraContrastLoss(temperature=0.3)(v, a, u)
    assert loss.item() == pytest.approx(reference(v, a, u, 0.3), rel=1e-9)


def test_intra_negatives_change_the_loss_and_get_gradients():
    g = torch.Generator().manual_seed(1)
    v, a = (torch.randn(6, 8, generator=g) for _ in range(2))
    far = -a.clone()  # intra-negatives far from every audio
    near = a.clone().requires_grad_(True)  # identical to the positives
    loss_fn = InterIntraContrastLoss(temperature=0.1)
    assert loss_fn(v, a, near) > loss_fn(v, a, far)
    grad, = torch.autograd.grad(loss_fn(v, a, near), near)
    assert grad.abs().sum() > 0


def test_aligned_views_with_distinct_intra_negatives_reach_a_low_loss():
    """Perfect inter alignment and orthogonal intra-negatives give a loss
    close to 0; the same views with the intra-negative equal to the
    positive cannot go below 2·log 2."""
    eye = torch.eye(8)
    v = a = eye[:4] * 10
    u = eye[4:] * 10
    loss_fn = InterIntraContrastLoss(temperature=0.05)
    assert loss_fn(v, a, u).item() < 1e-6
    assert loss_fn(v, a, a).item() == pytest.approx(2 * math.log(2),
                                                    rel=1e-4)


@pytest.mark.parametrize('bad', [0, -1.0, True, '0.1'])
def test_rejects_bad_temperatures(bad):
    with pytest.raises(ValueError, match='temperature'):
        InterIntraContrastLoss(temperature=bad)


def test_rejects_mismatched_negatives():
    with pytest.raises(ValueError, match='feat_neg'):
        InterIntraContrastLoss()(torch.randn(3, 4), torch.randn(3, 4),
                                 torch.randn(2, 4))


def _clips(n=6, t=8):
    # frame k of clip i holds the value 100 * i + k everywhere
    frames = torch.arange(t, dtype=torch.float32)
    clips = frames[None, None, :, None, None] + \
        100 * torch.arange(n, dtype=torch.float32)[:, None, None, None, None]
    return clips.expand(n, 3, t, 4, 4).contiguous()


def test_repeat_makes_a_still_clip_of_one_of_its_own_frames():
    clips = _clips()
    out = break_temporal_order(clips, 'repeat',
                               torch.Generator().manual_seed(0))
    assert out.shape == clips.shape
    for i in range(clips.shape[0]):
        values = out[i].unique()
        assert values.numel() == 1  # one frame everywhere
        assert 100 * i <= values.item() < 100 * i + 8  # from its own clip


@pytest.mark.parametrize('t', [8, 16, 5])
def test_shuffle_swaps_two_temporal_chunks_of_the_same_clip(t):
    clips = _clips(t=t)
    out = break_temporal_order(clips, 'shuffle',
                               torch.Generator().manual_seed(0))
    chunks = [c.tolist() for c in torch.arange(t).chunk(4)]
    for i in range(clips.shape[0]):
        order = (out[i, 0, :, 0, 0] - 100 * i).long().tolist()
        # read the new order chunk by chunk: every piece is a whole chunk
        pieces, pos = [], 0
        while pos < t:
            piece = next(c for c in chunks if c[0] == order[pos])
            assert order[pos:pos + len(piece)] == piece
            pieces.append(chunks.index(piece))
            pos += len(piece)
        assert sorted(pieces) == list(range(len(chunks)))
        moved = [k for k, p in enumerate(pieces) if k != p]
        assert len(moved) == 2  # exactly two chunks swapped
        assert pieces[moved[0]] == moved[1] and pieces[moved[1]] == moved[0]


def test_breaking_keeps_leading_dimensions_and_rejects_bad_modes():
    clips = _clips().reshape(2, 3, 3, 8, 4, 4)
    assert break_temporal_order(clips, 'repeat').shape == clips.shape
    with pytest.raises(ValueError, match='intra_negative'):
        break_temporal_order(clips, 'reverse')
    with pytest.raises(ValueError, match='2 frames'):
        break_temporal_order(_clips(t=1), 'shuffle')


def test_iic_recognizer_trains_on_intra_negatives_from_its_own_clips():
    model = build('demo/iic_r3d_demo_pretrain')
    assert type(model).__name__ == 'IIC'
    assert model.intra_negative == 'repeat'
    data = model.data_preprocessor(batch(labels=False), True)
    inputs = data['inputs']
    seen = {}
    original = model.intra_negatives

    def spy(x):
        seen['u'] = original(x)
        return seen['u']

    model.intra_negatives = spy
    losses = model.loss(inputs, data['data_samples'])
    v, a = model.encode(inputs)
    # the loss is InterIntraContrastLoss of (v, a, u) on the same clips
    expected = InterIntraContrastLoss(temperature=0.07)(v, a, seen['u'])
    assert losses['ssl'].item() == pytest.approx(expected.item(), rel=1e-5)
    # the intra-negatives are not the clips' own features
    assert not torch.allclose(F.normalize(seen['u'], dim=1),
                              F.normalize(v, dim=1), atol=1e-3)
    log = model.train_step(batch(labels=False), optim(model))
    assert torch.isfinite(log['loss'])


def test_iic_recognizer_rejects_a_fusion_neck():
    with pytest.raises(ValueError, match='no fusion neck'):
        build('demo/iic_r3d_demo_pretrain',
              neck=dict(type='AMFM', gate='sigmoid'))
