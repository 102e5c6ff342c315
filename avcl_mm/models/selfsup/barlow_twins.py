"""Barlow Twins with cross-modal views."""
from mmaction.registry import MODELS

from .base import AVSelfSupervised


@MODELS.register_module()
class BarlowTwins(AVSelfSupervised):
    """`Barlow Twins <https://arxiv.org/abs/2103.03230>`_ in the two-stream
    setting (AVCL Table IV): encoders -> per-modality projectors
    (``AVProjection``) -> ``AVContrastiveHead`` with ``BarlowTwinsLoss`` on
    the video-audio cross-correlation."""
