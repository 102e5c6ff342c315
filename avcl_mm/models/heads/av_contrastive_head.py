"""Head of the two-stream self-supervised methods whose loss takes the
embeddings as they come (SimCLR, MoCo, Barlow Twins, IIC, InvClust)."""
from typing import Dict

from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor


@MODELS.register_module()
class AVContrastiveHead(BaseModule):
    """Weights and logs a loss of the method's embeddings.

    The method class decides what the loss receives, e.g. ``(z_v, z_a)``
    (SimCLR ``NTXentCrossModalLoss``, Barlow Twins ``BarlowTwinsLoss``,
    InvClust ``InvariantInfoClusteringLoss``), ``(z_v, z_a, z_u)`` (IIC
    ``InterIntraContrastLoss`` with intra-negatives) or ``(q_v, q_a, k_v,
    k_a)`` (MoCo ``MoCoQueueLoss`` with momentum keys).

    Args:
        loss (dict): Config of the loss.
        loss_weight (float): Factor of the loss. Defaults to ``1.0``.
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.
    """

    def __init__(self, loss: dict, loss_weight: float = 1.0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(loss, dict) or 'type' not in loss:
            raise ValueError(f'{type(self).__name__}: loss must be a loss '
                             f'config with a type, got {loss!r}.')
        if not loss_weight > 0:
            raise ValueError(f'{type(self).__name__}: loss_weight must be > '
                             f'0, got {loss_weight!r}.')
        self.loss_weight = float(loss_weight)
        self.loss_module = MODELS.build(loss)

    def loss(self, *feats: Tensor) -> Dict[str, Tensor]:
        """``loss_ssl`` (weighted) and the detached unweighted value ``ssl``
        (logged only) of the loss of ``feats``."""
        value = self.loss_module(*feats)
        return dict(loss_ssl=self.loss_weight * value, ssl=value.detach())
