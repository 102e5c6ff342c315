"""MoCo and BYOL: the momentum target is an mmengine EMA of the online
encoders and projectors."""
import uuid

import pytest
import torch
from mmengine.logging import MessageHub

from avcl_mm.models.utils.ema import cosine_momentum
from helpers.builders import batch, build, optim, snapshot

MOCO, BYOL = 'demo/moco_r3d_demo_pretrain', 'demo/byol_r3d_demo_pretrain'
PREFIX = 'target.module.'


def _online_name(key):
    """``target.module.video_backbone.x`` -> ``video_backbone.x``."""
    return key[len(PREFIX):]


@pytest.mark.parametrize('name', [MOCO, BYOL])
def test_copies_start_as_the_initialised_online_modules(name):
    model = build(name)  # build() runs init_weights, as the Runner does
    state = model.state_dict()
    copies = {k: v for k, v in state.items() if k.startswith(PREFIX)}
    assert {k.split('.')[2] for k in copies} == \
        {'video_backbone', 'audio_backbone', 'neck'}
    for key, value in copies.items():
        torch.testing.assert_close(value, state[_online_name(key)])
    assert all(not p.requires_grad for p in model.target.parameters())


def test_byol_target_projector_has_no_predictor():
    model = build(BYOL)
    assert model.head.predictor is not None
    assert not any('predictor' in k for k in model.target.state_dict())


@pytest.mark.parametrize('name', [MOCO, BYOL])
def test_train_step_moves_copies_by_ema_and_gives_them_no_grads(name):
    model = build(name, momentum=0.9, momentum_schedule='constant')
    with torch.no_grad():  # make the copies differ from the online weights
        for p in model.target_modules.parameters():
            p.add_(0.1)
    online = snapshot(model, '')
    old = {n: p.detach().clone()
           for n, p in model.target_modules.named_parameters()}
    model.train_step(batch(labels=False), optim(model))
    for n, p in model.target_modules.named_parameters():
        before = online[n]
        torch.testing.assert_close(p, 0.9 * old[n] + 0.1 * before)
        assert p.grad is None and not p.requires_grad
    # the online encoders were trained
    assert not torch.equal(model.video_backbone.conv1.conv.weight,
                           online['video_backbone.conv1.conv.weight'])


def test_eval_forward_leaves_the_copies_alone():
    model = build(MOCO).eval()
    old = snapshot(model, 'target.')
    inputs = model.data_preprocessor(batch(labels=False))['inputs']
    with torch.no_grad():
        model(inputs, mode='loss')
    for key, value in model.state_dict().items():
        if key.startswith('target.'):
            assert torch.equal(value, old[key]), key


def test_moco_enqueues_the_momentum_keys_of_each_step():
    model = build(MOCO)
    model.train_step(batch(n=4, labels=False), optim(model))
    loss = model.head.loss_module
    assert int(loss.queue.ptr) == 4
    inputs = model.data_preprocessor(batch(n=4, labels=False))['inputs']
    with torch.no_grad():
        k_v, k_a = model.embed(inputs, modules=model.target_modules)
    assert k_v.shape == k_a.shape == (4, loss.feat_dim)


def test_checkpoint_round_trip_keeps_copies_and_queues():
    model = build(MOCO)
    model.train_step(batch(labels=False), optim(model))
    state = model.state_dict()
    assert 'head.loss_module.queue.video' in state
    assert int(state['target.steps']) == 2  # init copy + one EMA step
    fresh = build(MOCO, seed=1)
    fresh.load_state_dict(state)  # strict: the same keys
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_cosine_schedule_follows_the_runner_iteration():
    model = build(BYOL)
    hub = MessageHub.get_instance(f'baselines_test_{uuid.uuid4().hex}')
    assert model.target.current_momentum() == pytest.approx(0.99)
    hub.update_info('iter', 30)
    hub.update_info('max_iters', 120)
    assert model.target.current_momentum() == pytest.approx(
        cosine_momentum(0.99, 30, 120))
    assert 1 - build(MOCO).target.momentum == pytest.approx(0.99)
    # leave an empty hub as the current one for later tests
    MessageHub.get_instance(f'baselines_test_{uuid.uuid4().hex}')


def test_shared_encoder_has_one_momentum_encoder():
    model = build(MOCO, audio_backbone=None, share_backbone=True)
    assert set(model.target_modules) == {'video_backbone', 'neck'}
    log = model.train_step(batch(labels=False), optim(model))
    assert torch.isfinite(log['loss'])


@pytest.mark.parametrize('kwargs,match', [
    (dict(momentum=1.5), 'momentum must be'),
    (dict(momentum_schedule='linear'), 'momentum_schedule'),
])
def test_bad_momentum_arguments_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build(MOCO, **kwargs)
