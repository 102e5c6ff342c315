"""Co-correlation guided representation alignment loss (AVCL Eq. 5-6)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS

from avcl_mm.models.utils.dist import gather_with_grad, get_world_size


@MODELS.register_module()
class CGRALoss(nn.Module):
    """CGRA loss of `AVCL <https://arxiv.org/abs/2204.13386>`_ (Eq. 5-6).

    The cross-correlation matrix between video and audio features is taken
    along the batch dimension,

    ``C_ij = sum_b v_bi a_bj / (sqrt(sum_b v_bi^2) sqrt(sum_b a_bj^2))``,

    and pushed towards the identity:

    ``L_cor = sum_i (1 - C_ii)^2 + lambd * sum_i sum_{j != i} C_ij^2``.

    As the paper writes it there is no mean-centring; ``center=True``
    subtracts the batch mean first, which makes ``C`` the Pearson correlation
    used by Barlow Twins. When ``torch.distributed`` is initialised and
    ``gather_distributed`` is set, both feature sets are gathered from every
    rank with gradients and ``C`` is taken over the global batch, so every
    rank computes the same value and ``DistributedDataParallel`` ends with
    the gradient of one process holding the whole batch.

    Args:
        lambd (float): Weight of the off-diagonal term. Defaults to
            ``0.005``.
        center (bool): Subtract the (global) batch mean before correlating.
            Defaults to ``False``.
        gather_distributed (bool): Correlate over the global batch when
            distributed. Defaults to ``True``.
        eps (float): Lower bound of a feature column's norm, so that a
            channel that is zero over the whole batch gives ``C = 0`` instead
            of NaN. Defaults to ``1e-8``.
        loss_weight (float): Factor on the returned loss. Defaults to
            ``1.0``.
    """

    def __init__(self,
                 lambd: float = 0.005,
                 center: bool = False,
                 gather_distributed: bool = True,
                 eps: float = 1e-8,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if lambd < 0:
            raise ValueError(f'CGRALoss: lambd must be >= 0, got {lambd}.')
        if eps <= 0:
            raise ValueError(f'CGRALoss: eps must be > 0, got {eps}.')
        self.lambd = float(lambd)
        self.center = center
        self.gather_distributed = gather_distributed
        self.eps = float(eps)
        self.loss_weight = float(loss_weight)

    def correlation(self, f_v: torch.Tensor,
                    f_a: torch.Tensor) -> torch.Tensor:
        """Cross-correlation matrix of Eq. 6 over the (global) batch.

        Args:
            f_v (torch.Tensor): Video features, shape ``(N, C)``.
            f_a (torch.Tensor): Audio features, shape ``(N, C)``.

        Returns:
            torch.Tensor: ``C`` of shape ``(C, C)`` in float32.
        """
        self._check(f_v, f_a)
        f_v, f_a = f_v.float(), f_a.float()
        if self.gather_distributed and get_world_size() > 1:
            f_v, f_a = gather_with_grad(f_v), gather_with_grad(f_a)
        if self.center:
            if f_v.shape[0] < 2:
                raise ValueError('CGRALoss(center=True) needs a batch of at '
                                 'least 2 samples; got 1.')
            f_v = f_v - f_v.mean(dim=0, keepdim=True)
            f_a = f_a - f_a.mean(dim=0, keepdim=True)
        # unit-norm columns: the denominator of Eq. 6
        f_v = F.normalize(f_v, dim=0, eps=self.eps)
        f_a = F.normalize(f_a, dim=0, eps=self.eps)
        return f_v.t() @ f_a

    def forward(self, f_v: torch.Tensor, f_a: torch.Tensor) -> torch.Tensor:
        """Compute ``loss_weight * L_cor``.

        Args:
            f_v (torch.Tensor): Video features, shape ``(N, C)``.
            f_a (torch.Tensor): Audio features, shape ``(N, C)``.

        Returns:
            torch.Tensor: Scalar loss (float32).
        """
        corr = self.correlation(f_v, f_a)
        diag = torch.diagonal(corr)
        on_diag = (1.0 - diag).pow(2).sum()
        off_diag = corr.pow(2).sum() - diag.pow(2).sum()
        return self.loss_weight * (on_diag + self.lambd * off_diag)

    @staticmethod
    def _check(f_v: torch.Tensor, f_a: torch.Tensor) -> None:
        if f_v.dim() != 2 or f_a.dim() != 2:
            raise ValueError('CGRALoss expects pooled features of shape '
                             f'(N, C); got {tuple(f_v.shape)} and '
                             f'{tuple(f_a.shape)}. Pool the feature maps '
                             'first.')
        if f_v.shape != f_a.shape:
            raise ValueError('CGRALoss needs video and audio features of '
                             'the same shape (C must be square); got '
                             f'{tuple(f_v.shape)} and {tuple(f_a.shape)}. '
                             'Project both to the same channel size (e.g. '
                             'AudioVisualRecognizer(proj_channels=512)).')
