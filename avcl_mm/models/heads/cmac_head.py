"""CMAC self-supervised head: cross-modal filters, pyramid correlation
filtering, saliency heads, attention consistency and contrastive learning
(`CMAC <https://arxiv.org/abs/2106.06939>`_ Eq. 3-8)."""
import copy
from typing import Dict, Optional, Tuple

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor

from avcl_mm.models.losses.cmac_loss import CMACSaliencyHead
from avcl_mm.models.necks.cmac_pcf import CMACPyramidCorrelation
from avcl_mm.models.necks.projection_mlp import ProjectionMLP
from avcl_mm.models.utils.ema import (build_momentum_target,
                                      online_container, restart_target)


def _as_5d(x: Tensor) -> Tensor:
    return x if x.dim() == 5 else x[:, :, None]


@MODELS.register_module()
class CMACHead(BaseModule):
    """Loss of CMAC on the encoders' maps before pooling (use with
    :class:`~avcl_mm.models.selfsup.CMAC`).

    1. PCF (:class:`CMACPyramidCorrelation`): ``g`` = conv + BN per
       modality, filters ``κ = GAP(g(x))`` (Eq. 3), and the cross-modal
       attention maps ``s_v = norm(κ_a ∗ g_v(v))``, ``s_a = norm(κ_v ∗
       g_a(a))`` at full and half resolution, fused (Eq. 4).
    2. Saliency heads ``ŝ = σ(h(x))`` on each modality's own map (Eq. 5,
       :class:`CMACSaliencyHead`).
    3. FC projection heads map ``κ_v``, ``κ_a`` to ``feat_dim`` and
       :class:`CMACLoss` takes ``L_cl(v, a) + L_cl(a, v) + λ (L_ac^v +
       L_ac^a)`` (Eq. 6-8) with MoCo queues of earlier keys (cross- and
       within-modal negatives).

    Keys (MoCo): with ``momentum`` set, an EMA target of ``g_v``, ``g_a``
    and of the projection heads (``target``, an mmengine
    ``ExponentialMovingAverage``, updated before every training forward)
    turns the key maps into keys; the key maps are the method's
    momentum-encoder maps (``key_feats``) or, without those, the online
    maps detached. With ``momentum=None`` the queries serve as keys.

    Args:
        in_channels (int): Channels of the video map. Defaults to ``512``.
        audio_channels (int, optional): Channels of the audio map; ``None``
            = ``in_channels``. Defaults to ``None``.
        filter_channels (int): Channels of ``g`` and of the filters (the
            paper's 512). Defaults to ``512``.
        num_scales (int): PCF pyramid levels (full + half resolution).
            Defaults to ``2``.
        norm (str): PCF response normalisation. Defaults to ``'cosine'``.
        saliency_channels (int): Hidden channels of the saliency heads.
            Defaults to ``128``.
        feat_dim (int): Output of the contrastive heads (the paper's 256).
            Defaults to ``256``.
        proj_layers (int): Linear layers of each projection head (2 = MoCo
            v2's MLP, 1 = linear). Defaults to ``2``.
        momentum (float, optional): Momentum of the key twins. Defaults to
            ``0.999``.
        loss (dict): :class:`CMACLoss` config (``feat_dim`` is set here).
            Defaults to ``dict(type='CMACLoss', temperature=0.07,
            queue_size=15000, lambda_ac=1.5)``.
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.
    """

    def __init__(self,
                 in_channels: int = 512,
                 audio_channels: Optional[int] = None,
                 filter_channels: int = 512,
                 num_scales: int = 2,
                 norm: str = 'cosine',
                 saliency_channels: int = 128,
                 feat_dim: int = 256,
                 proj_layers: int = 2,
                 momentum: Optional[float] = 0.999,
                 loss: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        audio_channels = audio_channels or in_channels
        self.pcf = CMACPyramidCorrelation(in_channels, audio_channels,
                                          filter_channels, num_scales, norm)
        self.saliency_v = CMACSaliencyHead(in_channels, saliency_channels)
        self.saliency_a = CMACSaliencyHead(audio_channels, saliency_channels)
        self.proj_v = ProjectionMLP(filter_channels, filter_channels,
                                    feat_dim, proj_layers, with_bn=False)
        self.proj_a = ProjectionMLP(filter_channels, filter_channels,
                                    feat_dim, proj_layers, with_bn=False)
        cfg = copy.deepcopy(dict(loss or dict(
            type='CMACLoss', temperature=0.07, queue_size=15000,
            lambda_ac=1.5)))
        cfg['feat_dim'] = feat_dim
        self.loss_cmac = MODELS.build(cfg)
        self.target = None if momentum is None else build_momentum_target(
            self._online(), momentum, owner='CMACHead')

    def _online(self):
        return online_container(dict(g_v=self.pcf.g_v, g_a=self.pcf.g_a,
                                     proj_v=self.proj_v, proj_a=self.proj_a))

    def init_weights(self) -> None:
        """Initialise, then start the key twins as copies."""
        super().init_weights()
        if self.target is not None:
            restart_target(self.target, self._online())

    @torch.no_grad()
    def keys(self, k_v: Tensor, k_a: Tensor) -> Tuple[Tensor, Tensor]:
        """Momentum keys ``(N, feat_dim)`` of key maps (after updating the
        target when training)."""
        if self.training:
            self.target.update_parameters(self._online())
        twins = self.target.module
        kappa_v = twins['g_v'](_as_5d(k_v)).mean((2, 3, 4))
        kappa_a = twins['g_a'](_as_5d(k_a)).mean((2, 3, 4))
        return twins['proj_v'](kappa_v), twins['proj_a'](kappa_a)

    def loss(self,
             v: Tensor,
             a: Tensor,
             key_feats: Optional[Tuple[Tensor, Tensor]] = None
             ) -> Dict[str, Tensor]:
        """CMAC losses of a batch of maps.

        Args:
            v (Tensor): Video maps ``(N, C, T, H, W)``.
            a (Tensor): Audio maps ``(N, C_a, [T'',] T', F)``.
            key_feats (tuple[Tensor], optional): Momentum-encoder maps of
                the same clips, shaped as ``v`` and ``a``. Defaults to
                ``None``.

        Returns:
            dict[str, Tensor]: ``loss_cl`` and ``loss_ac`` (``λ``-weighted).
        """
        if v.dim() < 4 or a.dim() < 4:
            raise ValueError(
                'CMACHead needs the unpooled maps (N, C, [T,] H, W) of both '
                f'encoders, got {tuple(v.shape)} and {tuple(a.shape)}; use '
                "type='CMAC'.")
        kappa_v, kappa_a, s_v, s_a = self.pcf((v, a))
        sal_v, sal_a = self.saliency_v(v), self.saliency_a(a)
        q_v, q_a = self.proj_v(kappa_v), self.proj_a(kappa_a)
        k_v = k_a = None
        if self.target is not None:
            maps = key_feats if key_feats is not None else \
                (v.detach(), a.detach())
            k_v, k_a = self.keys(*maps)
        return self.loss_cmac.loss_parts(q_v, q_a, s_v, s_a, sal_v, sal_a,
                                         k_v, k_a)
