"""Invariant information clustering with cross-modal views."""
from mmaction.registry import MODELS

from .base import AVSelfSupervised


@MODELS.register_module()
class InvClust(AVSelfSupervised):
    """Invariant Information Clustering (Ji et al., ICCV 2019,
    https://arxiv.org/abs/1807.06653) in the two-stream setting: encoders ->
    per-modality cluster heads (``AVProjection`` of one linear layer each)
    -> ``AVContrastiveHead`` with ``InvariantInfoClusteringLoss``. Not
    AVCL's "IIC" (Tao et al.'s inter-intra contrastive framework,
    :class:`IIC`)."""
