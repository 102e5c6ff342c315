"""ProjectionMLP and AVProjection necks."""
import pytest
import torch
from mmaction.registry import MODELS
from torch import nn

import avcl_mm  # noqa: F401  (registers the modules)
from avcl_mm.models.necks.av_projection import AVProjection
from avcl_mm.models.necks.projection_mlp import ProjectionMLP


def _layers(module: nn.Module, kind: type) -> list:
    return [m for m in module.modules() if isinstance(m, kind)]


@pytest.mark.parametrize('num_layers', [1, 2, 3])
def test_maps_n_by_c_to_n_by_d_with_num_layers_linears(num_layers):
    mlp = ProjectionMLP(in_channels=6, hidden_channels=5, out_channels=3,
                        num_layers=num_layers)
    assert mlp(torch.randn(4, 6)).shape == (4, 3)
    assert len(_layers(mlp, nn.Linear)) == num_layers
    assert len(_layers(mlp, nn.BatchNorm1d)) == num_layers - 1


def test_last_bn_adds_a_final_batchnorm_and_drops_the_bias():
    mlp = ProjectionMLP(in_channels=6, hidden_channels=5, out_channels=3,
                        num_layers=3, last_bn=True)
    assert isinstance(mlp.mlp[-1], nn.BatchNorm1d)
    assert all(linear.bias is None for linear in _layers(mlp, nn.Linear))
    out = mlp.train()(torch.randn(8, 6))
    torch.testing.assert_close(out.mean(dim=0), torch.zeros(3), atol=1e-5,
                               rtol=0)


def test_without_bn_the_mlp_is_linear_relu_linear():
    mlp = ProjectionMLP(in_channels=2, hidden_channels=3, out_channels=2,
                        with_bn=False)
    x = torch.randn(5, 2)
    first, last = _layers(mlp, nn.Linear)
    expected = last(torch.relu(first(x)))
    torch.testing.assert_close(mlp(x), expected)
    assert not _layers(mlp, nn.BatchNorm1d)


def test_rejects_input_with_wrong_channels():
    with pytest.raises(ValueError, match=r'\(N, 6\)'):
        ProjectionMLP(in_channels=6)(torch.randn(4, 5))


@pytest.mark.parametrize('kwargs', [dict(num_layers=0),
                                    dict(out_channels=-1),
                                    dict(in_channels=2.0)])
def test_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match='ProjectionMLP'):
        ProjectionMLP(**kwargs)


def test_av_projection_has_separate_projectors_per_modality():
    neck = MODELS.build(dict(type='AVProjection',
                             video=dict(in_channels=6, out_channels=3),
                             audio=dict(in_channels=4, out_channels=3)))
    z_v, z_a = neck((torch.randn(5, 6), torch.randn(5, 4)))
    assert z_v.shape == z_a.shape == (5, 3)
    ids_v = {id(p) for p in neck.video_projector.parameters()}
    assert not ids_v & {id(p) for p in neck.audio_projector.parameters()}
    assert not hasattr(neck, 'video_predictor')  # predictors: the head


def test_one_predictor_config_builds_two_unshared_predictors():
    head = MODELS.build(dict(type='AVLatentPredictHead',
                             loss=dict(type='SimSiamLoss'), in_channels=3,
                             predictor=dict(hidden_channels=8,
                                            out_channels=3)))
    pred = head.predictor
    assert pred.video_projector is not pred.audio_projector
    p_v, p_a = pred((torch.randn(4, 3), torch.randn(4, 3)))
    assert p_v.shape == p_a.shape == (4, 3)


def test_per_modality_predictor_configs_are_used():
    head = MODELS.build(dict(type='AVLatentPredictHead',
                             loss=dict(type='SimSiamLoss'), in_channels=128,
                             predictor=dict(video=dict(out_channels=7),
                                            audio=dict(out_channels=9))))
    assert head.predictor.video_projector.out_channels == 7
    assert head.predictor.audio_projector.out_channels == 9


def test_forward_rejects_a_single_tensor():
    with pytest.raises(ValueError, match='pair'):
        AVProjection()(torch.randn(2, 512))
