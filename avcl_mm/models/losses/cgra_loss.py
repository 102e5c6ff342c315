"""Co-correlation guided representation alignment loss (AVCL Eq. 5-6)."""
import torch
import torch.nn as nn
from mmaction.registry import MODELS

from avcl_mm.models.utils.dist import gather_pair_with_grad, get_world_size
from avcl_mm.models.utils.precision import float32_region

# centred columns below this fraction of their uncentred norm are constant
# up to float32 rounding (about 100 ulp)
_CONSTANT_RTOL = 1e-5


def _unit(x: torch.Tensor, dim: int, eps: float,
          floor: torch.Tensor = None) -> torch.Tensor:
    """``x`` scaled to unit norm along ``dim``; a slice whose norm is at most
    ``eps`` (or ``floor``) - e.g. a channel that a ReLU switched off for the
    whole batch - becomes 0 *with zero gradient*. ``F.normalize`` would give
    it the gradient ``1 / eps`` (1e8 with eps=1e-8), which overflows float16
    gradients and makes mixed-precision training skip every step."""
    norm = torch.linalg.vector_norm(x, dim=dim, keepdim=True)
    live = norm > eps
    if floor is not None:
        live = live & (norm > floor.detach())
    return torch.where(live, x / norm.clamp_min(eps), x.new_zeros(()))


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
        with float32_region(f_v):
            f_v, f_a = f_v.float(), f_a.float()
            if self.gather_distributed and get_world_size() > 1:
                f_v, f_a = gather_pair_with_grad(f_v, f_a)  # 1 collective
            if self.center:
                if f_v.shape[0] < 2:
                    raise ValueError('CGRALoss(center=True) needs a batch of '
                                     'at least 2 samples; got 1.')
                # a channel constant over the batch (e.g. identical clips)
                # leaves only rounding noise after centring: treat it as 0
                # rather than blowing that noise up to unit norm
                floor_v = _CONSTANT_RTOL * torch.linalg.vector_norm(
                    f_v, dim=0, keepdim=True)
                floor_a = _CONSTANT_RTOL * torch.linalg.vector_norm(
                    f_a, dim=0, keepdim=True)
                f_v = f_v - f_v.mean(dim=0, keepdim=True)
                f_a = f_a - f_a.mean(dim=0, keepdim=True)
            else:
                floor_v = floor_a = None
            # unit-norm columns: the denominator of Eq. 6
            f_v = _unit(f_v, dim=0, eps=self.eps, floor=floor_v)
            f_a = _unit(f_a, dim=0, eps=self.eps, floor=floor_a)
            return f_v.t() @ f_a

    def forward(self, f_v: torch.Tensor, f_a: torch.Tensor) -> torch.Tensor:
        """Compute ``loss_weight * L_cor``.

        Args:
            f_v (torch.Tensor): Video features, shape ``(N, C)``.
            f_a (torch.Tensor): Audio features, shape ``(N, C)``.

        Returns:
            torch.Tensor: Scalar loss (float32, also under autocast).
        """
        corr = self.correlation(f_v, f_a)
        with float32_region(corr):
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
