"""CMAC: cross-modal attention consistency on the encoders' maps."""
from typing import Dict, Optional

import torch
from mmaction.registry import MODELS

from .base import AVSelfSupervised, Inputs


@MODELS.register_module()
class CMAC(AVSelfSupervised):
    """`CMAC <https://arxiv.org/abs/2106.06939>`_: the ``CMACHead`` receives
    the encoders' last maps *before* pooling (its pyramid correlation
    filtering and saliency heads need them), views paired:
    ``head.loss(maps_v, maps_a, key_feats)``. With ``momentum`` set, an EMA
    target of the encoders (the MoCo key encoder) gives the key maps of the
    same clips. No neck.

    Args:
        *args: :class:`AVSelfSupervised` arguments.
        momentum (float, optional): Momentum of the key encoders in
            ``(0, 1)``; ``None`` builds none. Defaults to ``None``.
        **kwargs: :class:`AVSelfSupervised` keyword arguments.
    """

    def __init__(self, *args, momentum: Optional[float] = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.neck is not None or self.proj_v is not None:
            raise ValueError('CMAC: the head receives unpooled maps; set '
                             'neck=None and leave proj_channels unset.')
        if momentum is not None:
            self.build_target(('video_backbone', 'audio_backbone'), momentum)

    def loss(self, inputs: Inputs,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """CMAC's losses of the paired maps (keys from the target)."""
        maps_v, maps_a = self.paired_maps(inputs)
        keys = None
        if self.target is not None:
            self.update_target()
            with torch.no_grad():
                keys = self.paired_maps(inputs, modules=self.target_modules)
        return self.head.loss(maps_v, maps_a, key_feats=keys)
