"""BYOL's normalised regression loss with cross-modal targets."""
from mmaction.registry import MODELS

from .cosine_regression import CosineRegressionLoss


@MODELS.register_module()
class BYOLLoss(CosineRegressionLoss):
    """BYOL (https://arxiv.org/abs/2006.07733) in the two-stream setting:
    the online prediction of the video view regresses the target network's
    projection of the audio view of the same clip, and vice versa,
    ``L = mean_i (2 − 2 cos(p^v_i, z^a_i)) + mean_i (2 − 2 cos(p^a_i,
    z^v_i))`` (BYOL's symmetrised ``L + L̃``; in ``[0, 8]``).

    Args:
        gather_distributed (bool): Whether to return the global-batch value
            when ``torch.distributed`` is initialised. Defaults to ``True``.
    """

    def __init__(self, gather_distributed: bool = True) -> None:
        super().__init__(1.0, 2.0, 2.0, gather_distributed)
