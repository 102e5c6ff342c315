"""tools/analysis/probe_features.py on methods without AMFM: one pass over
the clips for the random and the trained model, the neck row from the
method's projector (none without a neck), a self-describing JSON and the
decoded-input cache."""
import importlib.util
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from helpers.runs import REPO

SIMCLR = 'configs/baselines/demo/simclr_r3d_demo_pretrain.py'
IIC = 'configs/baselines/demo/iic_r3d_demo_pretrain.py'


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        'probe_features_tool',
        osp.join(REPO, 'tools', 'analysis', 'probe_features.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pf = _load_tool()


def _checkpoint(config, path, seed=5, epoch=3):
    """A checkpoint as mmengine writes it (weights, the run's config text,
    seed and epoch), of the config's model at a seeded random init."""
    import avcl_mm  # noqa: F401
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    cfg = Config.fromfile(osp.join(REPO, config))
    torch.manual_seed(123)
    model = MODELS.build(cfg.model)
    model.init_weights()
    torch.save(dict(meta=dict(cfg=cfg.pretty_text, seed=seed, epoch=epoch),
                    state_dict=model.state_dict()), str(path))
    return str(path)


class _Counting:
    """A dataset pipeline that counts the clips it decodes."""

    def __init__(self, pipeline, counter):
        self.pipeline, self.counter = pipeline, counter

    def __call__(self, info):
        self.counter.append(info['filename'])
        return self.pipeline(info)


@pytest.fixture
def decoded(monkeypatch):
    """The clips the tool's loaders decode, in order."""
    calls = []
    build = pf.build_loader

    def counting(*args, **kwargs):
        loader = build(*args, **kwargs)
        loader.dataset.pipeline = _Counting(loader.dataset.pipeline, calls)
        return loader
    monkeypatch.setattr(pf, 'build_loader', counting)
    return calls


def _probe(config, ckpt, data, out, *extra):
    return pf.main([osp.join(REPO, config), '--checkpoint', ckpt,
                    '--data-root', str(data), '--workers', '0', '--out',
                    str(out), *extra])


def test_a_projector_method_is_probed_in_one_pass(tiny_demo, tmp_path,
                                                  decoded):
    ckpt = _checkpoint(SIMCLR, tmp_path / 'epoch_3.pth')
    results = _probe(SIMCLR, ckpt, tiny_demo, tmp_path / 'probe.json')
    # random + trained encoders, 12 train + 6 val + 6 test clips: each
    # clip decoded once
    assert len(decoded) == 24 and len(set(decoded)) == 24
    for name in ('random', 'pretrained'):
        rows = results[name]
        assert set(rows) == {'video', 'audio', 'fused', 'neck fused',
                             'num_train', 'num_eval'}
        assert (rows['num_train'], rows['num_eval']) == (12, 12)
    # the neck row is the projector's output, not the encoders'
    assert results['pretrained']['neck fused'] != \
        results['pretrained']['fused']
    data = json.loads((tmp_path / 'probe.json').read_text())
    run = data['run']
    assert (run['method'], run['protocol'], run['seed'],
            run['pretrain_epochs'], run['dataset']) == (
        'SimCLR', 'frozen', 5, 3, tiny_demo.name)
    assert 'AVProjection' in data['features']['neck fused']
    assert data['random_seed'] == 0


def test_a_model_without_a_neck_has_no_neck_row_and_the_cache_skips_decoding(
        tiny_demo, tmp_path, decoded):
    ckpt = _checkpoint(IIC, tmp_path / 'epoch_3.pth')
    cache = tmp_path / 'cache'
    first = _probe(IIC, ckpt, tiny_demo, tmp_path / 'a.json', '--no-random',
                   '--input-cache', str(cache))
    assert set(first['pretrained']) == {'video', 'audio', 'fused',
                                        'num_train', 'num_eval'}
    assert len(decoded) == 24
    assert len(list(cache.glob('*.pt'))) == 3  # train, val, test
    second = _probe(IIC, ckpt, tiny_demo, tmp_path / 'b.json', '--no-random',
                    '--input-cache', str(cache))
    assert len(decoded) == 24  # nothing decoded the second time
    assert second == first
    assert json.loads((tmp_path / 'b.json').read_text())['run'][
        'method'] == 'IIC'


def test_without_a_checkpoint_only_the_random_init_is_probed(
        tiny_demo, tmp_path):
    out = tmp_path / 'random.json'
    results = pf.main([osp.join(REPO, IIC), '--data-root', str(tiny_demo),
                       '--workers', '0', '--seed', '4', '--out', str(out),
                       '--eval-splits', 'test'])
    assert list(results) == ['random']
    run = json.loads(out.read_text())['run']
    assert (run['method'], run['seed']) == ('Random init', 4)


def test_a_checkpoint_of_another_model_is_refused(tiny_demo, tmp_path):
    ckpt = _checkpoint(IIC, tmp_path / 'iic.pth')
    with pytest.raises(SystemExit, match='lacks'):
        _probe(SIMCLR, ckpt, tiny_demo, tmp_path / 'x.json')
    assert not (tmp_path / 'x.json').exists()
