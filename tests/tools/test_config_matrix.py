"""Every config under configs/ runs the way users run it.

``tools/analysis/smoke_configs.py`` trains each config for two iterations
through ``tools/train.py`` (no ``--seed``: as the README's commands run) on
tiny generated clips with shrunk inputs; configs with a test loader also
validate and run their multi-clip test through ``tools/test.py``. A config
that a user can select and that no test runs is a defect: the matrix is
built from the same glob as the shipped config list.
"""
import glob
import json
import math
import os.path as osp

import pytest
import torch

from helpers.runs import REPO, run_tool

CONFIGS = sorted(
    osp.relpath(p, REPO) for p in glob.glob(
        osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p.split(osp.sep))


@pytest.fixture(scope='module')
def matrix(tiny_demo, tmp_path_factory):
    out = tmp_path_factory.mktemp('matrix')
    summary = out / 'results.json'
    proc = run_tool('tools/analysis/smoke_configs.py', 'configs',
                    '--data-root', str(tiny_demo), '--work-dir',
                    str(out / 'runs'), '--jobs', '2', '--json', str(summary),
                    timeout=1800, check=False)
    results = {osp.relpath(osp.join(REPO, r['config']), REPO): r
               for r in json.load(open(summary))}
    return dict(results=results, stdout=proc.stdout, returncode=proc.returncode)


def test_matrix_covers_every_config(matrix):
    assert len(CONFIGS) >= 70
    assert sorted(matrix['results']) == CONFIGS
    failed = [c for c, r in matrix['results'].items() if not r['ok']]
    assert (matrix['returncode'] == 0) == (not failed)
    assert f'{len(CONFIGS)} of {len(CONFIGS)} configs trained and tested' \
        in matrix['stdout'] or failed


@pytest.mark.parametrize('config', CONFIGS)
def test_config_trains_and_tests(matrix, config):
    row = matrix['results'][config]
    assert row['ok'], f"{config} failed:\n{row.get('error')}\n" \
        f"{row.get('log_tail', '')}"
    train = row['train']
    ckpt = torch.load(train['checkpoint'], map_location='cpu',
                      weights_only=False)
    # two optimisation steps ran, from a seed drawn and stored for the run
    assert ckpt['meta']['iter'] == 2
    assert isinstance(ckpt['meta']['seed'], int)
    assert len(train['losses']) == 2
    assert all(math.isfinite(v) for v in train['losses'])
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, config))
    if cfg.get('test_dataloader', None):
        # multi-clip test through tools/test.py on the checkpoint
        assert 'acc/top1' in row['test']
        assert 0.0 <= row['test']['acc/top1'] <= 100.0
        test_pipe = cfg.test_dataloader.dataset.pipeline
        sample = [t for t in test_pipe if t.get('type') == 'SampleFrames']
        assert sample
        if config.startswith('configs/bench/'):
            # bench clips are 2 s at 8 fps: one clip of 8 frames taken
            # every 2nd covers the whole video
            assert sample[0]['clip_len'] * sample[0]['frame_interval'] == 16
        else:
            assert sample[0].get('num_clips', 1) > 1
    else:
        assert row['test'] is None
    if cfg.get('val_dataloader', None) and cfg.get('val_cfg', None):
        log = open(glob.glob(osp.join(osp.dirname(train['checkpoint']),
                                      '*', '*.log'))[0]).read()
        assert 'Epoch(val) [1]' in log and 'acc/top1' in log


def test_smoke_tool_fails_loudly_on_a_wrong_path(tmp_path):
    with pytest.raises(AssertionError, match='no config file or folder'):
        run_tool('tools/analysis/smoke_configs.py', str(tmp_path / 'nope'),
                 '--work-dir', str(tmp_path / 'w'))
    assert not (tmp_path / 'w' / 'results.json').exists()
