"""SimSiam with cross-modal views."""
from typing import Dict, Optional

import torch
from mmaction.registry import MODELS

from .base import AVSelfSupervised, Inputs


@MODELS.register_module()
class SimSiam(AVSelfSupervised):
    """`SimSiam <https://arxiv.org/abs/2011.10566>`_ in the two-stream
    setting (AVCL Table IV): encoders -> per-modality projectors
    (``AVProjection``) -> ``AVLatentPredictHead`` (predictors +
    ``SimSiamLoss``), each modality's prediction regressing the other's
    projection through a stop-gradient."""

    def loss(self, inputs: Inputs,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """Predictions of the projections against the projections."""
        z_v, z_a = self.embed(inputs)
        return self.head.loss(z_v, z_a, z_v, z_a)
