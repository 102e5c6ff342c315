"""Momentum targets: mmengine's EMA through build_momentum_target, and
BYOL's cosine schedule."""
import math
import uuid

import pytest
import torch
from mmengine.logging import MessageHub
from torch import nn

from avcl_mm.models.utils.ema import (CosineMomentumEMA,
                                      build_momentum_target, cosine_momentum,
                                      online_container, restart_target)


def _online():
    torch.manual_seed(0)
    online = dict(body=nn.Linear(3, 4), norm=nn.BatchNorm1d(4))
    return online


def _target(online, m=0.9, schedule='constant'):
    target = build_momentum_target(online, m, schedule)
    with torch.no_grad():
        for param in target.parameters():
            param.normal_()
    target.steps.fill_(1)  # past the first (copying) update
    online['norm'].running_mean.fill_(2.0)
    online['norm'].num_batches_tracked.fill_(7)
    return target


def test_parameters_follow_the_ema_formula():
    online = _online()
    target = _target(online)
    old = [p.clone() for p in target.parameters()]
    target.update_parameters(online_container(online))
    for new, before, theta in zip(target.parameters(), old,
                                  online_container(online).parameters()):
        torch.testing.assert_close(new, 0.9 * before + 0.1 * theta)


def test_first_update_and_restart_copy_the_online_modules():
    online = _online()
    target = _target(online)
    restart_target(target, online_container(online))
    for new, theta in zip(target.parameters(),
                          online_container(online).parameters()):
        torch.testing.assert_close(new, theta)
    assert int(target.steps) == 1


def test_buffers_are_copied_at_every_update():
    online = _online()
    target = _target(online)
    target.update_parameters(online_container(online))
    norm = target.module['norm']
    torch.testing.assert_close(norm.running_mean, torch.full((4, ), 2.))
    assert int(norm.num_batches_tracked) == 7


def test_target_has_the_online_names_and_no_gradients():
    online = _online()
    online['extra'] = None  # skipped
    target = _target(online)
    assert set(target.module) == {'body', 'norm'}
    assert all(not p.requires_grad for p in target.parameters())
    target.update_parameters(online_container(online))
    assert all(p.grad_fn is None for p in target.parameters())


@pytest.mark.parametrize('m', [0.0, 1.0, 1.5, True])
def test_rejects_momentum_outside_the_open_unit_interval(m):
    with pytest.raises(ValueError, match='momentum must be'):
        build_momentum_target(_online(), m)


def test_cosine_momentum_rises_from_base_to_one():
    assert cosine_momentum(0.99, 0, 100) == pytest.approx(0.99)
    assert cosine_momentum(0.99, 50, 100) == pytest.approx(0.995)
    assert cosine_momentum(0.99, 100, 100) == pytest.approx(1.0)
    quarter = 1 - 0.01 * (math.cos(math.pi / 4) + 1) / 2
    assert cosine_momentum(0.99, 25, 100) == pytest.approx(quarter)


def test_cosine_momentum_rejects_iteration_past_the_end():
    with pytest.raises(ValueError, match='cur_iter'):
        cosine_momentum(0.99, 101, 100)


def test_cosine_ema_updates_with_the_momentum_of_the_iteration():
    online = _online()
    target = _target(online, m=0.96, schedule='cosine')
    assert isinstance(target, CosineMomentumEMA)
    hub = MessageHub.get_instance(f'ema_test_{uuid.uuid4().hex}')
    hub.update_info('iter', 50)
    hub.update_info('max_iters', 100)
    m = cosine_momentum(0.96, 50, 100)
    old = [p.clone() for p in target.parameters()]
    target.update_parameters(online_container(online))
    for new, before, theta in zip(target.parameters(), old,
                                  online_container(online).parameters()):
        torch.testing.assert_close(new, m * before + (1 - m) * theta)
    hub.update_info('iter', 100)  # m = 1: the target stays
    frozen = [p.clone() for p in target.parameters()]
    target.update_parameters(online_container(online))
    for new, before in zip(target.parameters(), frozen):
        torch.testing.assert_close(new, before)
    MessageHub.get_instance(f'ema_test_{uuid.uuid4().hex}')
