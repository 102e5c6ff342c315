"""Barlow Twins' redundancy-reduction loss between video and audio."""
import torch
from mmaction.registry import MODELS
from torch import Tensor, nn

from ._dist_utils import batch_sizes, check_pair, gather, upcast


@MODELS.register_module()
class BarlowTwinsLoss(nn.Module):
    """Push the video–audio cross-correlation matrix towards the identity.

    Barlow Twins (https://arxiv.org/abs/2103.03230) in the two-stream
    setting. Each embedding dimension is standardised over the batch
    (``ẑ = (z − mean) / sqrt(var + eps)``, biased variance as BatchNorm),
    ``C = ẑ_vᵀ ẑ_a / N`` is the ``(D, D)`` cross-correlation and

    ``L = scale_loss · (Σ_i (1 − C_ii)² + λ Σ_i Σ_{j≠i} C_ij²)``.

    With ``gather_distributed`` the embeddings of all ranks are gathered
    (with gradients) first, so the mean, the variance and ``C`` are those of
    the global batch: every rank returns the same value and DDP's gradient
    averaging gives the single-process gradient.

    Args:
        lambd (float): Weight ``λ >= 0`` of the off-diagonal terms. Defaults
            to ``0.0051``.
        scale_loss (float): Factor ``> 0`` of the whole loss. Defaults to
            ``1.0``.
        eps (float): Added to the variance, ``> 0``. Defaults to ``1e-5``.
        gather_distributed (bool): Whether to use the global batch when
            ``torch.distributed`` is initialised. Defaults to ``True``.
    """

    def __init__(self,
                 lambd: float = 0.0051,
                 scale_loss: float = 1.0,
                 eps: float = 1e-5,
                 gather_distributed: bool = True) -> None:
        super().__init__()
        for name, value, low_ok in (('lambd', lambd, True),
                                    ('scale_loss', scale_loss, False),
                                    ('eps', eps, False)):
            if not isinstance(value, (int, float)) or value < 0 or \
                    (value == 0 and not low_ok):
                bound = '>= 0' if low_ok else '> 0'
                raise ValueError(f'BarlowTwinsLoss: {name} must be a number '
                                 f'{bound}, got {value!r}.')
        self.lambd = float(lambd)
        self.scale_loss = float(scale_loss)
        self.eps = float(eps)
        self.gather_distributed = gather_distributed

    def _standardise(self, z: Tensor) -> Tensor:
        mean = z.mean(dim=0, keepdim=True)
        var = z.var(dim=0, unbiased=False, keepdim=True)
        return (z - mean) / torch.sqrt(var + self.eps)

    def forward(self, feat_v: Tensor, feat_a: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            feat_v (Tensor): Video embeddings ``(n, D)`` of this rank.
            feat_a (Tensor): Audio embeddings ``(n, D)`` of the same clips.

        Returns:
            Tensor: The scalar loss.
        """
        check_pair(feat_v, feat_a, 'BarlowTwinsLoss', ('feat_v', 'feat_a'))
        sizes = batch_sizes(feat_v, self.gather_distributed)
        z_v = gather(upcast(feat_v), sizes)
        z_a = gather(upcast(feat_a), sizes)
        num = z_v.shape[0]
        if num < 2:
            raise ValueError('BarlowTwinsLoss: the (global) batch holds one '
                             'clip; batch statistics need at least 2.')
        corr = self._standardise(z_v).t() @ self._standardise(z_a) / num
        diag = torch.diagonal(corr)
        off_diag = corr.pow(2).sum() - diag.pow(2).sum()
        return self.scale_loss * ((1 - diag).pow(2).sum() +
                                  self.lambd * off_diag)
