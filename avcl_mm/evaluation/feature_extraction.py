"""Run a recognizer over a dataloader and collect its pooled features."""
from typing import Dict, Iterable, Mapping, Sequence, Union

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
    return extract_features_of_models({'model': model}, dataloader,
                                      modality)['model']


@torch.no_grad()
def extract_features_of_models(models: Mapping[str, nn.Module],
                               dataloader: Iterable,
                               modality: Union[str, Sequence[str],
                                               None] = None
                               ) -> Dict[str, Dict[str, Tensor]]:
    """:func:`extract_features` of several models in one pass over the
    data: every batch is loaded (decoded) once and given to each model
    (e.g. pretrained and randomly initialised encoders).

    Args:
        models (Mapping[str, nn.Module]): Models by name.
        dataloader (Iterable): Yields mmengine data batches.
        modality (str | Sequence[str], optional): As in
            :func:`extract_features`. Defaults to ``None``.

    Returns:
        dict[str, dict[str, Tensor]]: :func:`extract_features`'s result per
        model name.
    """
    wanted = None
    if modality is not None:
        wanted = (modality, ) if isinstance(modality, str) \
            else tuple(modality)
        if not wanted or 'labels' in wanted:
            raise ValueError(
                'extract_features: modality must name at least one feature '
                f'key other than "labels", got {modality!r}.')
    keys = {name: wanted for name in models}
    feats: Dict[str, Dict[str, list]] = {name: {} for name in models}
    labels = []
    was_training = {name: m.training for name, m in models.items()}
    for model in models.values():
        model.eval()
    try:
        for batch in dataloader:
            for name, model in models.items():
                # a preprocessor may replace entries of the inputs dict:
                # each model gets its own copy of the batch's containers
                data = model.data_preprocessor(_shallow_copy(batch), False)
                outputs = as_feature_dict(model(**data, mode='tensor'),
                                          model)
                if keys[name] is None:
                    keys[name] = tuple(outputs)
                batch_labels = _labels_of(data['data_samples'])
                _append(feats[name], outputs, keys[name], batch_labels)
            labels.append(batch_labels)
    finally:
        for name, model in models.items():
            model.train(was_training[name])
    if not labels:
        raise ValueError('extract_features: the dataloader yielded no '
                         'batches.')
    result = {}
    for name in models:
        result[name] = {key: torch.cat(values)
                        for key, values in feats[name].items()}
        result[name]['labels'] = torch.cat(labels)
    return result


def _shallow_copy(batch):
    if not isinstance(batch, dict):
        return batch
    out = dict(batch)
    for key in ('inputs', 'data_samples'):
        if isinstance(out.get(key), dict):
            out[key] = dict(out[key])
        elif isinstance(out.get(key), list):
            out[key] = list(out[key])
    return out


def _append(store: Dict[str, list], outputs: Dict[str, Tensor],
            keys: Sequence[str], batch_labels: Tensor) -> None:
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
        store.setdefault(key, []).append(value.cpu())
