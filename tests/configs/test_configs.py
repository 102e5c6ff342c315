"""Every shipped config parses and builds its model; paper settings hold."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from torch import nn
from mmengine.registry import init_default_scope

from helpers.runs import REPO

CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p)


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_builds_model(path):
    import avcl_mm  # noqa: F401
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    cfg = Config.fromfile(path)
    assert cfg.custom_imports.imports == ['avcl_mm']
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0


PAPER_PRETRAIN = [p for p in CONFIGS if osp.basename(p) in (
    'avcl_r3d_k32.py', 'avcl_r3d_k100.py', 'avcl_c3d_k32.py',
    'avcl_c3d_k100.py', 'avcl_r2plus1d_k32.py', 'avcl_r2plus1d_k100.py')]


def test_all_short_name_pretrain_configs_exist():
    assert len(PAPER_PRETRAIN) == 6


@pytest.mark.parametrize('path', PAPER_PRETRAIN,
                         ids=[osp.basename(p) for p in PAPER_PRETRAIN])
def test_pretrain_hyperparameters_match_paper(path):
    cfg = Config.fromfile(path)
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == \
        ('SGD', 0.001, 0.9, 5e-4)
    assert cfg.train_cfg.max_epochs == 300
    assert cfg.train_dataloader.batch_size * 8 == 16  # 8 GPUs x 2 clips
    assert cfg.auto_scale_lr.base_batch_size == 16
    head = cfg.model.head
    assert (head.lambda_cor, head.lambda_self) == (0.9, 0.1)
    assert head.loss_cor.lambd == 0.005
    assert head.loss_self.temperature == 0.07
    assert cfg.model.neck.type == 'AMFM'
    assert cfg.sync_bn == 'torch'  # BN -> SyncBN when distributed
    pipeline = cfg.train_dataloader.dataset.pipeline
    sample = [t for t in pipeline if t['type'] == 'SampleFrames'][0]
    assert sample['clip_len'] == 16
    mel = [t for t in pipeline if t['type'] == 'LogMelSpectrogram'][0]
    from avcl_mm.datasets.transforms import LogMelSpectrogram
    built = LogMelSpectrogram(**{k: v for k, v in mel.items() if k != 'type'})
    # the paper: 24 kHz audio, 10 ms window and hop, 256 mel bands
    assert (built.sample_rate, built.win_length, built.hop_length,
            built.n_mels) == (24000, 240, 240, 256)
    crop = [t for t in pipeline if t['type'] == 'SpectrogramCrop'][0]
    assert tuple(crop['size']) == (112, 112)


def test_finetune_configs_follow_paper():
    # the demo and bench configs have their own, short schedules
    paths = [p for p in CONFIGS if p.endswith('_finetune.py')
             and '/demo/' not in p and '/bench/' not in p]
    assert paths
    for path in paths:
        cfg = Config.fromfile(path)
        assert cfg.optim_wrapper.optimizer.weight_decay == 5e-3
        assert cfg.train_cfg.max_epochs == 150
        assert cfg.model.cls_head.dropout_ratio == 0.7
        assert cfg.default_hooks.checkpoint.save_best == 'acc/top1'


def test_r2plus1d_audio_encoder_matches_the_r3d_one_in_size():
    """Only the video encoder is factorised; on the one-frame spectrogram
    the audio encoder keeps R3D's 1x3x3 convs (Conv2plus1d's t=3 formula
    made it 11.57 M parameters against R3D's 4.90 M)."""
    import avcl_mm  # noqa: F401
    from mmaction.registry import MODELS
    init_default_scope('mmaction')

    def params(family):
        model = Config.fromfile(osp.join(
            REPO, 'configs', '_base_', 'models', f'avcl_{family}.py')).model
        model = MODELS.build(dict(model, feat_channels=(512, 512)))
        return [sum(p.numel() for p in m.parameters())
                for m in (model.video_backbone, model.audio_backbone)]

    (v3d, a3d), (v21d, a21d) = params('r3d'), params('r2plus1d')
    assert abs(a21d - a3d) <= 0.1 * a3d
    assert abs(v21d - v3d) <= 0.1 * v3d  # the video one keeps the count
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'avcl_r2plus1d_k32.py'))
    assert cfg.model.video_backbone.conv_cfg.type == 'Conv2plus1d'
    assert 'conv_cfg' not in cfg.model.audio_backbone


AMFM_CONFIGS = [p for p in CONFIGS
                if Config.fromfile(p).model.get('neck') and
                Config.fromfile(p).model.neck.get('type') == 'AMFM']


def test_every_amfm_config_is_found():
    names = {osp.relpath(p, REPO) for p in AMFM_CONFIGS}
    assert {'configs/avcl_r2plus1d_k100.py', 'configs/avcl_c3d_k32.py',
            'configs/demo/avcl_r3d_demo_pretrain.py',
            'configs/avcl_r3d_k32_finetune.py'} <= names
    assert len(names) >= 30


@pytest.mark.parametrize('path', AMFM_CONFIGS,
                         ids=[osp.relpath(p, REPO) for p in AMFM_CONFIGS])
def test_amfm_configs_use_the_reading_that_trains(path):
    """Every config with the AMFM neck (pretraining, finetuning, demo,
    ablations, other backbones) builds the reading chosen by the experiment
    (docs/amfm_readings.md): sigmoid gate, CGRA on signed features (a
    transformer's LayerNorm output is signed already), SelfCL summed as
    Eq. 7-10 print it, and AMFMMonitorHook on; only the literal-reading
    ablation differs, and in exactly the gate and the signed features."""
    import avcl_mm  # noqa: F401
    from mmaction.registry import MODELS
    from avcl_mm.models.utils.recognizer_utils import drop_final_activation
    init_default_scope('mmaction')
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)
    literal = osp.basename(path) == 'avcl_r3d_k32_literal.py'
    gate = nn.ReLU if literal else nn.Sigmoid
    assert isinstance(model.neck.gate, gate)
    transformer = any(type(m).__name__ == 'LayerNorm'
                      for m in model.video_backbone.modules())
    assert model.signed_features == (not literal and not transformer)
    if transformer:  # signed already: nothing to drop
        with pytest.raises(ValueError, match='signed already'):
            drop_final_activation(model.video_backbone, 'video')
    head = cfg.model.get('head')
    if head and head.get('loss_self'):
        assert head.loss_self.get('reduction') == 'sum'
    hooks = [h.get('type') for h in cfg.get('custom_hooks', [])]
    assert 'AMFMMonitorHook' in hooks
