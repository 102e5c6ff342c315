"""SimSiam's negative cosine loss with stop-gradient, cross-modal."""
from mmaction.registry import MODELS

from .cosine_regression import CosineRegressionLoss


@MODELS.register_module()
class SimSiamLoss(CosineRegressionLoss):
    """SimSiam (https://arxiv.org/abs/2011.10566) in the two-stream setting:
    ``L = ½ D(p^v, sg(z^a)) + ½ D(p^a, sg(z^v))`` with ``D(p, z) =
    −mean_i cos(p_i, z_i)`` (in ``[-1, 1]``).

    Args:
        gather_distributed (bool): Whether to return the global-batch value
            when ``torch.distributed`` is initialised. Defaults to ``True``.
    """

    def __init__(self, gather_distributed: bool = True) -> None:
        super().__init__(0.5, 0.0, 1.0, gather_distributed)
