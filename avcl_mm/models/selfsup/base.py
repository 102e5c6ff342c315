"""Base of the two-stream self-supervised methods."""
from typing import Dict, Optional, Sequence

import torch
from torch import nn

from avcl_mm.models.recognizers.two_stream_encoder import (
    TwoStreamEncoder, build_with_channels)
from avcl_mm.models.utils.ema import (build_momentum_target,
                                      online_container, restart_target)

Inputs = Dict[str, torch.Tensor]


class AVSelfSupervised(TwoStreamEncoder):
    """Encoders -> neck -> head, for self-supervised pretraining with
    cross-modal positives (the video and the audio of one clip).

    A method is a subclass whose :meth:`loss` wires the parts; the default
    hands the neck's embeddings of both modalities to the head,
    ``head.loss(z_v, z_a)``. The encoder arguments are those of
    :class:`TwoStreamEncoder`; the neck and the head get their input
    widths from the encoders (``in_channels`` / ``audio_channels`` of the
    neck, and the neck's ``out_channels`` as the head's ``in_channels``)
    unless the config sets them.

    Methods with a momentum (EMA) target network (MoCo, BYOL, CMAC) build it
    with :meth:`build_target`; the target is an mmengine
    ``ExponentialMovingAverage`` (``target``), updated before every training
    forward by :meth:`update_target`.

    Args:
        video_backbone (dict): Video encoder config.
        audio_backbone (dict, optional): Audio encoder config. Defaults to
            ``None``.
        neck (dict, optional): Neck config. Defaults to ``None``.
        head (dict): Head config (owns the predictor, if any, and the loss).
        **kwargs: :class:`TwoStreamEncoder` arguments.
    """

    def __init__(self,
                 video_backbone: dict,
                 audio_backbone: Optional[dict] = None,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 **kwargs) -> None:
        if kwargs.get('modality', 'av') != 'av':
            raise ValueError(f'{type(self).__name__}: self-supervised '
                             "training needs modality='av'.")
        if not head:
            raise ValueError(f'{type(self).__name__}: a head (with the '
                             'loss) is required.')
        super().__init__(video_backbone, audio_backbone, neck=neck, **kwargs)
        self.head = build_with_channels(
            head, self.out_channels,
            self.feat_channels[1] if self.neck is None else None)
        self.target = None

    def build_target(self, names: Sequence[str], momentum: float,
                     schedule: str = 'constant') -> None:
        """Give the model an EMA target of the named online modules
        (``None`` ones skipped), as ``self.target``."""
        self._target_names = tuple(names)
        self.target = build_momentum_target(
            {n: getattr(self, n) for n in names}, momentum, schedule,
            owner=type(self).__name__)

    def _online(self) -> nn.ModuleDict:
        return online_container(
            {n: getattr(self, n) for n in self._target_names})

    def update_target(self) -> None:
        """One EMA step of the target (training forwards only)."""
        if self.training:
            self.target.update_parameters(self._online())

    def init_weights(self) -> None:
        """Initialise the online modules, then start the target as their
        copy (the EMA's first update copies; later ones average)."""
        super().init_weights()
        if self.target is not None:
            restart_target(self.target, self._online())

    @property
    def target_modules(self) -> nn.ModuleDict:
        """The target's copies of the online modules, by name."""
        return self.target.module

    def forward(self, inputs: Inputs, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        """Dispatch on ``mode``; ``'loss'`` checks that every video view has
        its own audio view."""
        if mode == 'loss':
            self.check_ssl_views(inputs)
        return super().forward(inputs, data_samples, mode)

    def loss(self, inputs: Inputs,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """``head.loss(z_v, z_a)`` of the neck's embeddings."""
        return self.head.loss(*self.embed(inputs))
