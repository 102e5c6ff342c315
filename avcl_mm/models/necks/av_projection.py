"""Per-modality projectors (and optional predictors) of the SSL baselines."""
from typing import Optional, Tuple

from mmaction.registry import MODELS
from mmengine.config import ConfigDict
from torch import Tensor, nn

from .projection_mlp import ProjectionMLP


def _build(cfg: dict, where: str) -> nn.Module:
    if not isinstance(cfg, (dict, ConfigDict)):
        raise ValueError(f'AVProjection: {where} must be a dict of '
                         f'ProjectionMLP arguments, got {cfg!r}.')
    cfg = dict(cfg)
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
    https://arxiv.org/abs/2103.03230) map the pooled video feature ``v`` and
    audio feature ``a`` of a clip to embeddings ``z_v`` and ``z_a``; BYOL and
    SimSiam add a predictor on top (:meth:`forward_predictor`).

    Args:
        video (dict): Arguments of the video :class:`ProjectionMLP` (or a
            config with ``type``). Defaults to ``dict()``.
        audio (dict): Arguments of the audio projector. Defaults to
            ``dict()``.
        predictor (dict, optional): ``dict(video=..., audio=...)`` configs of
            the two predictors, or one config used to build both (separate
            weights). Defaults to ``None`` (no predictor).
    """

    def __init__(self,
                 video: Optional[dict] = None,
                 audio: Optional[dict] = None,
                 predictor: Optional[dict] = None) -> None:
        super().__init__()
        self.video_projector = _build(video or dict(), 'video')
        self.audio_projector = _build(audio or dict(), 'audio')
        self.video_predictor: Optional[nn.Module] = None
        self.audio_predictor: Optional[nn.Module] = None
        if predictor is not None:
            if not isinstance(predictor, (dict, ConfigDict)):
                raise ValueError('AVProjection: predictor must be None or a '
                                 f'dict, got {predictor!r}.')
            split = set(predictor) == {'video', 'audio'}
            self.video_predictor = _build(
                predictor['video'] if split else predictor, 'predictor.video')
            self.audio_predictor = _build(
                predictor['audio'] if split else predictor, 'predictor.audio')

    @property
    def with_predictor(self) -> bool:
        """bool: Whether predictors were configured."""
        return self.video_predictor is not None

    @staticmethod
    def _check_pair(x: Tuple[Tensor, Tensor], what: str) -> None:
        if not isinstance(x, (tuple, list)) or len(x) != 2:
            raise ValueError(f'AVProjection: {what} expects a pair (video, '
                             f'audio) of (N, C) tensors, got {type(x)}.')

    def forward(self, x: Tuple[Tensor, Tensor]) -> Tuple[Tensor, Tensor]:
        """Project both modalities.

        Args:
            x (tuple[Tensor, Tensor]): Pooled features ``v`` ``(N, C_v)`` and
                ``a`` ``(N, C_a)``.

        Returns:
            tuple[Tensor, Tensor]: ``z_v`` ``(N, D)`` and ``z_a`` ``(N, D)``.
        """
        self._check_pair(x, 'forward')
        return self.video_projector(x[0]), self.audio_projector(x[1])

    def forward_predictor(
            self, z: Tuple[Tensor, Tensor]) -> Tuple[Tensor, Tensor]:
        """Apply the predictors to projected embeddings.

        Args:
            z (tuple[Tensor, Tensor]): ``z_v`` ``(N, D)`` and ``z_a``
                ``(N, D)`` from :meth:`forward`.

        Returns:
            tuple[Tensor, Tensor]: Predictions ``p_v`` and ``p_a``, each
            ``(N, D')``.
        """
        if not self.with_predictor:
            raise RuntimeError('AVProjection: forward_predictor needs a '
                               'predictor; set predictor=dict(...) in the '
                               'neck config (BYOL / SimSiam).')
        self._check_pair(z, 'forward_predictor')
        return self.video_predictor(z[0]), self.audio_predictor(z[1])
