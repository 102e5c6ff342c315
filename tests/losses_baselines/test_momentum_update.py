"""momentum_update and cosine_momentum."""
import copy
import math

import pytest
import torch
from torch import nn

from avcl_mm.models.utils.momentum import cosine_momentum, momentum_update


def _pair():
    torch.manual_seed(0)
    online = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    target = copy.deepcopy(online)
    for param in target.parameters():
        param.data.normal_()
    online[1].running_mean.fill_(2.0)
    online[1].num_batches_tracked.fill_(7)
    return online, target


def test_parameters_follow_the_ema_formula():
    online, target = _pair()
    old = [p.clone() for p in target.parameters()]
    momentum_update(online, target, 0.9)
    for new, before, theta in zip(target.parameters(), old,
                                  online.parameters()):
        torch.testing.assert_close(new, 0.9 * before + 0.1 * theta)


def test_momentum_zero_copies_and_one_freezes():
    online, target = _pair()
    frozen = [p.clone() for p in target.parameters()]
    momentum_update(online, target, 1.0)
    for new, before in zip(target.parameters(), frozen):
        torch.testing.assert_close(new, before)
    momentum_update(online, target, 0.0)
    for new, theta in zip(target.parameters(), online.parameters()):
        torch.testing.assert_close(new, theta)


def test_buffers_are_copied_unless_disabled():
    online, target = _pair()
    momentum_update(online, target, 0.5, copy_buffers=False)
    assert target[1].running_mean.abs().sum() == 0
    momentum_update(online, target, 0.5)
    torch.testing.assert_close(target[1].running_mean, torch.full((4, ), 2.))
    assert int(target[1].num_batches_tracked) == 7


def test_online_may_hold_extra_modules_such_as_a_predictor():
    online, target = _pair()
    online.add_module('predictor', nn.Linear(4, 4))
    momentum_update(online, target, 0.0)
    torch.testing.assert_close(target[0].weight, online[0].weight)


def test_target_parameter_without_online_twin_raises():
    online, target = _pair()
    target.add_module('extra', nn.Linear(2, 2))
    with pytest.raises(ValueError, match='extra.weight'):
        momentum_update(online, target, 0.9)


def test_no_gradient_is_recorded():
    online, target = _pair()
    momentum_update(online, target, 0.9)
    assert all(p.grad_fn is None for p in target.parameters())


@pytest.mark.parametrize('m', [-0.1, 1.5, True])
def test_rejects_momentum_outside_unit_interval(m):
    online, target = _pair()
    with pytest.raises(ValueError, match='m must be'):
        momentum_update(online, target, m)


def test_cosine_momentum_rises_from_base_to_one():
    assert cosine_momentum(0.99, 0, 100) == pytest.approx(0.99)
    assert cosine_momentum(0.99, 50, 100) == pytest.approx(0.995)
    assert cosine_momentum(0.99, 100, 100) == pytest.approx(1.0)
    quarter = 1 - 0.01 * (math.cos(math.pi / 4) + 1) / 2
    assert cosine_momentum(0.99, 25, 100) == pytest.approx(quarter)


def test_cosine_momentum_rejects_iteration_past_the_end():
    with pytest.raises(ValueError, match='cur_iter'):
        cosine_momentum(0.99, 101, 100)
