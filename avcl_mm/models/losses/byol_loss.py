"""BYOL's normalised regression loss with cross-modal targets."""
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

from ._dist_utils import batch_sizes, check_pair, local_share, upcast


@MODELS.register_module()
class BYOLLoss(nn.Module):
    """Mean squared error of normalised online predictions and targets.

    BYOL (https://arxiv.org/abs/2006.07733) in the two-stream setting: the
    online network's prediction of the video view regresses the target
    network's projection of the audio view of the same clip, and vice versa:

    ``L = mean_i (2 − 2 cos(p^v_i, z^a_i)) + mean_i (2 − 2 cos(p^a_i,
    z^v_i))`` (BYOL's symmetrised ``L + L̃``), with no gradient through the
    targets ``z``.

    The loss is a mean over clips, so each rank computes it on its own clips
    and DDP's gradient averaging gives the global-batch gradient; with
    ``gather_distributed`` the returned value is the global-batch loss.

    Args:
        gather_distributed (bool): Whether to return the global-batch value
            when ``torch.distributed`` is initialised. Defaults to ``True``.
    """

    def __init__(self, gather_distributed: bool = True) -> None:
        super().__init__()
        self.gather_distributed = gather_distributed

    @staticmethod
    def _regression(pred: Tensor, target: Tensor) -> Tensor:
        pred = F.normalize(upcast(pred), dim=1)
        target = F.normalize(upcast(target.detach()), dim=1)
        return (2 - 2 * (pred * target).sum(dim=1)).mean()

    def forward(self, pred_v: Tensor, pred_a: Tensor, target_v: Tensor,
                target_a: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            pred_v (Tensor): Online predictions of the video view ``(n, D)``.
            pred_a (Tensor): Online predictions of the audio view ``(n, D)``.
            target_v (Tensor): Target projections of the video view
                ``(n, D)`` (momentum network; detached here).
            target_a (Tensor): Target projections of the audio view
                ``(n, D)``.

        Returns:
            Tensor: The scalar loss, in ``[0, 8]``.
        """
        check_pair(pred_v, pred_a, 'BYOLLoss', ('pred_v', 'pred_a'))
        check_pair(target_v, target_a, 'BYOLLoss', ('target_v', 'target_a'))
        check_pair(pred_v, target_v, 'BYOLLoss', ('pred_v', 'target_v'))
        loss = self._regression(pred_v, target_a) + \
            self._regression(pred_a, target_v)
        return local_share(
            loss, batch_sizes(pred_v, self.gather_distributed))
