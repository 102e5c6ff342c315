"""IIC: the inter-intra contrastive framework (Tao et al., ACM MM 2020)."""
from typing import Dict, Optional

import torch
from mmaction.registry import MODELS

from avcl_mm.models.utils.recognizer_utils import global_pool
from avcl_mm.models.utils.temporal import INTRA_NEGATIVES, break_temporal_order
from .base import AVSelfSupervised, Inputs


@MODELS.register_module()
class IIC(AVSelfSupervised):
    """The inter-intra contrastive framework of Tao, Wang and Yamasaki
    (ACM MM 2020; AVCL Table IV "IIC") in the two-stream setting: the video
    encoder also encodes each clip with its temporal structure broken
    (:func:`break_temporal_order`), and these intra-negatives, projected
    like the video, go to ``InterIntraContrastLoss`` with the clip's video
    and audio embeddings: ``head.loss(z_v, z_a, z_u)``. A checkpoint loads
    into a plain :class:`AudioVisualRecognizer` for finetuning.

    Args:
        *args: :class:`AVSelfSupervised` arguments (the neck, if any, is an
            ``AVProjection``; ``None`` compares the features directly).
        intra_negative (str): ``'repeat'`` (the official default) or
            ``'shuffle'``. Defaults to ``'repeat'``.
        **kwargs: :class:`AVSelfSupervised` keyword arguments.
    """

    def __init__(self, *args, intra_negative: str = 'repeat',
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.neck is not None and not hasattr(self.neck,
                                                 'video_projector'):
            raise ValueError('IIC: the neck must be None or an AVProjection '
                             '(the intra-negatives go through its video '
                             'projector); no fusion neck.')
        if intra_negative not in INTRA_NEGATIVES:
            raise ValueError(f'IIC: intra_negative must be one of '
                             f'{INTRA_NEGATIVES}, got {intra_negative!r}.')
        self.intra_negative = intra_negative

    def intra_negatives(self, inputs: Inputs) -> torch.Tensor:
        """Embeddings ``(N * V, D)`` of the temporally broken clips (after
        ``proj_v`` and the video projector, as the video views)."""
        broken = break_temporal_order(self.flat_video(inputs),
                                      self.intra_negative)
        u = global_pool(self.encode_video(broken)[-1], self.feat_pool)
        u = u if self.proj_v is None else self.proj_v(u)
        return u if self.neck is None else self.neck.video_projector(u)

    def loss(self, inputs: Inputs,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """Cross-modal InfoNCE with the intra-negatives."""
        z_v, z_a = self.embed(inputs)
        return self.head.loss(z_v, z_a, self.intra_negatives(inputs))
