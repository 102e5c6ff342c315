"""Co-correlation guided representation alignment loss (AVCL Eq. 5-6)."""
from mmaction.registry import MODELS

from .cross_correlation import CrossCorrelationLoss


@MODELS.register_module()
class CGRALoss(CrossCorrelationLoss):
    """CGRA loss of `AVCL <https://arxiv.org/abs/2204.13386>`_ (Eq. 5-6).

    The cross-correlation matrix between video and audio features is taken
    along the batch dimension,

    ``C_ij = sum_b v_bi a_bj / (sqrt(sum_b v_bi^2) sqrt(sum_b a_bj^2))``,

    and pushed towards the identity:

    ``L_cor = sum_i (1 - C_ii)^2 + lambd * sum_i sum_{j != i} C_ij^2``.

    As the paper writes it there is no mean-centring; ``center=True``
    subtracts the batch mean first, which makes ``C`` the Pearson correlation
    used by Barlow Twins (:class:`CrossCorrelationLoss` with
    ``normalize='cosine'`` or ``'pearson'``).

    Args:
        lambd (float): Weight of the off-diagonal term. Defaults to
            ``0.005``.
        center (bool): Subtract the (global) batch mean before correlating.
            Defaults to ``False``.
        gather_distributed (bool): Correlate over the global batch when
            distributed. Defaults to ``True``.
        eps (float): A feature column whose norm is at most ``eps`` (a
            channel that is zero over the whole batch) gives ``C = 0`` with
            zero gradient instead of NaN or a ``1 / eps`` gradient. Defaults
            to ``1e-8``.
        loss_weight (float): Factor on the returned loss. Defaults to
            ``1.0``.
    """

    def __init__(self,
                 lambd: float = 0.005,
                 center: bool = False,
                 gather_distributed: bool = True,
                 eps: float = 1e-8,
                 loss_weight: float = 1.0) -> None:
        super().__init__(lambd=lambd,
                         normalize='pearson' if center else 'cosine',
                         eps=eps, scale=loss_weight,
                         gather_distributed=gather_distributed)
        self.center = center
