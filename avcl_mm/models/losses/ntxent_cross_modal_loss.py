"""SimCLR's NT-Xent loss with cross-modal positives."""
from mmaction.registry import MODELS

from .info_nce import CrossModalInfoNCELoss


@MODELS.register_module()
class NTXentCrossModalLoss(CrossModalInfoNCELoss):
    """Normalised temperature-scaled cross entropy over video and audio
    views: SimCLR (https://arxiv.org/abs/2002.05709) in the two-stream
    setting.

    The ``2N`` views are the video embeddings ``{v_i}`` and the audio
    embeddings ``{a_i}`` of ``N`` clips. The positive of ``v_i`` is ``a_i``
    (and of ``a_i`` is ``v_i``); the other ``2N − 2`` views are its
    negatives, and the loss is the mean over the ``2N`` views: a
    :class:`CrossModalInfoNCELoss` with within-modal negatives, averaged
    over anchors and over the two directions (half of
    ``SelfCLLoss(reduction='mean')`` at the same temperature).

    Args:
        temperature (float): Temperature ``τ > 0``. Defaults to ``0.1``.
        gather_distributed (bool): Whether to use the global batch when
            ``torch.distributed`` is initialised. Defaults to ``True``.
    """

    def __init__(self,
                 temperature: float = 0.1,
                 gather_distributed: bool = True) -> None:
        super().__init__(temperature=temperature, within_negatives=True,
                         reduction='mean', direction_reduction='mean',
                         gather_distributed=gather_distributed)
