"""Shared builders of the baseline tests: configs, tiny models and batches."""
import glob
import os.path as osp

import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper

import avcl_mm  # noqa: F401  (registers the modules)
from avcl_mm.utils.compat import set_gt_label

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
BASELINES = osp.join(REPO, 'configs', 'baselines')
SSL_METHODS = ('simclr', 'moco', 'byol', 'simsiam', 'barlowtwins', 'iic',
               'invclust')
SUPERVISED = ('baseline_r', 'baseline_a', 'baseline_ra')
T, S = 8, 32  # tiny clips: 8 frames, 32x32 px; 32x32 spectrogram crops


def config_path(name: str) -> str:
    """``configs/baselines/<name>.py``."""
    path = osp.join(BASELINES, f'{name}.py')
    assert osp.isfile(path), path
    return path


def all_configs() -> list:
    """Every shipped config under configs/baselines (no ``_base_``)."""
    return sorted(p for p in glob.glob(osp.join(BASELINES, '**', '*.py'),
                                       recursive=True) if '_base_' not in p)


def load_model_cfg(name: str, **overrides) -> dict:
    """The ``model`` of a baseline config, with ``overrides``."""
    cfg = Config.fromfile(config_path(name)).model.to_dict()
    cfg.update(overrides)
    return cfg


def build(name: str, seed: int = 0, **overrides):
    """Build and initialise the model of a baseline config. The K32 models
    get ``feat_channels=(512, 512)`` (skips the 112 px dry run)."""
    if not name.startswith('demo/'):
        overrides.setdefault('feat_channels', (512, 512))
    torch.manual_seed(seed)
    model = MODELS.build(load_model_cfg(name, **overrides))
    model.init_weights()
    return model


def batch(n: int = 4, labels: bool = True, seed: int = 0,
          num_classes: int = 6) -> dict:
    """A collated batch of ``n`` random clips (one view each)."""
    g = torch.Generator().manual_seed(seed)
    samples = []
    for i in range(n):
        sample = ActionDataSample()
        if labels:
            set_gt_label(sample, i % num_classes)
        samples.append(dict(
            inputs=dict(
                imgs=torch.randint(0, 256, (1, 3, T, S, S), generator=g,
                                   dtype=torch.uint8),
                audios=torch.randn((1, 1, 1, S, S), generator=g)),
            data_samples=sample))
    return pseudo_collate(samples)


def optim(model, lr: float = 0.01) -> OptimWrapper:
    return OptimWrapper(torch.optim.SGD(model.parameters(), lr=lr,
                                        momentum=0.9))


def snapshot(model, prefix: str) -> dict:
    """Copies of the state-dict tensors under ``prefix``."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()
            if k.startswith(prefix)}
