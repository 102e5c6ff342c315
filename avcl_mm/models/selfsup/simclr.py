"""SimCLR with cross-modal positives."""
from mmaction.registry import MODELS

from .base import AVSelfSupervised


@MODELS.register_module()
class SimCLR(AVSelfSupervised):
    """`SimCLR <https://arxiv.org/abs/2002.05709>`_ in the two-stream setting
    (AVCL Table IV): encoders -> per-modality projectors (``AVProjection``)
    -> ``AVContrastiveHead`` with ``NTXentCrossModalLoss``; the views of a
    clip are its video and its audio."""
