"""Barlow Twins' redundancy-reduction loss between video and audio."""
from mmaction.registry import MODELS

from .cross_correlation import CrossCorrelationLoss


@MODELS.register_module()
class BarlowTwinsLoss(CrossCorrelationLoss):
    """Barlow Twins (https://arxiv.org/abs/2103.03230) in the two-stream
    setting: each embedding dimension is standardised over the batch
    (``ẑ = (z − mean) / sqrt(var + eps)``, biased variance as BatchNorm),
    ``C = ẑ_vᵀ ẑ_a / N`` is the ``(D, D)`` cross-correlation and

    ``L = scale_loss · (Σ_i (1 − C_ii)² + λ Σ_i Σ_{j≠i} C_ij²)``

    (:class:`CrossCorrelationLoss` with ``normalize='standardize'``).

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
        if isinstance(scale_loss, bool) or \
                not isinstance(scale_loss, (int, float)) or scale_loss <= 0:
            raise ValueError('BarlowTwinsLoss: scale_loss must be a number > '
                             f'0, got {scale_loss!r}.')
        super().__init__(lambd=lambd, normalize='standardize', eps=eps,
                         scale=scale_loss,
                         gather_distributed=gather_distributed)
