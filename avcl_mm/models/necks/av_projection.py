"""Per-modality projectors of the self-supervised methods."""
from typing import Optional, Tuple

from mmaction.registry import MODELS
from mmengine.config import ConfigDict
from torch import Tensor, nn

from .projection_mlp import ProjectionMLP


def build_mlp(cfg: Optional[dict], in_channels: Optional[int],
              where: str) -> nn.Module:
    """A :class:`ProjectionMLP` (or a module of another ``type``) from a
    dict of its arguments, with ``in_channels`` filled in when unset."""
    if cfg is not None and not isinstance(cfg, (dict, ConfigDict)):
        raise ValueError(f'{where} must be a dict of ProjectionMLP '
                         f'arguments, got {cfg!r}.')
    cfg = dict(cfg or {})
    if in_channels is not None and cfg.get('type') in (None, 'ProjectionMLP'):
        cfg.setdefault('in_channels', in_channels)
    if 'type' not in cfg:
        return ProjectionMLP(**cfg)
    return MODELS.build(cfg)


@MODELS.register_module()
class AVProjection(nn.Module):
    """Two-stream projection neck: one projector per modality, no sharing.

    The comparison methods of AVCL (SimCLR https://arxiv.org/abs/2002.05709,
    MoCo https://arxiv.org/abs/1911.05722, BYOL
    https://arxiv.org/abs/2006.07733, SimSiam
    https://arxiv.org/abs/2011.10566, Barlow Twins
    https://arxiv.org/abs/2103.03230, AVID's MLPs) map the pooled video
    feature ``v`` and audio feature ``a`` of a clip to embeddings ``z_v``
    and ``z_a``. Predictors (BYOL, SimSiam) belong to the head.

    Args:
        video (dict): Arguments of the video :class:`ProjectionMLP` (or a
            config with ``type``). Defaults to ``dict()``.
        audio (dict): Arguments of the audio projector. Defaults to
            ``dict()``.
        in_channels (int, optional): Video feature width, the video
            projector's ``in_channels`` unless ``video`` sets it (the
            encoder base passes it). Defaults to ``None``.
        audio_channels (int, optional): The same for audio. Defaults to
            ``None``.
    """

    def __init__(self,
                 video: Optional[dict] = None,
                 audio: Optional[dict] = None,
                 in_channels: Optional[int] = None,
                 audio_channels: Optional[int] = None) -> None:
        super().__init__()
        self.video_projector = build_mlp(video, in_channels,
                                         'AVProjection: video')
        self.audio_projector = build_mlp(audio, audio_channels or in_channels,
                                         'AVProjection: audio')

    @property
    def out_channels(self) -> int:
        """Width of the embeddings (the video projector's)."""
        return int(self.video_projector.out_channels)

    def forward(self, x: Tuple[Tensor, Tensor]) -> Tuple[Tensor, Tensor]:
        """Project both modalities.

        Args:
            x (tuple[Tensor, Tensor]): Pooled features ``v`` ``(N, C_v)`` and
                ``a`` ``(N, C_a)``.

        Returns:
            tuple[Tensor, Tensor]: ``z_v`` ``(N, D)`` and ``z_a`` ``(N, D)``.
        """
        if not isinstance(x, (tuple, list)) or len(x) != 2:
            raise ValueError('AVProjection expects a pair (video, audio) of '
                             f'(N, C) tensors, got {type(x)}.')
        return self.video_projector(x[0]), self.audio_projector(x[1])
