"""Cross-correlation loss: the one redundancy-reduction loss of avcl_mm."""
import torch
from mmaction.registry import MODELS
from torch import Tensor, nn

from avcl_mm.models.utils.dist import batch_sizes, gather_pair
from avcl_mm.models.utils.precision import (float32_region, unit_slices,
                                            upcast)

_NORMALIZE = ('cosine', 'pearson', 'standardize')
# centred columns below this fraction of their uncentred norm are constant
# up to float32 rounding (about 100 ulp)
_CONSTANT_RTOL = 1e-5


@MODELS.register_module()
class CrossCorrelationLoss(nn.Module):
    """Push the video–audio cross-correlation matrix towards the identity.

    ``C`` ``(D, D)`` correlates every video feature dimension with every
    audio one along the batch and

    ``L = scale · (Σ_i (1 − C_ii)² + λ Σ_i Σ_{j≠i} C_ij²)``.

    How ``C`` is normalised (``normalize``):

    - ``'cosine'``: ``C_ij = Σ_b v_bi a_bj / (‖v_·i‖ ‖a_·j‖)``, no
      centring (AVCL's CGRA, Eq. 6 as printed);
    - ``'pearson'``: the same after subtracting the batch mean (Pearson
      correlation);
    - ``'standardize'``: ``ẑ = (z − mean) / sqrt(var + eps)`` (biased
      variance, as BatchNorm) and ``C = ẑ_vᵀ ẑ_a / N`` (Barlow Twins).

    A column whose norm is at most ``eps`` (a channel that is zero over the
    whole batch; for ``'pearson'`` also one that is constant) gives ``C =
    0`` with zero gradient instead of NaN or a ``1 / eps`` gradient.
    Computed in float32 (float64 stays) with autocast off. With
    ``gather_distributed`` both feature sets are gathered from every rank
    with gradients first, so ``C`` is the global batch's and every rank
    returns the same value.

    Args:
        lambd (float): ``λ >= 0``, weight of the off-diagonal terms.
            Defaults to ``0.005``.
        normalize (str): ``'cosine'``, ``'pearson'`` or ``'standardize'``.
            Defaults to ``'cosine'``.
        eps (float): See above (added to the variance for
            ``'standardize'``). Defaults to ``1e-8``.
        scale (float): Factor of the whole loss. Defaults to ``1.0``.
        gather_distributed (bool): Correlate over the global batch when
            distributed. Defaults to ``True``.
    """

    def __init__(self,
                 lambd: float = 0.005,
                 normalize: str = 'cosine',
                 eps: float = 1e-8,
                 scale: float = 1.0,
                 gather_distributed: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        if normalize not in _NORMALIZE:
            raise ValueError(f'{name}: normalize must be one of {_NORMALIZE}, '
                             f'got {normalize!r}.')
        for key, value, low_ok in (('lambd', lambd, True),
                                   ('eps', eps, False),
                                   ('scale', scale, True)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or value < 0 or (value == 0 and not low_ok):
                raise ValueError(f'{name}: {key} must be a number '
                                 f'{">=" if low_ok else ">"} 0, got '
                                 f'{value!r}.')
        self.lambd, self.normalize = float(lambd), normalize
        self.eps, self.scale = float(eps), float(scale)
        self.gather_distributed = gather_distributed

    def correlation(self, f_v: Tensor, f_a: Tensor) -> Tensor:
        """Cross-correlation matrix ``C`` ``(D, D)`` over the (global)
        batch of video and audio features ``(N, D)``."""
        self._check(f_v, f_a)
        with float32_region(f_v):
            f_v, f_a = upcast(f_v), upcast(f_a)
            f_v, f_a = gather_pair(f_v, f_a,
                                   batch_sizes(f_v, self.gather_distributed))
            num = f_v.shape[0]
            if self.normalize != 'cosine' and num < 2:
                raise ValueError(f'{type(self).__name__}: the (global) batch '
                                 'holds one clip; batch statistics need at '
                                 'least 2.')
            if self.normalize == 'standardize':
                return self._standardize(f_v).t() @ \
                    self._standardize(f_a) / num
            floor_v = floor_a = None
            if self.normalize == 'pearson':
                # a channel constant over the batch leaves only rounding
                # noise after centring: treat it as 0, not as unit norm
                floor_v = _CONSTANT_RTOL * torch.linalg.vector_norm(
                    f_v, dim=0, keepdim=True)
                floor_a = _CONSTANT_RTOL * torch.linalg.vector_norm(
                    f_a, dim=0, keepdim=True)
                f_v = f_v - f_v.mean(dim=0, keepdim=True)
                f_a = f_a - f_a.mean(dim=0, keepdim=True)
            return unit_slices(f_v, 0, self.eps, floor_v).t() @ \
                unit_slices(f_a, 0, self.eps, floor_a)

    def _standardize(self, z: Tensor) -> Tensor:
        mean = z.mean(dim=0, keepdim=True)
        var = z.var(dim=0, unbiased=False, keepdim=True)
        return (z - mean) / torch.sqrt(var + self.eps)

    def forward(self, f_v: Tensor, f_a: Tensor) -> Tensor:
        """Compute the loss of video and audio features ``(N, D)``
        (float32 or wider, also under autocast)."""
        corr = self.correlation(f_v, f_a)
        with float32_region(corr):
            diag = torch.diagonal(corr)
            on_diag = (1.0 - diag).pow(2).sum()
            off_diag = corr.pow(2).sum() - diag.pow(2).sum()
            return self.scale * (on_diag + self.lambd * off_diag)

    def _check(self, f_v: Tensor, f_a: Tensor) -> None:
        name = type(self).__name__
        if not all(isinstance(t, Tensor) for t in (f_v, f_a)) or \
                f_v.dim() != 2 or f_a.dim() != 2 or f_v.shape[0] == 0:
            raise ValueError(f'{name} expects pooled features of shape '
                             f'(N, C); got {tuple(getattr(f_v, "shape", ()))} '
                             f'and {tuple(getattr(f_a, "shape", ()))}. Pool '
                             'the feature maps first.')
        if f_v.shape != f_a.shape:
            raise ValueError(f'{name} needs video and audio features of '
                             'the same shape (C must be square); got '
                             f'{tuple(f_v.shape)} and {tuple(f_a.shape)}. '
                             'Project both to the same channel size (e.g. '
                             "the recognizer's proj_channels).")
