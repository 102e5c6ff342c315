"""Config validation errors say what to change before any work starts."""
import pytest
from mmengine.config import Config

from avcl_mm.engine.runtime import use_gloo_without_gpu
from avcl_mm.engine.validation import ConfigValidationError, validate_config


def _cfg(tmp_path, **overrides):
    ann = tmp_path / 'train.txt'
    ann.write_text('a.mp4 0\n')
    (tmp_path / 'videos').mkdir(exist_ok=True)
    classes = tmp_path / 'classes.txt'
    classes.write_text('# header\nx\ny\n')
    cfg = dict(
        model=dict(type='AudioVisualRecognizer',
                   ssl_head=dict(type='AVCLHead',
                                 loss_self=dict(type='SelfCLLoss'))),
        train_dataloader=dict(
            batch_size=2,
            dataset=dict(type='AudioVisualDataset', ann_file=str(ann),
                         data_prefix=dict(video=str(tmp_path / 'videos')),
                         classes=str(classes))),
        val_cfg=None)
    cfg.update(overrides)
    return Config(cfg)


def test_valid_config_passes(tmp_path):
    validate_config(_cfg(tmp_path))


def test_missing_annotation_names_file_and_fix(tmp_path):
    cfg = _cfg(tmp_path)
    cfg.train_dataloader.dataset.ann_file = str(tmp_path / 'nope.txt')
    with pytest.raises(ConfigValidationError) as info:
        validate_config(cfg)
    assert 'nope.txt' in str(info.value)
    assert 'make_demo_dataset' in str(info.value)


def test_missing_video_root(tmp_path):
    cfg = _cfg(tmp_path)
    cfg.train_dataloader.dataset.data_prefix.video = str(tmp_path / 'gone')
    with pytest.raises(ConfigValidationError, match='gone'):
        validate_config(cfg)


def test_class_list_mismatch(tmp_path):
    cfg = _cfg(tmp_path)
    cfg.model.cls_head = dict(type='AVClsHead', num_classes=5)
    with pytest.raises(ConfigValidationError, match='num_classes=5.*2 classes'):
        validate_config(cfg)


def test_batch_too_small_for_contrastive_loss(tmp_path, monkeypatch):
    monkeypatch.setenv('WORLD_SIZE', '1')
    cfg = _cfg(tmp_path)
    cfg.train_dataloader.batch_size = 1
    with pytest.raises(ConfigValidationError, match='batch_size'):
        validate_config(cfg)
    monkeypatch.setenv('WORLD_SIZE', '2')  # 1 per rank x 2 ranks is fine
    validate_config(cfg)


def test_all_problems_listed_at_once(tmp_path):
    cfg = _cfg(tmp_path)
    cfg.train_dataloader.dataset.ann_file = str(tmp_path / 'nope.txt')
    cfg.train_dataloader.dataset.data_prefix.video = str(tmp_path / 'gone')
    with pytest.raises(ConfigValidationError) as info:
        validate_config(cfg)
    assert str(info.value).count('\n  - ') == 2


def test_gloo_fallback_without_gpu():
    cfg = Config(dict(launcher='pytorch'))
    assert use_gloo_without_gpu(cfg)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    cfg = Config(dict(launcher='none'))
    assert not use_gloo_without_gpu(cfg)


def test_gloo_fallback_turns_sync_bn_off_with_a_warning():
    cfg = Config(dict(launcher='pytorch', sync_bn='torch'))
    with pytest.warns(UserWarning, match="sync_bn='torch' turned off"):
        use_gloo_without_gpu(cfg)
    assert cfg.sync_bn is None
    assert cfg.model_wrapper_cfg.device_ids is None
    # single-process runs keep the config as it is (no DDP, no SyncBN)
    cfg = Config(dict(launcher='none', sync_bn='torch'))
    use_gloo_without_gpu(cfg)
    assert cfg.sync_bn == 'torch'


def test_missing_load_from_names_the_run_that_writes_it(tmp_path):
    cfg = _cfg(tmp_path, load_from='work_dirs/avid_cross_r3d_k32/'
               'epoch_150.pth')
    with pytest.raises(ConfigValidationError,
                       match='train the config "avid_cross_r3d_k32.py"'):
        validate_config(cfg)
    ckpt = tmp_path / 'x.pth'
    ckpt.write_bytes(b'')
    validate_config(_cfg(tmp_path, load_from=str(ckpt)))
