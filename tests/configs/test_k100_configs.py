"""The K100 configs of the comparison methods equal their K32 configs but
for the K100 data (and the class / cluster counts)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from helpers.runs import REPO

K100 = sorted(p for d in ('baselines', 'related')
              for p in glob.glob(osp.join(REPO, 'configs', d, '*_k100*.py')))


def _splits(cfg):
    out = {}
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if loader:
            out[key] = (loader.dataset.ann_file, loader.dataset.get('classes'))
    return out


def _strip(obj):
    """The config without data paths and the class / cluster counts."""
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items()
                if k not in ('ann_file', 'classes', 'num_classes',
                             'num_clusters', 'out_channels', 'load_from',
                             'class_list', 'split', 'work_dir')}
    if isinstance(obj, (list, tuple)):
        return [_strip(v) for v in obj]
    return obj


def test_every_k32_method_has_a_k100_config():
    names = {osp.basename(p) for p in K100}
    for d in ('baselines', 'related'):
        for k32 in glob.glob(osp.join(REPO, 'configs', d, '*_k32*.py')):
            assert osp.basename(k32).replace('k32', 'k100') in names, k32


@pytest.mark.parametrize('path', K100, ids=[osp.basename(p) for p in K100])
def test_k100_config_is_its_k32_config_on_k100_data(path):
    cfg = Config.fromfile(path)
    twin = Config.fromfile(path.replace('k100', 'k32'))
    for key, (ann, classes) in _splits(cfg).items():
        assert 'k100' in ann and 'k32' not in ann, (key, ann)
        assert classes in (None, 'data/kinetics_sounds/k100_classes.txt')
    assert _splits(cfg).keys() == _splits(twin).keys()
    head = cfg.model.get('cls_head')
    if head:
        assert head.num_classes == 100
    if 'invclust' in path:
        assert cfg.model.head.loss.num_clusters == 100
        assert cfg.model.neck.video.out_channels == 100
    if osp.basename(path).startswith('cma_'):
        assert cfg.load_from == 'work_dirs/avid_cross_r3d_k100/epoch_150.pth'
    assert _strip(cfg.to_dict()) == _strip(twin.to_dict())
