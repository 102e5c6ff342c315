"""The heads of the comparison methods hand each loss what it expects:
AVContrastiveHead passes the method's embeddings on, AVLatentPredictHead
predicts first and keeps the targets constant."""
import copy

import pytest
import torch
from mmaction.registry import MODELS

import avcl_mm  # noqa: F401
from avcl_mm.models.losses.byol_loss import BYOLLoss
from avcl_mm.models.losses.ntxent_cross_modal_loss import \
    NTXentCrossModalLoss
from avcl_mm.models.losses.simsiam_loss import SimSiamLoss
from helpers.builders import batch, build

N, D = 6, 4
PRED = dict(hidden_channels=16, out_channels=D)


def _feats(seed=0, dim=D):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(N, dim, generator=g, requires_grad=True),
            torch.randn(N, dim, generator=g, requires_grad=True))


def _predict_head(loss):
    torch.manual_seed(0)
    return MODELS.build(dict(type='AVLatentPredictHead', loss=loss,
                             predictor=PRED, in_channels=D))


def test_contrastive_head_weights_the_loss_of_the_embeddings():
    head = MODELS.build(dict(type='AVContrastiveHead', loss_weight=0.5,
                             loss=dict(type='NTXentCrossModalLoss',
                                       temperature=0.2)))
    z_v, z_a = _feats()
    out = head.loss(z_v, z_a)
    want = NTXentCrossModalLoss(temperature=0.2)(z_v, z_a)
    torch.testing.assert_close(out['ssl'], want)
    torch.testing.assert_close(out['loss_ssl'], 0.5 * want)
    assert not out['ssl'].requires_grad
    out['loss_ssl'].backward()
    assert z_v.grad is not None and z_a.grad is not None


def test_simclr_method_feeds_the_projections_to_the_loss():
    model = build('demo/simclr_r3d_demo_pretrain')
    inputs = model.data_preprocessor(batch(labels=False))['inputs']
    model.eval()  # fixed BN statistics: both passes see the same features
    out = model(inputs, mode='loss')
    z_v, z_a = model.neck(model.pooled(inputs)[:2])
    torch.testing.assert_close(out['ssl'], NTXentCrossModalLoss(
        temperature=0.1)(z_v, z_a))


def test_predictor_head_with_own_projections_is_simsiam():
    head = _predict_head(dict(type='SimSiamLoss'))
    z_v, z_a = _feats()
    out = head.loss(z_v, z_a, z_v, z_a)
    p = head.predictor((z_v, z_a))
    torch.testing.assert_close(out['ssl'], SimSiamLoss()(*p, z_v, z_a))
    # the targets are constant: only the predictions carry gradient
    z_v.grad = None
    out['loss_ssl'].backward()
    grad_with_stop = z_v.grad.clone()
    z_v.grad = None
    p_v, p_a = head.predictor((z_v, z_a))
    (0.5 * -torch.cosine_similarity(p_v, z_a.detach()).mean() +
     0.5 * -torch.cosine_similarity(p_a, z_v.detach()).mean()).backward()
    torch.testing.assert_close(z_v.grad, grad_with_stop)


def test_simsiam_method_targets_its_own_projections():
    model = build('demo/simsiam_r3d_demo_pretrain').eval()
    inputs = model.data_preprocessor(batch(labels=False))['inputs']
    out = model(inputs, mode='loss')
    z = model.neck(model.pooled(inputs)[:2])
    p = model.head.predictor(z)
    torch.testing.assert_close(out['ssl'], SimSiamLoss()(*p, *z))


def test_momentum_targets_are_byol_regression_targets():
    head = _predict_head(dict(type='BYOLLoss'))
    z_v, z_a = _feats()
    t_v, t_a = _feats(seed=1)
    out = head.loss(z_v, z_a, t_v, t_a)
    p = head.predictor((z_v, z_a))
    torch.testing.assert_close(out['ssl'], BYOLLoss()(*p, t_v, t_a))
    out['loss_ssl'].backward()
    assert t_v.grad is None and t_a.grad is None  # targets stay constant


def test_momentum_targets_are_moco_keys_and_are_enqueued():
    head = MODELS.build(dict(type='AVContrastiveHead', loss=dict(
        type='MoCoQueueLoss', queue_size=12, feat_dim=D)))
    reference = copy.deepcopy(head.loss_module)
    q_v, q_a = _feats()
    k_v, k_a = _feats(seed=1)
    out = head.loss(q_v, q_a, k_v, k_a)
    torch.testing.assert_close(out['ssl'], reference(q_v, q_a, k_v, k_a))
    assert int(head.loss_module.queue.ptr) == N
    out['loss_ssl'].backward()
    assert k_v.grad is None and k_a.grad is None


@pytest.mark.parametrize('kwargs,match', [
    (dict(loss=None), 'loss must be'),
    (dict(loss=dict(temperature=0.1)), 'loss must be'),
    (dict(loss=dict(type='SimSiamLoss'), loss_weight=0), 'loss_weight'),
])
def test_bad_arguments_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(dict(type='AVContrastiveHead', **kwargs))


def test_heads_take_their_width_from_the_method():
    model = build('demo/byol_r3d_demo_pretrain')
    assert model.neck.video_projector.in_channels == 128  # encoder width
    assert model.head.predictor.video_projector.in_channels == \
        model.neck.out_channels == 64
