"""Config validation: wrong keys, missing data roots, class-list mismatches
and batches too small for the loss are reported before any work starts,
each with what to change (all problems at once).

Covered already in tests/engine/test_validation.py: missing annotation file
and video folder, ``cls_head.num_classes`` vs class list, batch of 1 for
SelfCL (and 1 x 2 processes being fine), all problems listed at once.
"""
import glob
import warnings

import pytest
from mmengine.config import Config

from avcl_mm.engine.validation import (ConfigValidationError,
                                       ConfigValidationWarning,
                                       validate_config)
from helpers.reliability import PRETRAIN, REPO, run_tool


def _cfg(tmp_path, n_samples=4, classes=('x', 'y')):
    ann = tmp_path / 'train.txt'
    ann.write_text(''.join(f'v{i}.mp4 {i % 2}\n' for i in range(n_samples)))
    (tmp_path / 'videos').mkdir(exist_ok=True)
    class_file = tmp_path / 'classes.txt'
    class_file.write_text(''.join(f'{c}\n' for c in classes))
    return Config(dict(
        model=dict(type='AudioVisualRecognizer',
                   ssl_head=dict(type='AVCLHead',
                                 loss_cor=dict(type='CGRALoss', lambd=0.005),
                                 loss_self=dict(type='SelfCLLoss'))),
        train_dataloader=dict(
            batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            dataset=dict(type='AudioVisualDataset', ann_file=str(ann),
                         data_prefix=dict(video=str(tmp_path / 'videos')),
                         classes=str(class_file), pipeline=[
                             dict(type='DecordInit'),
                             dict(type='LoadAudioFromVideo',
                                  sample_rate=24000)])),
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=2),
        optim_wrapper=dict(type='FiniteLossOptimWrapper',
                           optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=1, max_keep_ckpts=1)),
        custom_hooks=[dict(type='BadSampleReportHook')],
        val_cfg=None))


def _problems(cfg):
    with pytest.raises(ConfigValidationError) as info:
        validate_config(cfg)
    return str(info.value)


def test_the_base_config_is_valid(tmp_path):
    validate_config(_cfg(tmp_path))


@pytest.mark.parametrize('path,key,fix', [
    # a typo in a loss, a dataset, a transform, the loop, the optimizer
    ('model.ssl_head.loss_self', 'temprature', 'temperature'),
    ('train_dataloader.dataset', 'ann_fle', 'ann_file'),
    ('train_dataloader.dataset.pipeline', 'sample_rte', 'sample_rate'),
    ('train_cfg', 'max_epoch', 'max_epochs'),
    ('optim_wrapper.optimizer', 'weight_decy', 'weight_decay'),
    ('optim_wrapper', 'max_consecutive_skip', 'max_consecutive_skips'),
    # CheckpointHook passes unknown keys to Runner.save_checkpoint: without
    # this check the typo fails at the end of the first epoch
    ('default_hooks.checkpoint', 'max_keep_ckpt', 'max_keep_ckpts'),
    ('custom_hooks', 'file_name', 'filename'),
])
def test_wrong_key_is_named_with_the_fix(tmp_path, path, key, fix):
    cfg = _cfg(tmp_path)
    node = cfg
    for part in path.split('.'):
        node = node[part]
    if isinstance(node, list):
        node = node[-1]
    node[key] = 1
    msg = _problems(cfg)
    assert f'{path}.{key}' in msg and f'did you mean "{fix}"' in msg, msg


def test_wrong_type_name_is_named_with_the_fix(tmp_path):
    cfg = _cfg(tmp_path)
    cfg.model.ssl_head.loss_cor.type = 'CGRALos'
    cfg.train_dataloader.dataset.pipeline[1].type = 'LoadAudioFromVdeo'
    msg = _problems(cfg)
    assert 'model.ssl_head.loss_cor.type: "CGRALos"' in msg
    assert 'did you mean "CGRALoss"' in msg
    assert 'did you mean "LoadAudioFromVideo"' in msg


def test_misspelt_top_level_setting_is_reported(tmp_path):
    cfg = _cfg(tmp_path)
    cfg.train_dataloder = dict(batch_size=8)  # silently ignored otherwise
    assert 'did you mean "train_dataloader"' in _problems(cfg)


def test_missing_class_list_file(tmp_path):
    cfg = _cfg(tmp_path)
    cfg.train_dataloader.dataset.classes = str(tmp_path / 'nope.txt')
    assert 'nope.txt" does not exist' in _problems(cfg)


def test_dataset_num_classes_disagreeing_with_its_class_list(tmp_path):
    cfg = _cfg(tmp_path)
    cfg.train_dataloader.dataset.num_classes = 3
    assert 'num_classes=3 but its class list has 2 names' in _problems(cfg)


def test_train_and_val_class_lists_differ(tmp_path):
    cfg = _cfg(tmp_path)
    other = tmp_path / 'other_classes.txt'
    other.write_text('y\nx\n')  # same names, other order
    val = dict(cfg.train_dataloader.to_dict())
    val['dataset'] = dict(val['dataset'], classes=str(other))
    cfg.val_dataloader = val
    cfg.val_cfg = dict(type='ValLoop')
    msg = _problems(cfg)
    assert 'different class lists' in msg and 'order' in msg


def test_last_batch_of_one_sample(tmp_path, monkeypatch):
    monkeypatch.setenv('WORLD_SIZE', '1')
    cfg = _cfg(tmp_path, n_samples=5)  # 2 + 2 + 1
    with pytest.warns(ConfigValidationWarning, match='drop_last=True'):
        validate_config(cfg)
    cfg.model.ssl_head.loss_cor.center = True  # cannot take 1 sample
    assert 'drop_last=True' in _problems(cfg)
    cfg.train_dataloader.drop_last = True
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        validate_config(cfg)


def test_batch_of_one_per_process_is_fine_with_two_processes(
        tmp_path, monkeypatch):
    cfg = _cfg(tmp_path)
    cfg.train_dataloader.batch_size = 1
    monkeypatch.setenv('WORLD_SIZE', '1')
    assert 'at least 2 samples in the global batch' in _problems(cfg)
    monkeypatch.setenv('WORLD_SIZE', '2')
    validate_config(cfg)


def test_shipped_configs_have_no_unknown_keys():
    """No false alarms: every config in configs/ passes the key checks."""
    from avcl_mm.engine.validation import _check_keys
    files = [f for f in glob.glob(f'{REPO}/configs/**/*.py', recursive=True)
             if '/_base_/' not in f]
    assert files
    for path in files:
        problems = []
        _check_keys(Config.fromfile(path), problems)
        assert problems == [], (path, problems)


def test_train_tool_fails_fast_naming_the_wrong_key(tmp_path):
    proc = run_tool('tools/train.py', PRETRAIN, '--cfg-options',
                    f'work_dir={tmp_path}', 'train_cfg.max_epoch=3',
                    'train_dataloader.dataset.ann_file=/nonexistent/a.txt',
                    check=False, timeout=120)
    assert proc.returncode != 0
    err = proc.stderr
    assert 'ConfigValidationError' in err
    assert 'train_cfg.max_epoch' in err and 'did you mean "max_epochs"' in err
    assert '/nonexistent/a.txt' in err  # every problem at once
    assert not glob.glob(str(tmp_path / '*' / '*.log'))  # nothing started
