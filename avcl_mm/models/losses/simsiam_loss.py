"""SimSiam's negative cosine loss with stop-gradient, cross-modal."""
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

from ._dist_utils import batch_sizes, check_pair, local_share, upcast


@MODELS.register_module()
class SimSiamLoss(nn.Module):
    """Symmetric negative cosine similarity with a stop-gradient.

    SimSiam (https://arxiv.org/abs/2011.10566) in the two-stream setting: the
    prediction of each modality is pulled towards the projection of the
    other modality of the same clip, which is treated as a constant:

    ``L = ½ D(p^v, sg(z^a)) + ½ D(p^a, sg(z^v))`` with
    ``D(p, z) = −mean_i cos(p_i, z_i)``.

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
    def _negative_cosine(pred: Tensor, proj: Tensor) -> Tensor:
        pred = F.normalize(upcast(pred), dim=1)
        proj = F.normalize(upcast(proj.detach()), dim=1)
        return -(pred * proj).sum(dim=1).mean()

    def forward(self, pred_v: Tensor, pred_a: Tensor, proj_v: Tensor,
                proj_a: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            pred_v (Tensor): Predictor output of the video branch ``(n, D)``.
            pred_a (Tensor): Predictor output of the audio branch ``(n, D)``.
            proj_v (Tensor): Projector output of the video branch ``(n, D)``
                (detached here).
            proj_a (Tensor): Projector output of the audio branch ``(n, D)``.

        Returns:
            Tensor: The scalar loss, in ``[-1, 1]``.
        """
        check_pair(pred_v, pred_a, 'SimSiamLoss', ('pred_v', 'pred_a'))
        check_pair(proj_v, proj_a, 'SimSiamLoss', ('proj_v', 'proj_a'))
        check_pair(pred_v, proj_v, 'SimSiamLoss', ('pred_v', 'proj_v'))
        loss = 0.5 * self._negative_cosine(pred_v, proj_a) + \
            0.5 * self._negative_cosine(pred_a, proj_v)
        return local_share(
            loss, batch_sizes(pred_v, self.gather_distributed))
