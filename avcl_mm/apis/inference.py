"""Build a finetuned audio-visual recognizer and classify one video.

Thin wrappers of mmaction2's ``init_recognizer`` / ``inference_recognizer``:
the config's own ``test_pipeline`` decodes the frames *and* the video's
audio track (a video without one is classified on silence, with a warning,
as ``LoadAudioFromVideo(on_error='warn')`` does in training), the
checkpoint goes through avcl_mm's safe loader, and the class names come from
the config's class list.
"""
import os.path as osp
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import Config

from avcl_mm.datasets.audio_visual_dataset import read_class_list
from avcl_mm.utils.compat import get_pred_score

ConfigType = Union[str, Path, Config]


def _load_config(config: ConfigType,
                 cfg_options: Optional[dict] = None) -> Config:
    if isinstance(config, (str, Path)):
        if not osp.isfile(str(config)):
            raise FileNotFoundError(f'init_av_recognizer: no config file '
                                    f'{config}.')
        config = Config.fromfile(str(config))
    elif not isinstance(config, Config):
        raise TypeError('init_av_recognizer: config must be a file name or '
                        f'an mmengine Config, got {type(config).__name__}.')
    else:
        config = config.copy()
    if cfg_options:
        config.merge_from_dict(cfg_options)
    return config


def init_av_recognizer(config: ConfigType,
                       checkpoint: Optional[str] = None,
                       device: Union[str, torch.device] = 'cpu',
                       cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """The classification model of a finetuning config, in eval mode.

    Args:
        config (str | Path | Config): A finetuning config (its model has a
            ``cls_head``; pretraining configs are refused with the fix).
        checkpoint (str, optional): Weights to load (a finetuned
            checkpoint). ``None`` keeps the initialisation. Defaults to
            ``None``.
        device (str | torch.device): Defaults to ``'cpu'``.
        cfg_options (dict, optional): Overrides merged into the config, as
            ``--cfg-options``. Defaults to ``None``.

    Returns:
        nn.Module: The recognizer, with ``model.cfg`` set.
    """
    from mmaction.apis import init_recognizer
    import avcl_mm  # noqa: F401  (registers the plugin)
    cfg = _load_config(config, cfg_options)
    model_cfg = cfg.model
    if not model_cfg.get('cls_head'):
        raise ValueError(
            'init_av_recognizer: the config has no cls_head (a pretraining '
            'config?); use its finetuning config, e.g. '
            'configs/avcl_r3d_k32_finetune.py or '
            'configs/demo/avcl_r3d_demo_finetune.py.')
    if checkpoint is not None and not osp.isfile(checkpoint) and \
            '://' not in checkpoint:
        raise FileNotFoundError(f'init_av_recognizer: no checkpoint file '
                                f'{checkpoint}.')
    # a stock checkpoint named for initialisation is not needed to predict
    for key in ('video_pretrained', 'audio_pretrained'):
        if model_cfg.get(key) is not None:
            model_cfg[key] = None
    model_cfg.train_mode = 'cls'
    if 'test_pipeline' not in cfg:
        cfg.test_pipeline = cfg.test_dataloader.dataset.pipeline
    from avcl_mm.engine.checkpoint import safe_loading
    with safe_loading(checkpoint or 'checkpoint'):
        return init_recognizer(cfg, checkpoint, device=device)


def inference_av_recognizer(model: torch.nn.Module, video: str):
    """Classify one video file with the config's test pipeline (all its
    clips, scores averaged as in ``tools/test.py``).

    Returns:
        ActionDataSample: with the class scores (``pred_score`` /
        ``pred_scores``, by mmaction version).
    """
    from mmaction.apis import inference_recognizer
    if not osp.isfile(video):
        raise FileNotFoundError(f'inference_av_recognizer: no video file '
                                f'{video}.')
    return inference_recognizer(model, video)


def class_names(model: torch.nn.Module) -> Optional[List[str]]:
    """Class names of the model's config (``test_dataloader.dataset.classes``
    or ``class_list``), or ``None`` when the file is missing."""
    cfg = model.cfg
    source = None
    loader = cfg.get('test_dataloader') or {}
    source = (loader.get('dataset') or {}).get('classes') or \
        cfg.get('class_list')
    if source is None:
        return None
    if isinstance(source, str) and not osp.isfile(source):
        return None
    return read_class_list(source)


def top_k_classes(result, k: int = 5,
                  classes: Optional[Sequence[str]] = None
                  ) -> List[Tuple[int, str, float]]:
    """``(label, name, score)`` of the ``k`` highest scores of a result;
    names are ``str(label)`` without a class list."""
    scores = get_pred_score(result).detach().float().cpu()
    k = min(k, scores.numel())
    values, labels = scores.topk(k)
    return [(int(i), classes[int(i)] if classes and int(i) < len(classes)
             else str(int(i)), float(v))
            for v, i in zip(values, labels)]
