"""Every baseline config builds its model and trains one iteration on a tiny
synthetic batch; the K32 configs keep the paper's settings."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from avcl_mm.utils.compat import get_pred_score
from helpers.builders import (BASELINES, SSL_METHODS, SUPERVISED,
                               all_configs, batch, build, config_path,
                               optim, snapshot)

SSL_CONFIGS = [f'demo/{m}_r3d_demo_pretrain' for m in SSL_METHODS] + \
    [f'{m}_r3d_k32' for m in SSL_METHODS]
CLS_CONFIGS = [f'demo/{m}_r3d_demo' for m in SUPERVISED] + \
    [f'{m}_r3d_k32' for m in SUPERVISED] + \
    ['demo/concat_r3d_demo_finetune', 'concat_r3d_k32_finetune']
LOSSES = dict(simclr='NTXentCrossModalLoss', moco='MoCoQueueLoss',
              byol='BYOLLoss', simsiam='SimSiamLoss',
              barlowtwins='BarlowTwinsLoss', iic='InterIntraContrastLoss',
              invclust='InvariantInfoClusteringLoss')
METHODS = dict(simclr='SimCLR', moco='MoCo', byol='BYOL', simsiam='SimSiam',
               barlowtwins='BarlowTwins', iic='IIC', invclust='InvClust')


def test_every_baseline_has_its_demo_and_k32_configs():
    names = {osp.relpath(p, BASELINES)[:-3] for p in all_configs()}
    assert set(SSL_CONFIGS) | set(CLS_CONFIGS) <= names


@pytest.mark.parametrize('name', SSL_CONFIGS)
def test_ssl_config_trains_one_iteration_without_labels(name):
    model = build(name)
    method = osp.basename(name).split('_')[0]
    # no fusion neck: a projector per modality (IIC compares the features)
    assert type(model.neck).__name__ == (
        'NoneType' if method == 'iic' else 'AVProjection')
    assert type(model.head.loss_module).__name__ == LOSSES[method]
    assert type(model).__name__ == METHODS[method]
    before = snapshot(model, '')
    log = model.train_step(batch(labels=False), optim(model))
    assert torch.isfinite(log['loss']) and 'loss_ssl' in log
    after = model.state_dict()
    prefixes = ('video_backbone.', 'audio_backbone.') + (
        ('neck.', ) if model.neck is not None else ())
    for prefix in prefixes:
        assert any(not torch.equal(v, after[k])
                   for k, v in before.items() if k.startswith(prefix)), \
            prefix


@pytest.mark.parametrize('name', CLS_CONFIGS)
def test_supervised_config_trains_one_iteration_and_predicts(name):
    model = build(name)
    assert model.neck is None and model.train_mode == 'cls'
    width = 128 if name.startswith('demo/') else 512
    want = dict(video=width, audio=width, av=2 * width)[model.modality]
    assert model.cls_head.in_channels == want  # plain [v; a] or one side
    log = model.train_step(batch(), optim(model))
    assert torch.isfinite(log['loss']) and 'loss_cls' in log
    model.eval()
    out = model.test_step(batch(n=2))
    assert get_pred_score(out[0]).shape == (model.cls_head.num_classes, )


@pytest.mark.parametrize('name,modality', [
    ('baseline_r', 'video'), ('baseline_a', 'audio'), ('baseline_ra', 'av')])
def test_supervised_baselines_use_the_named_modalities(name, modality):
    for path in (f'demo/{name}_r3d_demo', f'{name}_r3d_k32'):
        model = build(path)
        assert model.modality == modality
        assert (model.video_backbone is None) == (modality == 'audio')
        assert (model.audio_backbone is None) == (modality == 'video')


@pytest.mark.parametrize('method', SSL_METHODS)
def test_k32_pretraining_keeps_the_avcl_schedule(method):
    cfg = Config.fromfile(config_path(f'{method}_r3d_k32'))
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == \
        ('SGD', 0.001, 0.9, 5e-4)
    assert cfg.train_cfg.max_epochs == 300
    assert cfg.train_dataloader.batch_size * 8 == 16
    assert cfg.auto_scale_lr.base_batch_size == 16
    assert cfg.sync_bn == 'torch'
    assert cfg.train_dataloader.dataset.classes is None
    assert cfg.train_dataloader.dataset.ann_file.endswith('k32_train.txt')
    assert cfg.model.get('neck') is None or \
        cfg.model.neck.type == 'AVProjection'  # no AMFM
    assert 'loss_cor' not in cfg.model.head  # nothing left of AVCLHead


@pytest.mark.parametrize('name', [f'{m}_r3d_k32' for m in SUPERVISED] +
                         ['concat_r3d_k32_finetune'])
def test_k32_supervised_configs_keep_the_finetuning_schedule(name):
    cfg = Config.fromfile(config_path(name))
    assert cfg.optim_wrapper.optimizer.weight_decay == 5e-3
    assert cfg.optim_wrapper.optimizer.lr == 0.001
    assert cfg.train_cfg.max_epochs == 150
    assert cfg.model.cls_head.dropout_ratio == 0.7
    assert cfg.model.cls_head.num_classes == 32
    assert cfg.default_hooks.checkpoint.save_best == 'acc/top1'
    assert cfg.model.get('neck') is None and cfg.model.get('head') is None
    assert cfg.load_from is None  # from scratch / set on the command line
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        assert loader.dataset.ann_file.endswith(f'k32_{split}.txt')


def test_demo_pretraining_configs_keep_the_demo_run():
    demo = Config.fromfile(osp.join(BASELINES, '..', 'demo',
                                    'avcl_r3d_demo_pretrain.py'))
    for method in SSL_METHODS:
        cfg = Config.fromfile(config_path(f'demo/{method}_r3d_demo_pretrain'))
        for key in ('train_dataloader', 'train_cfg', 'randomness'):
            assert cfg[key] == demo[key], (method, key)
        assert cfg.val_dataloader is None
        # the comparison methods keep the lr and the plain encoders they
        # were measured with; AVCL's demo uses the paper's lr and reading
        assert cfg.optim_wrapper.optimizer.lr == 0.01
        assert cfg.model.get('signed_features') in (None, False)
        assert cfg.model.get('amfm_reading') is None  # plain post-ReLU
        assert demo.model.amfm_reading == 'sigmoid_signed'  # signed


@pytest.mark.parametrize('name', ['baseline_ra_shared_r3d_k32',
                                  'baseline_ra_shared_r3d_k100'])
def test_shared_baseline_ra_encodes_both_modalities_with_one_r3d(name):
    """The journal's Baseline-R+A: "through only one R3D network"."""
    model = build(name)
    assert model.share_backbone and model.audio_backbone is None
    assert model.audio_encoder is model.video_backbone
    assert model.modality == 'av' and model.cls_head.in_channels == 1024
    two = build(name.replace('_shared', ''))
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(two) - count(model) == count(two.audio_backbone)
    log = model.train_step(batch(), optim(model))
    assert torch.isfinite(log['loss'])
