"""Self-supervised contrastive loss SelfCL (AVCL Eq. 7-10)."""
from mmaction.registry import MODELS

from .info_nce import CrossModalInfoNCELoss


@MODELS.register_module()
class SelfCLLoss(CrossModalInfoNCELoss):
    """SelfCL loss of `AVCL <https://arxiv.org/abs/2204.13386>`_ (Eq. 7-10).

    With ``h(x, y) = exp(cos(x, y) / tau)``, the video term of sample ``i``::

        l_v(i) = -log h(v_i, a_i)
                 / (sum_j h(v_i, a_j) + sum_{j != i} h(v_i, v_j))

    contrasts the paired audio against every audio and every *other* video
    of the batch; ``l_a(i)`` swaps the roles, and ``L_self = L_v + L_a``
    where ``L_v`` reduces ``l_v`` over ``i`` (Eq. 7-10 print a sum; the
    paper configs use ``reduction='sum'``). A
    :class:`CrossModalInfoNCELoss` with within-modal negatives; the features
    are scored directly (no projection head). ``forward(f_v, f_a)`` takes
    video and audio features ``(N, C)``.

    Args:
        temperature (float): ``tau``; the paper does not give it. Defaults
            to ``0.07``.
        reduction (str): ``'mean'`` or ``'sum'`` over samples. Defaults to
            ``'mean'``.
        gather_distributed (bool): Use the global batch as negatives when
            distributed. Defaults to ``True``.
        loss_weight (float): Factor on the returned loss. Defaults to
            ``1.0``.
    """

    def __init__(self,
                 temperature: float = 0.07,
                 reduction: str = 'mean',
                 gather_distributed: bool = True,
                 loss_weight: float = 1.0) -> None:
        super().__init__(temperature=temperature, within_negatives=True,
                         reduction=reduction, direction_reduction='sum',
                         gather_distributed=gather_distributed,
                         loss_weight=loss_weight)
