"""AVCL: audio-visual contrastive learning (AMFM + CGRA + SelfCL)."""
from typing import Dict, Optional, Sequence

import torch
from mmaction.registry import MODELS

from .base import AVSelfSupervised, Inputs


@MODELS.register_module()
class AVCL(AVSelfSupervised):
    """`AVCL <https://arxiv.org/abs/2204.13386>`_ pretraining: video and
    audio encoders -> AMFM fusion neck (Eq. 1-4) -> ``AVCLHead``
    (``λ_cor L_cor + λ_self L_self``, Eq. 5-11).

    ``amfm_reading`` (see :class:`TwoStreamEncoder`) picks the reading of
    Eq. 3-6; the paper configs use ``'sigmoid_signed'``. Finetuning loads
    the encoders and the neck into an :class:`AudioVisualRecognizer` (same
    module names).

    Args:
        *args: :class:`AVSelfSupervised` arguments (``neck`` ``None`` is
            Table III's "AMFM off").
        cgra_stages (Sequence[int], optional): Backbone ``out_indices``
            whose pooled maps also go to CGRA (Table II); both backbones must
            return them (last stage last). Defaults to ``None``.
        **kwargs: :class:`AVSelfSupervised` keyword arguments.
    """

    def __init__(self, *args, cgra_stages: Optional[Sequence[int]] = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cgra_stages = tuple(cgra_stages or ())

    def loss(self, inputs: Inputs,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """CGRA and SelfCL of the fused features (and the CGRA stages)."""
        v, a, stages = self.pooled(inputs, stages=self.cgra_stages)
        f_v, f_a = self.neck((v, a)) if self.neck is not None else (v, a)
        return self.head.loss(f_v, f_a, stage_feats=stages)
