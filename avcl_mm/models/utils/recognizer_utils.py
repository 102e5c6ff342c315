"""Helpers of ``AudioVisualRecognizer``: pooling, view pairing, reading a
backbone's output channels and checking the recognizer's arguments."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

Maps = Union[torch.Tensor, Sequence[torch.Tensor]]


def as_list(maps: Maps) -> List[torch.Tensor]:
    """A backbone output (tensor, tuple or list of stage maps) as a list."""
    return list(maps) if isinstance(maps, (tuple, list)) else [maps]


def stage_tensor(out) -> torch.Tensor:
    """One stage output of any mmaction backbone as a map ``(N, C, ...)``.

    - a map ``(N, C, T, H, W)`` / ``(N, C, H, W)`` or pooled ``(N, C)``
      features (CNNs, Video Swin, TimeSformer's class token): unchanged;
    - a token sequence ``(N, L, C)`` (ViT-style blocks): ``(N, C, L)``, so
      that pooling averages over the tokens;
    - a list ``[patch_map, cls_token]`` (MViT with ``output_cls_token``):
      the class token ``(N, C)``, the clip feature MViT's own head reads
      (the patch map when the token is ``None``).
    """
    if isinstance(out, (list, tuple)):
        parts = [t for t in out if isinstance(t, torch.Tensor)]
        if not parts:
            raise ValueError('A backbone stage returned no tensor: '
                             f'{type(out).__name__} of {len(out)} items.')
        tokens = [t for t in parts if t.dim() == 2]
        return tokens[-1] if tokens else stage_tensor(parts[0])
    if not isinstance(out, torch.Tensor):
        raise ValueError('A backbone returned a '
                         f'{type(out).__name__}, not tensors.')
    return out.transpose(1, 2) if out.dim() == 3 else out


def encoder_maps(backbone: nn.Module, x: torch.Tensor,
                 frames: bool = False) -> List[torch.Tensor]:
    """Run an encoder and return every stage it outputs as ``(N, C, ...)``.

    Args:
        backbone (nn.Module): Any mmaction backbone.
        x (torch.Tensor): Clips ``(N, C, T, H, W)``, or images
            ``(N, C, H, W)`` (2D audio input).
        frames (bool): Fold the ``T`` frames of each clip into the batch
            (``(N * T, C, H, W)``, the input of 2D backbones with temporal
            modules: TSN, TSM, TIN, TANet, as mmaction's ``Recognizer2D``)
            and stack each stage back to ``(N, C, T, ...)``, so that global
            average pooling is the segment consensus (average) followed by
            spatial pooling. Defaults to ``False``.

    Returns:
        list[torch.Tensor]: One map per returned stage.
    """
    if not frames:
        return [stage_tensor(m) for m in as_list(backbone(x))]
    if x.dim() != 5:
        raise ValueError("video_input='frames' needs clips (N, C, T, H, W), "
                         f'got {tuple(x.shape)}.')
    n, c, t = x.shape[:3]
    segments = getattr(backbone, 'num_segments', None)
    if segments is not None and segments != t:
        raise ValueError(
            f'{type(backbone).__name__} has num_segments={segments} but the '
            f'clips have {t} frames: set num_segments={t} in the backbone '
            'config (or sample that many frames).')
    folded = x.transpose(1, 2).reshape(n * t, c, *x.shape[3:])
    maps = []
    for m in as_list(backbone(folded)):
        m = stage_tensor(m)
        maps.append(m.reshape(n, t, *m.shape[1:]).transpose(1, 2))
    return maps


def input_channels(backbone: nn.Module) -> int:
    """Channels the backbone's first convolution takes (3 when it has
    none); a backbone's own ``in_channels`` attribute can name something
    else (MobileNetV2 keeps its last stage's there)."""
    for module in backbone.modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            return int(module.in_channels)
    return 3


def declared_channels(backbone: nn.Module) -> Optional[int]:
    """Output channels of the last returned stage when the backbone states
    them: ``feat_dim`` of mmaction's ResNets (2D, TSM, TIN, 3D, SlowOnly,
    audio) when the last stage is returned last, ``embed_dims`` of
    single-output video transformers (TimeSformer, ViT/VideoMAE). ``None``
    otherwise (then a dry run reads them)."""
    out_indices = getattr(backbone, 'out_indices', None)
    num_stages = getattr(backbone, 'num_stages', None)
    feat_dim = getattr(backbone, 'feat_dim', None)
    if isinstance(feat_dim, int) and not isinstance(feat_dim, bool):
        if out_indices is None or num_stages is None:
            return feat_dim
        if tuple(out_indices) and tuple(out_indices)[-1] == num_stages - 1:
            return feat_dim
        return None
    embed = getattr(backbone, 'embed_dims', None)
    if type(backbone).__name__ in ('TimeSformer', 'VisionTransformer') and \
            isinstance(embed, int):
        return embed
    return None


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
def probe_channels(backbone: nn.Module, example: torch.Tensor,
                   frames: bool = False) -> List[int]:
    """Channels of every map a backbone returns, by one dry run.

    The backbone runs in eval mode (norm statistics stay untouched) on the
    example input and is put back into its previous mode.

    Args:
        backbone (nn.Module): The backbone.
        example (torch.Tensor): A small valid input ``(1, C, ...)``.
        frames (bool): Fold the frames into the batch (see
            :func:`encoder_maps`). Defaults to ``False``.

    Returns:
        list[int]: Channel size of each returned map, in order.
    """
    was_training = backbone.training
    backbone.eval()
    try:
        maps = encoder_maps(backbone, example, frames)
    except Exception as err:
        raise ValueError(
            f'Could not read the output channels of {type(backbone).__name__}'
            f' from a dry run on an input of shape {tuple(example.shape)} '
            f'({err}); set feat_channels=(C_video, C_audio) in the '
            'recognizer config.') from err
    finally:
        backbone.train(was_training)
    return [int(m.shape[1]) for m in maps]


def _first_failure(name: str, checks: list) -> None:
    for ok, msg in checks:
        if not ok:
            raise ValueError(f'{name}: {msg}.')


def check_encoder_args(name: str, modality: str, audio_input: str,
                       video_input: str, feat_pool: str,
                       share_backbone: bool, amfm_reading: Optional[str],
                       readings: Sequence[str], video_backbone, audio_backbone,
                       neck) -> None:
    """Raise a ``ValueError`` naming the first inconsistent argument of a
    two-stream encoder."""
    _first_failure(name, [
        (modality in ('av', 'video', 'audio'),
         f"modality must be 'av', 'video' or 'audio', got {modality!r}"),
        (audio_input in ('clip', 'image'),
         f"audio_input must be 'clip' or 'image', got {audio_input!r}"),
        (video_input in ('clip', 'frames'),
         f"video_input must be one of ('clip', 'frames'), got "
         f'{video_input!r}'),
        (feat_pool in ('avg', 'max'),
         f"feat_pool must be 'avg' or 'max', got {feat_pool!r}"),
        (amfm_reading is None or amfm_reading in readings,
         f'amfm_reading must be one of {tuple(readings)} or None, got '
         f'{amfm_reading!r}'),
        (modality == 'av' or not neck,
         'a fusion neck needs both modalities: set neck=None'),
        (modality == 'audio' or bool(video_backbone),
         'video_backbone is required'),
        (modality == 'video' or share_backbone or bool(audio_backbone),
         'audio_backbone is required (or share_backbone=True)'),
        (not share_backbone or modality == 'av',
         "share_backbone=True needs modality='av'"),
        (not (share_backbone and audio_backbone),
         'share_backbone=True runs the audio through the video backbone: '
         'set audio_backbone=None'),
        (not (share_backbone and audio_input != 'clip'),
         "share_backbone=True needs audio_input='clip'"),
        (not (share_backbone and video_input == 'frames'),
         "video_input='frames' cannot share the video backbone with audio"),
    ])


def check_recognizer_args(name: str, modality: str, train_mode: str,
                          cgra_stages: Sequence[int], cfgs: dict) -> None:
    """Raise a ``ValueError`` naming the first inconsistent argument of an
    ``AudioVisualRecognizer`` (``cfgs`` maps head names to configs)."""
    has = {k: bool(v) for k, v in cfgs.items()}
    _first_failure(name, [
        (train_mode in ('ssl', 'cls'),
         f"train_mode must be 'ssl' or 'cls', got {train_mode!r}"),
        (train_mode != 'ssl' or has['head'],
         "train_mode='ssl' needs a head (the self-supervised one)"),
        (train_mode != 'cls' or has['cls_head'],
         "train_mode='cls' needs a cls_head"),
        (train_mode != 'ssl' or modality == 'av',
         "self-supervised training needs modality='av'"),
        (not cgra_stages or has['head'], 'cgra_stages needs a head'),
    ])


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
    if any(isinstance(m, nn.LayerNorm) for m in backbone.modules()):
        raise ValueError(f'{name}: signed_features=True drops a CNN\'s final '
                         f'ReLU; {type(backbone).__name__} ends in a '
                         'normalisation (a transformer), so its features '
                         'are signed already: set signed_features=False.')
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
