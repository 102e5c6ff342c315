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

ENCODER_PREFIXES = ('video_backbone.', 'audio_backbone.', 'proj_v.',
                    'proj_a.')


def _read_state(ckpt_path: str) -> dict:
    """The state dict of a checkpoint (``module.`` of DDP wrappers
    removed)."""
    from avcl_mm.engine.checkpoint import safe_loading
    with safe_loading(ckpt_path):
        ckpt = _load_checkpoint(ckpt_path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in state.items()}


def _match(own: dict, wanted: dict) -> Dict[str, List[str]]:
    """Which ``wanted`` tensors fit ``own`` (a state dict): ``loaded``,
    ``missing`` (own keys ``wanted`` lacks), ``unexpected`` (wanted keys
    ``own`` lacks) and ``mismatched`` (shapes differ)."""
    mismatched = sorted(k for k in wanted
                        if k in own and own[k].shape != wanted[k].shape)
    return dict(loaded=sorted(k for k in wanted
                              if k in own and k not in mismatched),
                missing=sorted(set(own) - set(wanted)),
                unexpected=sorted(set(wanted) - set(own)),
                mismatched=mismatched)


def _log_report(what: str, report: dict, total: int, source: str,
                logger) -> None:
    """One line: how many of ``total`` tensors came from ``source`` and
    which keys did not (a warning unless everything fitted)."""
    print_log(
        f'{what}: {len(report["loaded"])} of {total} tensors from {source}; '
        f'missing {report["missing"] or "none"}, unexpected '
        f'{report["unexpected"] or "none"}, shape mismatch '
        f'{report["mismatched"] or "none"}.', logger=logger,
        level=logging.WARNING if len(report['loaded']) < total or
        report['unexpected'] else logging.INFO)


def load_ssl_weights(model: nn.Module,
                     ckpt_path: str,
                     logger: Optional[object] = 'current',
                     prefixes: Optional[Sequence[str]] = None
                     ) -> Dict[str, List[str]]:
    """Copy the weights under ``prefixes`` from a checkpoint into ``model``.

    Args:
        model (nn.Module): The model to fill (e.g. an
            ``AudioVisualRecognizer`` with a ``cls_head``).
        ckpt_path (str): Checkpoint file or URL (anything mmengine loads).
        logger (object, optional): Logger or logger name for the report.
            Defaults to ``'current'``.
        prefixes (Sequence[str], optional): Key prefixes to copy. Defaults
            to ``None``: the encoders (``video_backbone.``,
            ``audio_backbone.``, ``proj_v.``, ``proj_a.``), and ``neck.``
            when the model has a neck (AVCL's AMFM; a comparison method's
            projector is no part of its classifier).

    Returns:
        dict[str, list[str]]: ``loaded`` keys, ``missing`` model keys under
        the prefixes that the checkpoint lacks, ``unexpected`` checkpoint
        keys under the prefixes that the model lacks, and ``mismatched``
        keys whose shapes differ (not loaded).

    Raises:
        ValueError: If no weight of the checkpoint matches the prefixes.
    """
    if prefixes is None:
        prefixes = ENCODER_PREFIXES + (
            ('neck.', ) if getattr(model, 'neck', None) is not None else ())
    state = _read_state(ckpt_path)
    wanted = {k: v for k, v in state.items() if k.startswith(tuple(prefixes))}
    own = {k: v for k, v in model.state_dict().items()
           if k.startswith(tuple(prefixes))}
    report = _match(own, wanted)
    if not report['loaded']:
        raise ValueError(
            f'load_ssl_weights: no weight of {ckpt_path} starts with '
            f'{tuple(prefixes)} and fits the model; is it a pretraining '
            'checkpoint of an AudioVisualRecognizer?')
    model.load_state_dict({k: wanted[k] for k in report['loaded']},
                          strict=False)
    _log_report('load_ssl_weights', report, len(own), ckpt_path, logger)
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
    report = _match(own, state)
    if not report['loaded']:
        found = sorted({k.split('.')[0] + '.' for k in _read_state(path)})
        raise ValueError(
            f'{name}_pretrained: no weight of {path} under the prefix '
            f'{prefix!r} fits {type(encoder).__name__}; the checkpoint\'s '
            f'top-level prefixes are {found[:8]}. Set prefix to the one '
            'that holds this backbone.')
    encoder.load_state_dict({k: state[k] for k in report['loaded']},
                            strict=False)
    _log_report(name, report, len(own), f'{path} (prefix {prefix!r})',
                logger)
    return report
