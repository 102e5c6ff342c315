"""The ablation configs (paper Tables I-III) change what their rows say."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from helpers.runs import REPO

ABL = osp.join(REPO, 'configs', 'ablations')


def _cfg(name):
    return Config.fromfile(osp.join(ABL, name))


def _model(name):
    import avcl_mm  # noqa: F401
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    torch.manual_seed(0)
    return MODELS.build(_cfg(name).model)


def _inputs(n=4, t=4, size=48):
    g = torch.Generator().manual_seed(1)
    return dict(imgs=torch.randn(n, 1, 3, t, size, size, generator=g),
                audios=torch.randn(n, 1, 1, 1, size, size, generator=g))


def _cor_calls(model, inputs):
    """Loss dict and the (v, a) pairs the CGRA loss was called on."""
    calls = []
    model.head.loss_cor.register_forward_hook(
        lambda mod, args, out: calls.append(args))
    return model(inputs, mode='loss'), calls


def _pipelines(cfg):
    return [cfg[k].dataset.pipeline for k in
            ('train_dataloader', 'val_dataloader', 'test_dataloader')
            if cfg.get(k)]


def _one(pipeline, kind):
    (step, ) = [t for t in pipeline if t['type'] == kind]
    return step


@pytest.mark.parametrize('name,frames', [
    ('avcl_r3d_k32_t1_audio1p2s.py', 1),
    ('avcl_r3d_k32_t1_audio1p2s_finetune.py', 1),
    ('avcl_r3d_k32_t16_audio1p2s.py', 16),
    ('avcl_r3d_k32_t16_audio1p2s_finetune.py', 16)])
def test_table1_frames_and_a_1p2s_window_in_every_pipeline(name, frames):
    pipelines = _pipelines(_cfg(name))
    assert len(pipelines) == (1 if 'finetune' not in name else 3)
    for pipeline in pipelines:
        assert _one(pipeline, 'SampleFrames')['clip_len'] == frames
        assert _one(pipeline, 'LoadAudioFromVideo')['window'] == 1.2
    base = Config.fromfile(osp.join(REPO, 'configs', 'avcl_r3d_k32.py'))
    base_pipe = base.train_dataloader.dataset.pipeline
    assert [t['type'] for t in pipelines[0]] == [t['type'] for t in base_pipe]


def test_table1_one_frame_clip_trains():
    model = _model('avcl_r3d_k32_t1_audio1p2s.py')
    losses = model(_inputs(t=1), mode='loss')
    assert torch.isfinite(losses['loss_cor'] + losses['loss_self'])


@pytest.mark.parametrize('name', ['avcl_r3d_k32_shared.py',
                                  'avcl_r3d_k32_shared_finetune.py'])
def test_table1_shared_model_has_one_encoder(name):
    model = _model(name)
    assert model.audio_backbone is None
    assert not any(k.startswith('audio_backbone')
                   for k in model.state_dict())
    if 'finetune' not in name:
        losses = model(_inputs(), mode='loss')
        assert torch.isfinite(losses['loss_cor'])


@pytest.mark.parametrize('name, channels', [
    ('avcl_r3d_k32_cgra_conv3.py', [128]),
    ('avcl_r3d_k32_cgra_conv4.py', [256]),
    ('avcl_r3d_k32_cgra_conv5.py', [512]),
    ('avcl_r3d_k32_cgra_conv5_pool.py', [512, 512]),
])
def test_table2_cgra_sees_the_named_stage(name, channels):
    model = _model(name).train()
    inputs = _inputs()
    losses, calls = _cor_calls(model, inputs)
    assert [v.shape[1] for v, _ in calls] == channels
    assert all(v.shape[0] == 4 for v, _ in calls)
    if name.endswith(('conv5.py', 'conv5_pool.py')):
        # conv5 = the encoders' own pooled output, before AMFM
        model.eval()
        with torch.no_grad():
            v, a = model.encode(inputs, fuse=False)
            calls.clear()
            model.head.loss(*model.encode(inputs),
                            stage_feats=model.pooled(
                                inputs, stages=model.cgra_stages)[2])
        torch.testing.assert_close(calls[0][0], v)
        torch.testing.assert_close(calls[0][1], a)
        if len(calls) == 2:  # + the pool-final pair, after AMFM
            f_v, f_a = model.encode(inputs)
            torch.testing.assert_close(calls[1][0], f_v)
            assert not torch.allclose(calls[1][0], v)
    total = losses['loss_cor'] + losses['loss_self']
    assert torch.isfinite(total)


@pytest.mark.parametrize('name, parts, weights', [
    ('avcl_r3d_k32_cgra_none.py', {'loss_self'}, (0.0, 0.1)),
    ('avcl_r3d_k32_selfcl_off.py', {'loss_cor'}, (1.0, 0.0)),
    ('avcl_r3d_k32_lcor0p1.py', {'loss_cor', 'loss_self'}, (0.1, 0.9)),
    ('avcl_r3d_k32_lcor0p3.py', {'loss_cor', 'loss_self'}, (0.3, 0.7)),
    ('avcl_r3d_k32_lcor0p5.py', {'loss_cor', 'loss_self'}, (0.5, 0.5)),
    ('avcl_r3d_k32_lcor0p7.py', {'loss_cor', 'loss_self'}, (0.7, 0.3)),
])
def test_table3_loss_weights(name, parts, weights):
    model = _model(name)
    head = _cfg(name).model.head
    assert (head.lambda_cor, head.lambda_self) == weights
    losses = model(_inputs(), mode='loss')
    assert {k for k in losses if k.startswith('loss')} == parts
    for key, raw, w in (('loss_cor', 'cor', weights[0]),
                        ('loss_self', 'selfcl', weights[1])):
        if key in parts:
            torch.testing.assert_close(losses[key].detach(), w * losses[raw])


@pytest.mark.parametrize('name', ['avcl_r3d_k32_amfm_off.py',
                                  'avcl_r3d_k32_amfm_off_finetune.py'])
def test_table3_amfm_off(name):
    model = _model(name)
    assert model.neck is None
    inputs = _inputs()
    if 'finetune' in name:
        assert model.cls_head.fc_cls.in_features == 1024  # [v; a]
    else:
        _, calls = _cor_calls(model, inputs)
        v, a = model.encode(inputs, fuse=False)
        torch.testing.assert_close(calls[0][0], v)
