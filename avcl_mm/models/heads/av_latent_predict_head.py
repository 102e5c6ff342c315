"""Head of the predictive methods: a predictor per modality and a
regression loss (BYOL, SimSiam)."""
from typing import Dict, Optional

from mmaction.registry import MODELS
from torch import Tensor

from avcl_mm.models.necks.av_projection import AVProjection
from .av_contrastive_head import AVContrastiveHead


@MODELS.register_module()
class AVLatentPredictHead(AVContrastiveHead):
    """Predictors ``p = h(z)`` per modality and a loss of the predictions
    against the other modality's targets (BYOL ``BYOLLoss``, SimSiam
    ``SimSiamLoss``): ``loss(p_v, p_a, t_v, t_a)``. The targets are the
    momentum network's projections (BYOL) or the projections themselves,
    through a stop-gradient (SimSiam).

    Args:
        loss (dict): Config of the loss.
        predictor (dict): ``dict(video=..., audio=...)`` arguments of the
            two predictor MLPs (:class:`ProjectionMLP`), or one dict used for
            both (separate weights).
        in_channels (int, optional): Embedding width, the predictors'
            ``in_channels`` unless set (the method passes its neck's
            ``out_channels``). Defaults to ``None``.
        loss_weight (float): Factor of the loss. Defaults to ``1.0``.
        init_cfg (dict, optional): Defaults to ``None``.
    """

    def __init__(self, loss: dict, predictor: dict,
                 in_channels: Optional[int] = None, loss_weight: float = 1.0,
                 init_cfg=None) -> None:
        super().__init__(loss, loss_weight, init_cfg)
        split = set(predictor) == {'video', 'audio'}
        self.predictor = AVProjection(
            video=predictor['video'] if split else predictor,
            audio=predictor['audio'] if split else predictor,
            in_channels=in_channels)

    def loss(self, z_v: Tensor, z_a: Tensor, t_v: Tensor,
             t_a: Tensor) -> Dict[str, Tensor]:
        """Loss of the predictions of ``(z_v, z_a)`` against the targets
        ``(t_v, t_a)`` (no gradient flows into the targets)."""
        p_v, p_a = self.predictor((z_v, z_a))
        return super().loss(p_v, p_a, t_v.detach(), t_a.detach())
