"""A baseline pretraining checkpoint finetunes with the shared [v; a]
model: the online encoders load, momentum / projector / queue keys are
skipped without error."""
import pytest
import torch
from mmengine.runner.checkpoint import load_checkpoint, save_checkpoint

from avcl_mm.models.utils.ssl_weights import load_ssl_weights
from helpers.builders import SSL_METHODS, batch, build, optim

FINETUNE = 'demo/concat_r3d_demo_finetune'
ENCODERS = ('video_backbone.', 'audio_backbone.')


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """One trained pretraining checkpoint per method (mmengine's format)."""
    root = tmp_path_factory.mktemp('ckpt')
    paths = {}
    for method in SSL_METHODS:
        model = build(f'demo/{method}_r3d_demo_pretrain')
        model.train_step(batch(labels=False), optim(model))
        paths[method] = (str(root / f'{method}.pth'), model.state_dict())
        save_checkpoint(dict(state_dict=model.state_dict(),
                             meta=dict(epoch=1)), paths[method][0])
    return paths


@pytest.mark.parametrize('method', SSL_METHODS)
def test_load_from_fills_the_encoders_of_the_finetune_model(method,
                                                            checkpoints):
    path, pretrained = checkpoints[method]
    model = build(FINETUNE, seed=1)
    head_before = model.cls_head.fc_cls.weight.detach().clone()
    # what Runner.load_checkpoint does for `load_from` (non-strict)
    load_checkpoint(model, path, map_location='cpu', strict=False,
                    logger='silent')
    state = model.state_dict()
    encoder_keys = [k for k in state if k.startswith(ENCODERS)]
    assert encoder_keys
    for key in encoder_keys:
        assert torch.equal(state[key], pretrained[key]), key
    assert torch.equal(model.cls_head.fc_cls.weight, head_before)
    skipped = set(pretrained) - set(state)
    # IIC contrasts the encoder features directly: no head weights to skip
    assert bool(skipped) == (method != 'iic')
    assert all(k.startswith(('target.', 'head.', 'neck.')) for k in skipped)
    assert set(state) - set(pretrained) == {'cls_head.fc_cls.weight',
                                            'cls_head.fc_cls.bias'}
    log = model.train_step(batch(), optim(model))
    assert torch.isfinite(log['loss'])


@pytest.mark.parametrize('method', ['moco', 'byol'])
def test_load_ssl_weights_reports_no_missing_or_unexpected_encoder_keys(
        method, checkpoints):
    model = build(FINETUNE, seed=1)
    report = load_ssl_weights(model, checkpoints[method][0], logger='silent')
    assert report['missing'] == report['unexpected'] == []
    assert report['mismatched'] == []
    assert all(k.startswith(ENCODERS) for k in report['loaded'])
