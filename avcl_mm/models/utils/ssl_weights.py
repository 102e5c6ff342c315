"""Load the encoders (and fusion neck) of a pretraining checkpoint into a
finetuning model, or a stock mmaction checkpoint into one encoder.

``load_from = 'pretrain.pth'`` in a config does the same for two models of
the same class (mmengine loads non-strictly and warns about the missing
classifier); this helper also works across classes that share the module
names, and says exactly which weights were and were not loaded.
"""
import logging
from typing import Dict, List, Optional, Sequence, Union

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint

DEFAULT_PREFIXES = ('video_backbone.', 'audio_backbone.', 'neck.')


def _read_state(ckpt_path: str) -> dict:
    """The state dict of a checkpoint (``module.`` of DDP wrappers
    removed)."""
    ckpt = _load_checkpoint(ckpt_path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in state.items()}


def load_ssl_weights(model: nn.Module,
                     ckpt_path: str,
                     logger: Optional[object] = 'current',
                     prefixes: Sequence[str] = DEFAULT_PREFIXES
                     ) -> Dict[str, List[str]]:
    """Copy the weights under ``prefixes`` from a checkpoint into ``model``.

    Args:
        model (nn.Module): The model to fill (e.g. an
            ``AudioVisualRecognizer`` with a ``cls_head``).
        ckpt_path (str): Checkpoint file or URL (anything mmengine loads).
        logger (object, optional): Logger or logger name for the report.
            Defaults to ``'current'``.
        prefixes (Sequence[str]): Key prefixes to copy. Defaults to
            ``('video_backbone.', 'audio_backbone.', 'neck.')``.

    Returns:
        dict[str, list[str]]: ``loaded`` keys, ``missing`` model keys under
        the prefixes that the checkpoint lacks, ``unexpected`` checkpoint
        keys under the prefixes that the model lacks, and ``mismatched``
        keys whose shapes differ (not loaded).

    Raises:
        ValueError: If no weight of the checkpoint matches the prefixes.
    """
    state = _read_state(ckpt_path)
    wanted = {k: v for k, v in state.items() if k.startswith(tuple(prefixes))}
    own = {k: v for k, v in model.state_dict().items()
           if k.startswith(tuple(prefixes))}
    mismatched = sorted(k for k in wanted
                        if k in own and own[k].shape != wanted[k].shape)
    loadable = {k: v for k, v in wanted.items()
                if k in own and k not in mismatched}
    if not loadable:
        raise ValueError(
            f'load_ssl_weights: no weight of {ckpt_path} starts with '
            f'{tuple(prefixes)} and fits the model; is it a pretraining '
            'checkpoint of an AudioVisualRecognizer?')
    model.load_state_dict(loadable, strict=False)
    report = dict(
        loaded=sorted(loadable),
        missing=sorted(set(own) - set(wanted)),
        unexpected=sorted(set(wanted) - set(own)),
        mismatched=mismatched)
    print_log(
        f'load_ssl_weights: {len(loadable)} tensors from {ckpt_path}; '
        f'missing {report["missing"] or "none"}, unexpected '
        f'{report["unexpected"] or "none"}, shape mismatch '
        f'{mismatched or "none"}.', logger=logger,
        level=logging.WARNING if len(loadable) < len(own) else logging.INFO)
    return report


def load_stream_weights(encoder: nn.Module,
                        spec: Union[str, dict],
                        name: str = 'encoder',
                        logger: Optional[object] = 'current'
                        ) -> Dict[str, List[str]]:
    """Initialise one encoder from a stock checkpoint.

    Args:
        encoder (nn.Module): The video or audio encoder.
        spec (str | dict): Checkpoint path/URL, or ``dict(checkpoint=...,
            prefix='backbone.')``. The checkpoint's keys under ``prefix``
            (mmaction recognizers keep their backbone under ``backbone.``;
            an ``AudioVisualRecognizer`` under ``video_backbone.`` /
            ``audio_backbone.``; ``''`` takes every key of a bare backbone
            file) are stripped of it and loaded into ``encoder``.
        name (str): Name of the encoder in the report. Defaults to
            ``'encoder'``.
        logger (object, optional): Logger for the report. Defaults to
            ``'current'``.

    Returns:
        dict[str, list[str]]: ``loaded``, ``missing`` (encoder keys the
        checkpoint lacks), ``unexpected`` (checkpoint keys under the prefix
        the encoder lacks) and ``mismatched`` (shapes differ; not loaded),
        all as encoder keys.

    Raises:
        ValueError: If the spec is malformed or no key fits the encoder.
    """
    spec = dict(checkpoint=spec) if isinstance(spec, str) else dict(spec)
    path = spec.pop('checkpoint', None)
    prefix = spec.pop('prefix', 'backbone.')
    if not isinstance(path, str) or spec or not isinstance(prefix, str):
        raise ValueError(
            f'{name}_pretrained must be a checkpoint path or '
            "dict(checkpoint='file.pth', prefix='backbone.'); got extra or "
            f'bad keys {sorted(spec) or prefix!r}.')
    state = {k[len(prefix):]: v for k, v in _read_state(path).items()
             if k.startswith(prefix)}
    own = encoder.state_dict()
    mismatched = sorted(k for k in state
                        if k in own and own[k].shape != state[k].shape)
    loadable = {k: v for k, v in state.items()
                if k in own and k not in mismatched}
    if not loadable:
        found = sorted({k.split('.')[0] + '.' for k in _read_state(path)})
        raise ValueError(
            f'{name}_pretrained: no weight of {path} under the prefix '
            f'{prefix!r} fits {type(encoder).__name__}; the checkpoint\'s '
            f'top-level prefixes are {found[:8]}. Set prefix to the one '
            'that holds this backbone.')
    encoder.load_state_dict(loadable, strict=False)
    report = dict(loaded=sorted(loadable),
                  missing=sorted(set(own) - set(state)),
                  unexpected=sorted(set(state) - set(own)),
                  mismatched=mismatched)
    print_log(
        f'{name}: {len(loadable)} of {len(own)} tensors from {path} '
        f'(prefix {prefix!r}); missing {report["missing"] or "none"}, '
        f'unexpected {report["unexpected"] or "none"}, shape mismatch '
        f'{mismatched or "none"}.', logger=logger,
        level=logging.WARNING if len(loadable) < len(own) or
        report['unexpected'] else logging.INFO)
    return report
