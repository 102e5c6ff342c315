"""Load the encoders (and fusion neck) of a pretraining checkpoint into a
finetuning model.

``load_from = 'pretrain.pth'`` in a config does the same for two models of
the same class (mmengine loads non-strictly and warns about the missing
classifier); this helper also works across classes that share the module
names, and says exactly which weights were and were not loaded.
"""
import logging
from typing import Dict, List, Optional, Sequence

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint

DEFAULT_PREFIXES = ('video_backbone.', 'audio_backbone.', 'neck.')


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
    ckpt = _load_checkpoint(ckpt_path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    state = {k[len('module.'):] if k.startswith('module.') else k: v
             for k, v in state.items()}
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
