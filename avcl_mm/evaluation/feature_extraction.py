"""Run a recognizer over a dataloader and collect its pooled features."""
from typing import Dict, Iterable, Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from avcl_mm.utils.compat import get_gt_label


def _labels_of(data_samples: Sequence) -> Tensor:
    labels = []
    for i, sample in enumerate(data_samples):
        label = get_gt_label(sample)
        if label is None:
            raise ValueError(f'extract_features: data sample {i} has no '
                             'ground-truth label; evaluate on an annotation '
                             'list with labels.')
        labels.append(torch.as_tensor(label).reshape(-1)[0].long().cpu())
    return torch.stack(labels)


def as_feature_dict(outputs, model: nn.Module = None) -> Dict[str, Tensor]:
    """Name a model's ``mode='tensor'`` output.

    - a dict is returned as it is;
    - a pair ``(f_v, f_a)`` (``AudioVisualRecognizer`` with both modalities)
      becomes ``{'video': f_v, 'audio': f_a, 'fused': cat(l2(f_v), l2(f_a))}``
      (each modality L2-normalised so neither dominates the fused vector);
    - a single tensor is keyed by the model's ``modality`` (``'video'`` or
      ``'audio'``), or ``'features'`` when the model has none.
    """
    if isinstance(outputs, dict):
        return outputs
    if isinstance(outputs, (tuple, list)) and len(outputs) == 2 \
            and all(isinstance(o, Tensor) for o in outputs):
        f_v, f_a = outputs
        fused = torch.cat([F.normalize(f_v.float(), dim=1),
                           F.normalize(f_a.float(), dim=1)], dim=1)
        return {'video': f_v, 'audio': f_a, 'fused': fused}
    if isinstance(outputs, Tensor):
        key = getattr(model, 'modality', None)
        return {key if key in ('video', 'audio') else 'features': outputs}
    raise TypeError("extract_features: the model must return a dict, a "
                    "(video, audio) pair or one tensor of features in "
                    f"mode='tensor', got {type(outputs).__name__}.")


@torch.no_grad()
def extract_features(model: nn.Module,
                     dataloader: Iterable,
                     modality: Union[str, Sequence[str], None] = None
                     ) -> Dict[str, Tensor]:
    """Stack the frozen pooled features and labels of a whole dataloader.

    The model is run in evaluation mode as
    ``model(**model.data_preprocessor(batch, False), mode='tensor')``; its
    output is named by :func:`as_feature_dict`, e.g. ``{'video': (R, C_v),
    'audio': (R, C_a), 'fused': (R, C_v + C_a)}``. ``R`` is the number of data samples ``N``
    or a multiple ``N · K`` (``K`` clips per sample, sample-major, as
    mmaction's multi-clip test); the ``K`` clip features of a sample are
    averaged. The model's training mode is restored afterwards.

    Args:
        model (nn.Module): An mmengine model (e.g. the audio-visual
            recognizer) with a ``data_preprocessor``.
        dataloader (Iterable): Yields mmengine data batches
            (``dict(inputs=..., data_samples=[...])``).
        modality (str | Sequence[str], optional): Keys of the model output
            to collect. Defaults to ``None``: every key of the first batch's
            output (``video``/``audio``/``fused`` for an audio-visual
            recognizer, the one modality's key for a single-stream model).

    Returns:
        dict[str, Tensor]: One ``(N_total, C)`` CPU tensor per requested key
        and ``'labels'`` ``(N_total,)``.
    """
    keys = None
    if modality is not None:
        keys = (modality, ) if isinstance(modality, str) else tuple(modality)
        if not keys or 'labels' in keys:
            raise ValueError(
                'extract_features: modality must name at least one feature '
                f'key other than "labels", got {modality!r}.')
    feats: Dict[str, list] = {}
    labels = []
    was_training = model.training
    model.eval()
    try:
        for batch in dataloader:
            data = model.data_preprocessor(batch, False)
            outputs = as_feature_dict(model(**data, mode='tensor'), model)
            if keys is None:
                keys = tuple(outputs)
            batch_labels = _labels_of(data['data_samples'])
            num = batch_labels.numel()
            for key in keys:
                if key not in outputs:
                    raise KeyError(f'extract_features: the model output has '
                                   f'no "{key}" features; it has '
                                   f'{sorted(outputs)}. Set modality to '
                                   'some of these.')
                value = outputs[key].detach().float()
                if value.dim() != 2 or value.shape[0] % num:
                    raise ValueError(
                        f'extract_features: "{key}" features have shape '
                        f'{tuple(value.shape)}; expected (N, C) or (N*K, C) '
                        f'pooled features for N={num} samples.')
                value = value.reshape(num, -1, value.shape[1]).mean(dim=1)
                feats.setdefault(key, []).append(value.cpu())
            labels.append(batch_labels)
    finally:
        model.train(was_training)
    if not labels:
        raise ValueError('extract_features: the dataloader yielded no '
                         'batches.')
    result = {key: torch.cat(values) for key, values in feats.items()}
    result['labels'] = torch.cat(labels)
    return result
