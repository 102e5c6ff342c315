"""Attention based multi-modal fusion module AMFM (AVCL Eq. 1-4)."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmaction.registry import MODELS

_GATES = ('relu', 'sigmoid')


@MODELS.register_module()
class AMFM(BaseModule):
    """AMFM of `AVCL <https://arxiv.org/abs/2204.13386>`_ (Eq. 1-4).

    A joint embedding of both modalities recalibrates each of them:

    - ``Z = W_s [v; a] + b_s`` with ``dim Z = (dim v + dim a) / 2``,
    - ``E = W_e Z + b_e`` with the channel size of the features,
    - ``f_v = sigma(E) * v`` and ``f_a = sigma(E) * a`` (channel-wise).

    The same gate ``sigma(E)`` recalibrates both modalities when they have the
    same channel size. When ``dim v != dim a`` a single ``E`` cannot match
    both, so there is one excitation layer per modality (``E_v``, ``E_a``).
    The paper prints ``sigma = ReLU`` and no activation between ``Z`` and
    ``E``; ``gate='sigmoid'`` and ``hidden_act='relu'`` are options. Under
    CGRA the ReLU gate dies (most channels zero for every clip within tens
    of steps), so the shipped configs use ``gate='sigmoid'`` (with signed
    encoder features; docs/amfm_readings.md has the experiment), and
    ``AMFMMonitorHook`` reports dead gate channels during training.

    Args:
        in_channels (int): Channels of the video features ``v``. Defaults to
            ``512``.
        audio_channels (int, optional): Channels of the audio features
            ``a``; ``None`` means the same as ``in_channels``. Defaults to
            ``None``.
        gate (str): ``'relu'`` (paper) or ``'sigmoid'``. Defaults to
            ``'relu'``.
        hidden_channels (int, optional): ``dim Z``; ``None`` means
            ``(dim v + dim a) // 2``. Defaults to ``None``.
        hidden_act (str, optional): ``None`` (paper) or ``'relu'`` applied to
            ``Z``. Defaults to ``None``.
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.
    """

    def __init__(self,
                 in_channels: int = 512,
                 audio_channels: Optional[int] = None,
                 gate: str = 'relu',
                 hidden_channels: Optional[int] = None,
                 hidden_act: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        audio_channels = audio_channels or in_channels
        if in_channels <= 0 or audio_channels <= 0:
            raise ValueError('AMFM: in_channels and audio_channels must be '
                             f'> 0, got {in_channels} and {audio_channels}.')
        if gate not in _GATES:
            raise ValueError(f'AMFM: gate must be one of {_GATES}, got '
                             f'{gate!r}.')
        if hidden_act not in (None, 'relu'):
            raise ValueError("AMFM: hidden_act must be None or 'relu', got "
                             f'{hidden_act!r}.')
        hidden_channels = hidden_channels or \
            max((in_channels + audio_channels) // 2, 1)
        if hidden_channels <= 0:
            raise ValueError('AMFM: hidden_channels must be > 0, got '
                             f'{hidden_channels}.')
        self.in_channels = in_channels
        self.audio_channels = audio_channels
        self.hidden_channels = hidden_channels
        self.shared_gate = in_channels == audio_channels
        self.squeeze = nn.Linear(in_channels + audio_channels,
                                 hidden_channels)
        self.hidden_act = nn.ReLU() if hidden_act == 'relu' else nn.Identity()
        self.excite_v = nn.Linear(hidden_channels, in_channels)
        self.excite_a = None if self.shared_gate else \
            nn.Linear(hidden_channels, audio_channels)
        self.gate = nn.ReLU() if gate == 'relu' else nn.Sigmoid()

    def gates(self, v: torch.Tensor,
              a: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """The gates ``sigma(E)`` for video and audio.

        Args:
            v (torch.Tensor): Video features, shape ``(N, C_v)``.
            a (torch.Tensor): Audio features, shape ``(N, C_a)``.

        Returns:
            tuple[torch.Tensor]: Shapes ``(N, C_v)`` and ``(N, C_a)``; the same
            tensor twice when the gate is shared.
        """
        self._check(v, a)
        z = self.hidden_act(self.squeeze(torch.cat([v, a], dim=1)))
        g_v = self.gate(self.excite_v(z))
        g_a = g_v if self.shared_gate else self.gate(self.excite_a(z))
        return g_v, g_a

    def forward(self, feats: Tuple[torch.Tensor, torch.Tensor]
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Fuse pooled features.

        Args:
            feats (tuple[torch.Tensor]): ``(v, a)`` of shapes ``(N, C_v)`` and
                ``(N, C_a)``.

        Returns:
            tuple[torch.Tensor]: ``(f_v, f_a)`` with the input shapes.
        """
        if not isinstance(feats, (tuple, list)) or len(feats) != 2:
            raise TypeError('AMFM.forward expects a pair (v, a) of pooled '
                            f'features, got {type(feats).__name__}.')
        v, a = feats
        g_v, g_a = self.gates(v, a)
        return g_v * v, g_a * a

    def _check(self, v: torch.Tensor, a: torch.Tensor) -> None:
        if v.dim() != 2 or a.dim() != 2 or v.shape[0] != a.shape[0]:
            raise ValueError('AMFM expects pooled features (N, C_v) and '
                             f'(N, C_a); got {tuple(v.shape)} and '
                             f'{tuple(a.shape)}.')
        if v.shape[1] != self.in_channels or a.shape[1] != self.audio_channels:
            raise ValueError(
                f'AMFM was built for {self.in_channels} video and '
                f'{self.audio_channels} audio channels; got {v.shape[1]} and '
                f'{a.shape[1]}. Set in_channels / audio_channels in the neck '
                'config.')
