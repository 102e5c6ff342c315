"""CMAC's cross-modal filters and pyramid correlation filtering (Eq. 3-4)."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn

NORMS = ('cosine', 'cosine_relu', 'softmax', 'none')


@MODELS.register_module()
class CMACPyramidCorrelation(BaseModule):
    """Pyramid correlation filtering of
    `CMAC <https://arxiv.org/abs/2106.06939>`_ (Eq. 3-4).

    Per modality ``g(x)`` = conv + BN; the filters are
    ``κ = GAP(g(x))`` (Eq. 3). The audio-guided visual attention correlates
    the *audio* filter with every position of ``g_v(v)`` and vice versa
    (Eq. 4): ``s_v = norm(κ_a ∗ g_v(v))``, ``s_a = norm(κ_v ∗ g_a(a))``.
    With ``norm='cosine'`` the response is the cosine similarity mapped to
    ``[0, 1]`` by ``(cos + 1) / 2`` (the paper says only "cosine-based, into
    [0, 1]"); ``'cosine_relu'`` uses ``max(cos, 0)``; ``'softmax'`` (softmax
    of the dot products over positions) and ``'none'`` (raw dot products)
    are the ablations of Table 2. Pyramid (Fig. 3): the response is also
    taken on ``g(x)`` average-pooled by 2 along every axis longer than 1
    (``num_scales - 1`` times), upsampled back (linear interpolation, which
    keeps ``[0, 1]``) and the scales are averaged; 2 scales is the paper's
    best. Maps of shape ``(N, C, T, H, W)`` and ``(N, C, H, W)`` (audio
    spectrogram features) are both accepted.

    Args:
        in_channels_v (int): Channels of the video map. Defaults to ``512``.
        in_channels_a (int): Channels of the audio map. Defaults to ``512``.
        channels (int): Channels of ``g`` and of the filters. Defaults to
            ``512``.
        num_scales (int): Pyramid levels. Defaults to ``2``.
        norm (str): One of :data:`NORMS`. Defaults to ``'cosine'``.
        kernel_size (int): Odd kernel size of the conv in ``g`` (not given by
            the paper). Defaults to ``1``.
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.
    """

    def __init__(self, in_channels_v: int = 512, in_channels_a: int = 512,
                 channels: int = 512, num_scales: int = 2,
                 norm: str = 'cosine', kernel_size: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        for key, val in (('in_channels_v', in_channels_v),
                         ('in_channels_a', in_channels_a),
                         ('channels', channels), ('num_scales', num_scales)):
            if not isinstance(val, int) or val < 1:
                raise ValueError(f'CMACPyramidCorrelation: {key} must be a '
                                 f'positive int, got {val!r}.')
        if norm not in NORMS:
            raise ValueError(f'CMACPyramidCorrelation: norm must be one of '
                             f'{NORMS}, got {norm!r}.')
        if not isinstance(kernel_size, int) or kernel_size % 2 == 0:
            raise ValueError('CMACPyramidCorrelation: kernel_size must be an '
                             f'odd int, got {kernel_size!r}.')
        self.num_scales, self.norm = num_scales, norm
        self.g_v = self._transform(in_channels_v, channels, kernel_size)
        self.g_a = self._transform(in_channels_a, channels, kernel_size)

    @staticmethod
    def _transform(in_ch: int, out_ch: int, k: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv3d(in_ch, out_ch, k, padding=k // 2, bias=False),
            nn.BatchNorm3d(out_ch))

    def _correlate(self, kernel: Tensor, feat: Tensor) -> Tensor:
        """Normalised response of ``kernel`` ``(N, C)`` at every position of
        ``feat`` ``(N, C, T, H, W)``: ``(N, T, H, W)``."""
        if self.norm.startswith('cosine'):
            cos = torch.einsum('nc,ncthw->nthw', F.normalize(kernel, dim=1),
                               F.normalize(feat, dim=1))
            return (cos + 1) / 2 if self.norm == 'cosine' else cos.clamp(0)
        resp = torch.einsum('nc,ncthw->nthw', kernel, feat)
        if self.norm == 'softmax':
            return resp.flatten(1).softmax(dim=1).view_as(resp)
        return resp

    def response(self, kernel: Tensor, feat: Tensor) -> Tensor:
        """Pyramid response (Fig. 3) of ``kernel`` ``(N, C)`` over ``feat``
        ``(N, C, T, H, W)``, fused by averaging: ``(N, T, H, W)``."""
        size, level, maps = feat.shape[2:], feat, []
        for scale in range(self.num_scales):
            if scale:
                pool = [2 if s > 1 else 1 for s in level.shape[2:]]
                level = F.avg_pool3d(level, pool, pool, ceil_mode=True)
            resp = self._correlate(kernel, level)
            if resp.shape[1:] != size:
                resp = F.interpolate(resp[:, None], size=size,
                                     mode='trilinear',
                                     align_corners=False)[:, 0]
            maps.append(resp)
        return torch.stack(maps).mean(0)

    def forward(self, feats: Tuple[Tensor, Tensor]
                ) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """Filters and cross-modal attention maps.

        Args:
            feats (tuple[Tensor]): Video map ``(N, C_v, T, H, W)`` and audio
                map ``(N, C_a, T', F)`` or ``(N, C_a, T'', T', F)``.

        Returns:
            tuple[Tensor]: ``κ_v`` ``(N, C)``, ``κ_a`` ``(N, C)``, ``s_v``
            (video map without channels, ``(N, T, H, W)``) and ``s_a``
            (``(N, T', F)`` or ``(N, T'', T', F)``, as the audio input).
        """
        x_v, x_a = feats
        if x_v.dim() not in (4, 5) or x_a.dim() not in (4, 5) or \
                x_v.shape[0] != x_a.shape[0]:
            raise ValueError('CMACPyramidCorrelation: expects pre-pooling '
                             'maps (N, C, [T,] H, W) with the same N, got '
                             f'{tuple(x_v.shape)} and {tuple(x_a.shape)}; '
                             'use extract_feat(..., pool=False).')
        g_v = self.g_v(x_v if x_v.dim() == 5 else x_v[:, :, None])
        g_a = self.g_a(x_a if x_a.dim() == 5 else x_a[:, :, None])
        kappa_v, kappa_a = g_v.mean((2, 3, 4)), g_a.mean((2, 3, 4))
        s_v = self.response(kappa_a, g_v)
        s_a = self.response(kappa_v, g_a)
        s_v = s_v if x_v.dim() == 5 else s_v[:, 0]
        s_a = s_a if x_a.dim() == 5 else s_a[:, 0]
        return kappa_v, kappa_a, s_v, s_a
