"""C3D without its fully connected layers (AVCL's C3D encoder)."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmengine.model.weight_init import constant_init, kaiming_init
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm
from mmaction.registry import MODELS

# (number of convs, channel multiplier of base_channels) per C3D group
_GROUPS = ((1, 1), (1, 2), (2, 4), (2, 8), (2, 8))


@MODELS.register_module()
class C3DGAP(BaseModule):
    """C3D whose fc6/fc7 are replaced by global pooling, as in `AVCL
    <https://arxiv.org/abs/2204.13386>`_.

    The eight 3x3x3 convolutions and five max-pools of `C3D
    <https://arxiv.org/abs/1412.0767>`_ (channels 64-128-256-256-512-512-
    512-512 for ``base_channels=64``) return the feature map; the recognizer
    pools it globally over time and space. A pool only halves time while the
    clip is at least 2 frames long, so short clips stay valid; with
    ``temporal_pool=False`` time is never pooled (the audio stream, a
    1-frame clip, where ``temporal_kernel=1`` also avoids kernel taps that
    would only ever see zero padding).

    Args:
        in_channels (int): Input channels (3 for RGB, 1 for a spectrogram).
            Defaults to ``3``.
        base_channels (int): Channels of the first conv; the output has
            ``8 * base_channels``. Defaults to ``64``.
        temporal_pool (bool): Halve the temporal size in pools 2-5.
            Defaults to ``True``.
        temporal_kernel (int): Temporal size of the conv kernels (odd).
            Defaults to ``3``.
        norm_cfg (dict, optional): Norm layer config (C3D has none).
            Defaults to ``None``.
        act_cfg (dict): Activation config. Defaults to
            ``dict(type='ReLU')``.
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.
    """

    def __init__(self,
                 in_channels: int = 3,
                 base_channels: int = 64,
                 temporal_pool: bool = True,
                 temporal_kernel: int = 3,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: dict = dict(type='ReLU'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels <= 0 or base_channels <= 0:
            raise ValueError('C3DGAP: in_channels and base_channels must be '
                             f'> 0, got {in_channels} and {base_channels}.')
        if temporal_kernel <= 0 or temporal_kernel % 2 == 0:
            raise ValueError('C3DGAP: temporal_kernel must be a positive odd '
                             f'number, got {temporal_kernel}.')
        self.in_channels = in_channels
        self.temporal_pool = temporal_pool
        self.feat_dim = 8 * base_channels
        kernel = (temporal_kernel, 3, 3)
        padding = (temporal_kernel // 2, 1, 1)
        self.groups = nn.ModuleList()
        channels = in_channels
        for num_convs, mult in _GROUPS:
            convs = []
            for _ in range(num_convs):
                convs.append(
                    ConvModule(channels, base_channels * mult, kernel,
                               padding=padding, norm_cfg=norm_cfg,
                               act_cfg=act_cfg,
                               conv_cfg=dict(type='Conv3d')))
                channels = base_channels * mult
            self.groups.append(nn.Sequential(*convs))

    def init_weights(self) -> None:
        """Kaiming-initialise convs and set norm layers to identity."""
        for m in self.modules():
            if isinstance(m, nn.Conv3d):
                kaiming_init(m)
            elif isinstance(m, _BatchNorm):
                constant_init(m, 1)

    def _pool(self, x: torch.Tensor, index: int) -> torch.Tensor:
        # pool1 keeps time; pool5 pads space by 1 as in C3D
        stride_t = 2 if (self.temporal_pool and index > 0
                         and x.shape[2] >= 2) else 1
        padding = (0, 1, 1) if index == len(_GROUPS) - 1 else 0
        return F.max_pool3d(x, kernel_size=(stride_t, 2, 2),
                            stride=(stride_t, 2, 2), padding=padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Compute the feature map.

        Args:
            x (torch.Tensor): Clips ``(N, in_channels, T, H, W)``, H and W at
                least 16.

        Returns:
            torch.Tensor: ``(N, 8 * base_channels, T', H', W')``.
        """
        if x.dim() != 5 or x.shape[1] != self.in_channels:
            raise ValueError(f'C3DGAP expects (N, {self.in_channels}, T, H, '
                             f'W) clips, got {tuple(x.shape)}.')
        if min(x.shape[-2:]) < 16:
            raise ValueError('C3DGAP needs H and W >= 16 (four 2x spatial '
                             f'pools), got {tuple(x.shape[-2:])}.')
        for index, group in enumerate(self.groups):
            x = self._pool(group(x), index)
        return x
