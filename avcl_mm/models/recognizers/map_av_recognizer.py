"""Two-stream recognizer whose SSL head sees the feature maps before
pooling (CMAC), with optional momentum (MoCo key) encoders."""
import copy
from typing import Dict, Optional, Tuple

import torch
from mmaction.registry import MODELS
from torch import nn

from avcl_mm.models.utils.momentum import momentum_update
from avcl_mm.models.utils.recognizer_utils import pair_views

from .audio_visual_recognizer import AudioVisualRecognizer


@MODELS.register_module()
class MapAVRecognizer(AudioVisualRecognizer):
    """:class:`AudioVisualRecognizer` whose self-supervised head receives
    the encoders' last maps *before* global pooling, as CMAC's pyramid
    correlation filtering and saliency heads need.

    In ``train_mode='ssl'`` the view-paired maps ``v`` ``(N * V, C, T, H,
    W)`` and ``a`` ``(N * V, C_a, 1, H', W')`` (``audio_input='clip'``) or
    ``(N * V, C_a, H', W')`` (``'image'``) go to
    ``ssl_head.loss(v, a, data_samples, key_feats=...)``. With
    ``momentum`` set, momentum copies of the encoders (the MoCo key encoder;
    never trained by the optimiser) follow the online ones,
    ``θ_k ← m θ_k + (1 − m) θ_q`` before every training forward, and their
    maps of the same clips are passed as ``key_feats=(k_v, k_a)`` (else
    ``None``). Classification, ``predict`` and ``mode='tensor'`` are those
    of :class:`AudioVisualRecognizer` (pooled features; finetuning loads the
    encoders by their unchanged names ``video_backbone.*`` /
    ``audio_backbone.*``).

    Args:
        momentum (float, optional): Momentum of the key encoders in
            ``[0, 1)``; ``None`` builds none. Defaults to ``None``.
        **kwargs: :class:`AudioVisualRecognizer` arguments. A fusion
            ``neck``, ``proj_channels`` and ``cgra_stages`` act on pooled
            features and are refused with an SSL head.
    """

    def __init__(self, *args, momentum: Optional[float] = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name = type(self).__name__
        if self.train_mode == 'ssl' and (self.neck is not None or
                                         self.proj_v is not None or
                                         self.cgra_stages):
            raise ValueError(f'{name}: the SSL head receives unpooled maps; '
                             'set neck=None and leave proj_channels and '
                             'cgra_stages unset.')
        if momentum is not None and not 0 <= momentum < 1:
            raise ValueError(f'{name}: momentum must be in [0, 1) or None, '
                             f'got {momentum!r}.')
        self.momentum = momentum
        self.momentum_video_backbone = self.momentum_audio_backbone = None
        if momentum is not None and self.train_mode == 'ssl':
            self.momentum_video_backbone = self._frozen_copy(
                self.video_backbone)
            if self.audio_backbone is not None:
                self.momentum_audio_backbone = self._frozen_copy(
                    self.audio_backbone)

    @staticmethod
    def _frozen_copy(module: nn.Module) -> nn.Module:
        twin = copy.deepcopy(module)
        for param in twin.parameters():
            param.requires_grad_(False)
        return twin

    def _momentum_pairs(self):
        pairs = [(self.video_backbone, self.momentum_video_backbone)]
        if self.momentum_audio_backbone is not None:
            pairs.append((self.audio_backbone, self.momentum_audio_backbone))
        return [p for p in pairs if p[1] is not None]

    def init_weights(self) -> None:
        """Initialise, then start the key encoders as copies."""
        super().init_weights()
        for online, target in self._momentum_pairs():
            momentum_update(online, target, 0.0)

    def _maps(self, inputs: Dict[str, torch.Tensor],
              momentum: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
        """Last unpooled maps of both encoders, views paired."""
        n = inputs['imgs'].shape[0]
        if not momentum:
            feats = self.extract_feat(inputs, pool=False)
            maps_v, maps_a = feats['video'][-1], feats['audio'][-1]
        else:
            enc_v = self.momentum_video_backbone
            enc_a = self.momentum_audio_backbone or enc_v
            maps_v = self.encode_video(enc_v,
                                       inputs['imgs'].flatten(0, 1))[-1]
            maps_a = self.encode_audio(enc_a, self.flat_audio(inputs))[-1]
        return pair_views(maps_v, maps_a, n)[:2]

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """SSL loss on unpooled maps, or the parent's classification loss."""
        if self.train_mode != 'ssl':
            return super().loss(inputs, data_samples)
        self._check_ssl_views(inputs)
        maps_v, maps_a = self._maps(inputs)
        keys = None
        if self.momentum_video_backbone is not None:
            with torch.no_grad():
                if self.training:
                    for online, target in self._momentum_pairs():
                        momentum_update(online, target, self.momentum)
                keys = self._maps(inputs, momentum=True)
        return self.ssl_head.loss(maps_v, maps_a, data_samples,
                                  key_feats=keys)
