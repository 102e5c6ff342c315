"""metafile.yml per method and model-index.yml (OpenMMLab format)."""
import glob
import importlib.util
import os.path as osp
import re

import pytest
import yaml

from helpers.runs import REPO

METAFILES = sorted(osp.relpath(p, REPO) for p in glob.glob(
    osp.join(REPO, 'configs', '**', 'metafile.yml'), recursive=True))


def _load(path):
    with open(osp.join(REPO, path)) as f:
        return yaml.safe_load(f)


def _models():
    return [(path, model) for path in METAFILES
            for model in _load(path)['Models']]


def test_model_index_imports_every_metafile():
    index = _load('model-index.yml')
    assert sorted(index['Import']) == METAFILES
    assert len(METAFILES) >= 10  # AVCL and the nine Table IV baselines


@pytest.mark.parametrize('path', METAFILES)
def test_metafile_is_well_formed(path):
    data = _load(path)
    names = {c['Name'] for c in data['Collections']}
    for collection in data['Collections']:
        assert collection['Paper']['URL'].startswith('https://')
        assert collection['Paper']['Title']
    assert data['Models']
    for model in data['Models']:
        assert model['In Collection'] in names
        assert model['Weights'] is None  # no weights are published
        meta = model['Metadata']
        assert meta['Backbone'] in ('R3D', 'C3D', 'R(2+1)D')
        for key in ('Config', ):
            assert osp.isfile(osp.join(REPO, model[key])), model[key]
        if 'Finetune Config' in meta:
            assert osp.isfile(osp.join(REPO, meta['Finetune Config']))
        for result in model['Results']:
            assert result['Task'] == 'Action Recognition'
            assert result['Dataset'] in ('Kinetics-Sounds (K32)',
                                         'Kinetics-Sounds (K100)')
            top1 = result['Metrics']['Top 1 Accuracy']
            assert 0 < top1 < 100
            # every number we list is the paper's: none is measured here
            assert result['Paper'] is True


def test_model_names_are_unique_and_name_their_config():
    names = [model['Name'] for _, model in _models()]
    assert len(names) == len(set(names))
    for _, model in _models():
        stem = osp.splitext(osp.basename(model['Config']))[0]
        assert stem.replace('_pretrain', '') == model['Name']


def test_metadata_epochs_and_batch_match_the_configs():
    from mmengine.config import Config
    cache = {}

    def cfg(path):
        if path not in cache:
            cache[path] = Config.fromfile(osp.join(REPO, path))
        return cache[path]

    for _, model in _models():
        meta = model['Metadata']
        main = cfg(model['Config'])
        if 'Finetune Config' in meta:
            assert main.train_cfg.max_epochs == meta['Pretrain Epochs']
            finetune = cfg(meta['Finetune Config'])
            assert finetune.train_cfg.max_epochs == meta['Finetune Epochs']
        else:  # supervised from scratch
            assert main.train_cfg.max_epochs == meta['Epochs']
        devices = int(re.match(r'\d+', meta['Training Resources']).group())
        assert main.train_dataloader.batch_size * devices == \
            meta['Batch Size'], model['Name']


def test_every_method_config_has_a_metafile_entry():
    listed = {model['Config'] for _, model in _models()}
    patterns = ('configs/avcl_*_k*.py', 'configs/baselines/*_k32.py',
                'configs/related/*_k32.py', 'configs/demo/*_pretrain.py',
                'configs/baselines/demo/*.py', 'configs/related/demo/*.py')
    configs = {osp.relpath(p, REPO) for pattern in patterns
               for p in glob.glob(osp.join(REPO, pattern))}
    method_configs = {c for c in configs if not c.endswith('_finetune.py')}
    assert method_configs - listed == set()


def test_paper_numbers_match_the_leaderboard_paper_table():
    spec = importlib.util.spec_from_file_location(
        'leaderboard_tool', osp.join(REPO, 'tools', 'leaderboard.py'))
    lb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lb)
    paper = {}
    for name, backbone, k32, k100 in lb.PAPER_TOP1:
        key = name.split(' (')[0]
        paper[(key, backbone, 'K32')] = k32
        paper[(key, backbone, 'K100')] = k100
    found = {}
    for path, model in _models():
        collection = model['In Collection']
        for result in model['Results']:
            dataset = 'K100' if 'K100' in result['Dataset'] else 'K32'
            key = (collection, model['Metadata']['Backbone'], dataset)
            found[key] = result['Metrics']['Top 1 Accuracy']
    assert found == {k: v for k, v in paper.items() if k in found}
    # every K32 number of Table IV and AVCL's K100 numbers are listed
    assert {k for k in paper if k[2] == 'K32' or k[0] == 'AVCL'} <= \
        set(found)
