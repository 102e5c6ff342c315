"""Cosine regression of predictions onto cross-modal targets: the one
loss of the non-contrastive methods (BYOL, SimSiam)."""
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

from avcl_mm.models.utils.checks import check_pair
from avcl_mm.models.utils.dist import batch_sizes, reduce_rows
from avcl_mm.models.utils.precision import upcast


@MODELS.register_module()
class CosineRegressionLoss(nn.Module):
    """Pull each modality's prediction towards the other modality's target
    of the same clip, with no gradient through the targets:

    ``L = w · mean_i (c − s · cos(p^v_i, t^a_i)) + w · mean_i (c − s ·
    cos(p^a_i, t^v_i))``.

    BYOL's normalised MSE is ``w = 1, c = 2, s = 2`` (``‖p̂ − t̂‖² = 2 − 2
    cos``); SimSiam's symmetrised negative cosine is ``w = ½, c = 0, s =
    1``. The terms are averaged over the global batch (see
    :mod:`avcl_mm.models.utils.dist`).

    Args:
        weight (float): ``w``. Defaults to ``1.0``.
        offset (float): ``c``. Defaults to ``2.0``.
        slope (float): ``s``. Defaults to ``2.0``.
        gather_distributed (bool): Whether to return the global-batch value
            when ``torch.distributed`` is initialised. Defaults to ``True``.
    """

    def __init__(self, weight: float = 1.0, offset: float = 2.0,
                 slope: float = 2.0, gather_distributed: bool = True) -> None:
        super().__init__()
        self.weight, self.offset = float(weight), float(offset)
        self.slope = float(slope)
        self.gather_distributed = gather_distributed

    def _term(self, pred: Tensor, target: Tensor) -> Tensor:
        cos = (F.normalize(upcast(pred), dim=1) *
               F.normalize(upcast(target.detach()), dim=1)).sum(dim=1)
        return self.weight * (self.offset - self.slope * cos)

    def forward(self, pred_v: Tensor, pred_a: Tensor, target_v: Tensor,
                target_a: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            pred_v (Tensor): Predictions of the video branch ``(n, D)``.
            pred_a (Tensor): Predictions of the audio branch ``(n, D)``.
            target_v (Tensor): Targets of the video branch ``(n, D)``
                (detached here).
            target_a (Tensor): Targets of the audio branch ``(n, D)``.

        Returns:
            Tensor: The scalar loss.
        """
        name = type(self).__name__
        check_pair(pred_v, pred_a, name, ('pred_v', 'pred_a'))
        check_pair(target_v, target_a, name, ('target_v', 'target_a'))
        check_pair(pred_v, target_v, name, ('pred_v', 'target_v'))
        per_row = self._term(pred_v, target_a) + self._term(pred_a, target_v)
        return reduce_rows(per_row,
                           batch_sizes(pred_v, self.gather_distributed))

