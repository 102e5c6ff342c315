"""MoCo and BYOL: an online network against its momentum (EMA) target."""
from typing import Dict, Optional

import torch
from mmaction.registry import MODELS

from .base import AVSelfSupervised, Inputs

# the online modules the target mirrors
_TARGET = ('video_backbone', 'audio_backbone', 'proj_v', 'proj_a', 'neck')


class MomentumTargetSelfSupervised(AVSelfSupervised):
    """Online encoders + neck, and an EMA target of them whose embeddings
    of the same clips are the targets (keys): ``head.loss(z_v, z_a, t_v,
    t_a)``. The target steps before it embeds, at every training forward.

    Args:
        *args: :class:`AVSelfSupervised` arguments.
        momentum (float, optional): Target momentum ``m`` in ``(0, 1)`` (its
            start value for the cosine schedule); ``None`` takes the
            method's default. Defaults to ``None``.
        momentum_schedule (str, optional): ``'constant'`` (MoCo) or
            ``'cosine'`` (BYOL: ``m`` rises to 1 over training); ``None``
            takes the method's default. Defaults to ``None``.
        **kwargs: :class:`AVSelfSupervised` keyword arguments.
    """

    default_momentum = 0.999
    default_schedule = 'constant'

    def __init__(self, *args, momentum: Optional[float] = None,
                 momentum_schedule: Optional[str] = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.build_target(
            _TARGET,
            self.default_momentum if momentum is None else momentum,
            momentum_schedule or self.default_schedule)

    def loss(self, inputs: Inputs,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """The head's loss of the online embeddings against the target's."""
        self.update_target()
        z_v, z_a = self.embed(inputs)
        with torch.no_grad():
            t_v, t_a = self.embed(inputs, modules=self.target_modules)
        return self.head.loss(z_v, z_a, t_v, t_a)


@MODELS.register_module()
class MoCo(MomentumTargetSelfSupervised):
    """`MoCo <https://arxiv.org/abs/1911.05722>`_ in the two-stream setting
    (AVCL Table IV): queries from the online encoders and projectors, keys
    from their momentum target (``m = 0.999`` constant by default),
    ``AVContrastiveHead`` with ``MoCoQueueLoss`` (cross-modal positives,
    queues of earlier keys)."""

    default_momentum = 0.999
    default_schedule = 'constant'


@MODELS.register_module()
class BYOL(MomentumTargetSelfSupervised):
    """`BYOL <https://arxiv.org/abs/2006.07733>`_ in the two-stream setting
    (AVCL Table IV): the online encoders, projectors and predictors
    (``AVLatentPredictHead`` with ``BYOLLoss``) regress the target's
    projection of the other modality; the target follows the online network
    with a momentum rising from ``m = 0.996`` (by default) to 1 (cosine)."""

    default_momentum = 0.996
    default_schedule = 'cosine'
