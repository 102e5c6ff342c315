"""SimCLR's NT-Xent loss with cross-modal positives."""
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

from ._dist_utils import (batch_sizes, check_pair, gather, local_share,
                          row_offset, upcast)


@MODELS.register_module()
class NTXentCrossModalLoss(nn.Module):
    """Normalised temperature-scaled cross entropy over video and audio views.

    SimCLR (https://arxiv.org/abs/2002.05709) in the two-stream setting: the
    ``2N`` views are the video embeddings ``{v_i}`` and the audio embeddings
    ``{a_i}`` of ``N`` clips. The positive of ``v_i`` is ``a_i`` (and of
    ``a_i`` is ``v_i``); the other ``2N − 2`` views are its negatives:

    ``ℓ(v_i) = −log exp(s(v_i, a_i)/τ) / (Σ_j exp(s(v_i, a_j)/τ)
    + Σ_{j≠i} exp(s(v_i, v_j)/τ))``, ``s`` the cosine similarity, and the
    loss is the mean of ``ℓ`` over the ``2N`` views.

    With ``gather_distributed`` the ``N`` clips are the global batch: this
    rank's rows are scored against the views of all ranks (``O(n · W n)``
    memory), the returned value is the global loss on every rank and DDP's
    gradient averaging gives the single-process gradient.

    Args:
        temperature (float): Temperature ``τ > 0``. Defaults to ``0.1``.
        gather_distributed (bool): Whether to use the global batch when
            ``torch.distributed`` is initialised. Defaults to ``True``.
    """

    def __init__(self,
                 temperature: float = 0.1,
                 gather_distributed: bool = True) -> None:
        super().__init__()
        if not isinstance(temperature, (int, float)) or temperature <= 0:
            raise ValueError('NTXentCrossModalLoss: temperature must be a '
                             f'positive number, got {temperature!r}.')
        self.temperature = float(temperature)
        self.gather_distributed = gather_distributed

    def forward(self, feat_v: Tensor, feat_a: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            feat_v (Tensor): Video embeddings ``(n, D)`` of this rank.
            feat_a (Tensor): Audio embeddings ``(n, D)`` of the same clips.

        Returns:
            Tensor: The scalar loss.
        """
        check_pair(feat_v, feat_a, 'NTXentCrossModalLoss',
                   ('feat_v', 'feat_a'))
        z_v = F.normalize(upcast(feat_v), dim=1)
        z_a = F.normalize(upcast(feat_a), dim=1)
        sizes = batch_sizes(z_v, self.gather_distributed)
        all_v, all_a = gather(z_v, sizes), gather(z_a, sizes)
        n = z_v.shape[0]
        targets = torch.arange(n, device=z_v.device) + row_offset(sizes)
        # Each anchor must not be its own negative.
        is_self = torch.zeros(n, all_v.shape[0], dtype=torch.bool,
                              device=z_v.device)
        is_self[torch.arange(n, device=z_v.device), targets] = True

        def logits(anchor: Tensor, other: Tensor, same: Tensor) -> Tensor:
            cross = anchor @ other.t() / self.temperature
            within = (anchor @ same.t() / self.temperature).masked_fill(
                is_self, float('-inf'))
            return torch.cat([cross, within], dim=1)

        all_logits = torch.cat([logits(z_v, all_a, all_v),
                                logits(z_a, all_v, all_a)])
        loss = F.cross_entropy(all_logits, torch.cat([targets, targets]))
        return local_share(loss, sizes)
