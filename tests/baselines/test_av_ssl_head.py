"""AVSSLHead hands each baseline loss what it expects."""
import copy

import pytest
import torch
from mmaction.registry import MODELS

import avcl_mm  # noqa: F401
from avcl_mm.models.losses.barlow_twins_loss import BarlowTwinsLoss
from avcl_mm.models.losses.byol_loss import BYOLLoss
from avcl_mm.models.losses.ntxent_cross_modal_loss import \
    NTXentCrossModalLoss
from avcl_mm.models.losses.simsiam_loss import SimSiamLoss

N, C, D = 6, 8, 4
PROJ = dict(in_channels=C, hidden_channels=16, out_channels=D)
PRED = dict(in_channels=D, hidden_channels=16, out_channels=D)


def _head(loss, predictor=False, projector=True, **kwargs):
    torch.manual_seed(0)
    proj = dict(video=PROJ, audio=PROJ,
                predictor=PRED if predictor else None)
    return MODELS.build(dict(type='AVSSLHead', loss=loss,
                             projector=proj if projector else None,
                             **kwargs))


def _feats(seed=0, dim=C):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(N, dim, generator=g, requires_grad=True),
            torch.randn(N, dim, generator=g, requires_grad=True))


def test_two_argument_losses_get_the_cross_modal_projections():
    head = _head(dict(type='NTXentCrossModalLoss', temperature=0.2),
                 loss_weight=0.5)
    v, a = _feats()
    out = head.loss(v, a)
    z_v, z_a = head.projector((v, a))
    want = NTXentCrossModalLoss(temperature=0.2)(z_v, z_a)
    torch.testing.assert_close(out['ssl'], want)
    torch.testing.assert_close(out['loss_ssl'], 0.5 * want)
    assert not out['ssl'].requires_grad
    out['loss_ssl'].backward()
    assert head.projector.video_projector.mlp[0].weight.grad is not None
    assert v.grad is not None and a.grad is not None


def test_without_projector_the_pooled_features_reach_the_loss():
    head = _head(dict(type='BarlowTwinsLoss'), projector=False)
    v, a = _feats()
    torch.testing.assert_close(head.loss(v, a)['ssl'],
                               BarlowTwinsLoss()(v, a))


def test_predictor_without_targets_is_simsiam_with_stop_gradient():
    head = _head(dict(type='SimSiamLoss'), predictor=True)
    assert head.with_predictor
    v, a = _feats()
    out = head.loss(v, a)
    z = head.projector((v, a))
    p = head.projector.forward_predictor(z)
    torch.testing.assert_close(out['ssl'], SimSiamLoss()(*p, *z))


def test_momentum_targets_are_byol_regression_targets():
    head = _head(dict(type='BYOLLoss'), predictor=True)
    v, a = _feats()
    t_v, t_a = _feats(seed=1, dim=D)
    out = head.loss(v, a, targets=(t_v, t_a))
    p = head.projector.forward_predictor(head.projector((v, a)))
    torch.testing.assert_close(out['ssl'], BYOLLoss()(*p, t_v, t_a))
    out['loss_ssl'].backward()
    assert t_v.grad is None and t_a.grad is None  # targets stay constant


def test_momentum_targets_are_moco_keys_and_are_enqueued():
    head = _head(dict(type='MoCoQueueLoss', queue_size=12, feat_dim=D))
    reference = copy.deepcopy(head.loss_module)
    v, a = _feats()
    k_v, k_a = _feats(seed=1, dim=D)
    out = head.loss(v, a, targets=(k_v, k_a))
    z_v, z_a = head.projector((v, a))
    want = reference(z_v, z_a, k_v, k_a)
    torch.testing.assert_close(out['ssl'], want)
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
        MODELS.build(dict(type='AVSSLHead', **kwargs))


def test_stage_features_are_an_avcl_only_option():
    head = _head(dict(type='NTXentCrossModalLoss'))
    v, a = _feats()
    with pytest.raises(ValueError, match='cgra_stages'):
        head.loss(v, a, stage_feats=[(v, a)])
