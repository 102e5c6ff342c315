"""Helpers of ``AudioVisualRecognizer``: pooling, view pairing, reading a
backbone's output channels and checking the recognizer's arguments."""
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn as nn

Maps = Union[torch.Tensor, Sequence[torch.Tensor]]


def as_list(maps: Maps) -> List[torch.Tensor]:
    """A backbone output (tensor, tuple or list of stage maps) as a list."""
    return list(maps) if isinstance(maps, (tuple, list)) else [maps]


def global_pool(x: torch.Tensor, kind: str = 'avg') -> torch.Tensor:
    """Average (``kind='avg'``) or maximum (``'max'``) over every axis after
    channels: ``(N, C, ...)`` -> ``(N, C)``.

    Works for 3D maps ``(N, C, T, H, W)``, 2D maps ``(N, C, H, W)`` and
    already pooled ``(N, C)`` features.
    """
    if x.dim() < 2:
        raise ValueError('global_pool expects a map (N, C, ...), got shape '
                         f'{tuple(x.shape)}.')
    if kind not in ('avg', 'max'):
        raise ValueError(f"global_pool: kind must be 'avg' or 'max', got "
                         f'{kind!r}.')
    if x.dim() == 2:
        return x
    flat = x.flatten(2)
    return flat.mean(dim=2) if kind == 'avg' else flat.amax(dim=2)


def pair_views(v: torch.Tensor, a: torch.Tensor, num_samples: int
               ) -> Tuple[torch.Tensor, torch.Tensor, int]:
    """Align video and audio views of each sample.

    Args:
        v (torch.Tensor): ``(N * V, ...)``, the views of a sample contiguous.
        a (torch.Tensor): ``(N * Va, ...)``.
        num_samples (int): ``N``.

    Returns:
        tuple: ``(v, a, views)`` where both tensors have ``N * views`` rows.
        ``Va == V`` pairs view by view; ``Va == 1`` repeats the audio for
        every video view (and ``V == 1`` the video for every audio view).
    """
    num_v, num_a = v.shape[0] // num_samples, a.shape[0] // num_samples
    if num_v == num_a:
        return v, a, num_v
    if num_a == 1:
        return v, _repeat_views(a, num_samples, num_v), num_v
    if num_v == 1:
        return _repeat_views(v, num_samples, num_a), a, num_a
    raise ValueError(f'Cannot pair {num_v} video views with {num_a} audio '
                     'views per sample: use the same number, or 1 audio '
                     'view (it is then shared by all video views).')


def _repeat_views(x: torch.Tensor, num_samples: int,
                  views: int) -> torch.Tensor:
    x = x.reshape((num_samples, 1) + tuple(x.shape[1:]))
    x = x.expand((num_samples, views) + tuple(x.shape[2:]))
    return x.reshape((num_samples * views, ) + tuple(x.shape[2:]))


@torch.no_grad()
def probe_channels(backbone: nn.Module, example: torch.Tensor) -> List[int]:
    """Channels of every map a backbone returns, by one dry run.

    The backbone runs in eval mode (norm statistics stay untouched) on the
    example input and is put back into its previous mode.

    Args:
        backbone (nn.Module): The backbone.
        example (torch.Tensor): A small valid input ``(1, C, ...)``.

    Returns:
        list[int]: Channel size of each returned map, in order.
    """
    was_training = backbone.training
    backbone.eval()
    try:
        maps = as_list(backbone(example))
    except Exception as err:
        raise ValueError(
            f'Could not read the output channels of {type(backbone).__name__}'
            f' from a dry run on an input of shape {tuple(example.shape)} '
            f'({err}); set feat_channels=(C_video, C_audio) in the '
            'recognizer config.') from err
    finally:
        backbone.train(was_training)
    return [int(m.shape[1]) for m in maps]


def check_recognizer_args(name: str, modality: str, audio_input: str,
                          train_mode: str, share_backbone: bool,
                          cgra_stages: Sequence[int], cfgs: dict) -> None:
    """Raise a ``ValueError`` naming the first inconsistent argument of an
    ``AudioVisualRecognizer`` (``cfgs`` maps argument names to configs)."""
    has = {k: bool(v) for k, v in cfgs.items()}
    checks = [
        (modality in ('av', 'video', 'audio'),
         f"modality must be 'av', 'video' or 'audio', got {modality!r}"),
        (audio_input in ('clip', 'image'),
         f"audio_input must be 'clip' or 'image', got {audio_input!r}"),
        (train_mode in ('ssl', 'cls'),
         f"train_mode must be 'ssl' or 'cls', got {train_mode!r}"),
        (train_mode != 'ssl' or has['ssl_head'],
         "train_mode='ssl' needs an ssl_head"),
        (train_mode != 'cls' or has['cls_head'],
         "train_mode='cls' needs a cls_head"),
        (train_mode != 'ssl' or modality == 'av',
         "self-supervised training needs modality='av'"),
        (modality == 'av' or not has['neck'],
         'a fusion neck needs both modalities: set neck=None'),
        (modality == 'audio' or has['video_backbone'],
         'video_backbone is required'),
        (modality == 'video' or share_backbone or has['audio_backbone'],
         'audio_backbone is required (or share_backbone=True)'),
        (not share_backbone or modality == 'av',
         "share_backbone=True needs modality='av'"),
        (not (share_backbone and has['audio_backbone']),
         'share_backbone=True runs the audio through the video backbone: '
         'set audio_backbone=None'),
        (not (share_backbone and audio_input != 'clip'),
         "share_backbone=True needs audio_input='clip'"),
        (not cgra_stages or has['ssl_head'], 'cgra_stages needs an ssl_head'),
    ]
    for ok, msg in checks:
        if not ok:
            raise ValueError(f'{name}: {msg}.')


def stage_position(backbone: nn.Module, stage: int) -> int:
    """Position of stage ``stage`` in the outputs of a backbone that returns
    the maps of its ``out_indices``."""
    indices = list(getattr(backbone, 'out_indices', ()))
    if stage not in indices:
        raise ValueError(
            f'cgra_stages has {stage} but {type(backbone).__name__}'
            f'.out_indices={tuple(indices)}: add it to the out_indices of '
            'both backbones (keep the last stage last).')
    return indices.index(stage)


_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU,
                nn.Hardswish)


def drop_final_activation(backbone: nn.Module, name: str) -> str:
    """Replace the backbone's last activation module by ``nn.Identity``, so
    that its output (and the pooled feature) is signed.

    "Last" is the last activation module registered in the backbone: the
    ReLU after the residual sum of the last ResNet3d block (also with
    ``Conv2plus1d``), or the activation of C3D's last conv. Backbones whose
    output is not produced by such a module are not supported.

    Returns:
        str: The dotted name of the replaced module.
    """
    last = None
    for mod_name, module in backbone.named_modules():
        if isinstance(module, _ACTIVATIONS):
            last = mod_name
    if last is None:
        raise ValueError(f'{name}: signed_features=True needs a backbone '
                         'whose output comes from an activation module '
                         f'(ResNet3d, C3DGAP); {type(backbone).__name__} '
                         'has none.')
    parent_name, _, attr = last.rpartition('.')
    parent = backbone.get_submodule(parent_name) if parent_name else backbone
    setattr(parent, attr, nn.Identity())
    return last
