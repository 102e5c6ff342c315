"""Inter-intra contrastive loss (IIC, Tao et al. 2020) between video and
audio, with intra-negatives made from each clip's own frames."""
from mmaction.registry import MODELS
from torch import Tensor

from avcl_mm.models.utils.checks import check_pair
from avcl_mm.models.utils.dist import batch_sizes, gather
from avcl_mm.models.utils.precision import unit_rows, upcast
from .info_nce import CrossModalInfoNCELoss


@MODELS.register_module()
class InterIntraContrastLoss(CrossModalInfoNCELoss):
    """Cross-modal InfoNCE with intra-negatives.

    The inter-intra contrastive framework of Tao, Wang and Yamasaki
    (*Self-supervised video representation learning using inter-intra
    contrastive framework*, ACM MM 2020; AVCL's Table IV "IIC") in the
    two-stream setting. The two views of a clip are its video ``v_i`` and
    its audio ``a_i`` (IIC's RGB and residual-frame views); the
    intra-negative ``u_i`` is the video encoder's embedding of the *same*
    clip with its temporal structure broken (a repeated frame or swapped
    chunks, see the ``IIC`` method). With ``s`` the cosine similarity over
    the ``N`` clips of the (global) batch,

    ``ℓ(v_i) = −log e^{s(v_i, a_i)/τ} / (Σ_j e^{s(v_i, a_j)/τ}
    + Σ_j e^{s(v_i, u_j)/τ})``,

    ``ℓ(a_i)`` the same with ``v`` and ``a`` swapped (``u`` stays), and
    ``L = mean_i ℓ(v_i) + mean_i ℓ(a_i)`` (the official code adds the two
    views' losses): a :class:`CrossModalInfoNCELoss` whose extra negatives
    are every clip's intra-negative, the anchor's own ``u_i`` included, as
    the official ``NCEAverage`` draws the intra-negative rows with the same
    indices as the other view's. There are no within-modality
    inter-negatives (IIC contrasts across views only, unlike SimCLR's
    NT-Xent). Negatives come from the batch instead of the official
    1024-row memory bank; the intra-negatives of all ranks are gathered with
    gradients.

    Args:
        temperature (float): ``τ > 0``. Defaults to ``0.07`` (official
            ``nce_t``).
        gather_distributed (bool): Use the global batch when
            ``torch.distributed`` is initialised. Defaults to ``True``.
    """

    def __init__(self,
                 temperature: float = 0.07,
                 gather_distributed: bool = True) -> None:
        super().__init__(temperature=temperature,
                         gather_distributed=gather_distributed)

    def forward(self, feat_v: Tensor, feat_a: Tensor,
                feat_neg: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            feat_v (Tensor): Video embeddings ``(n, D)`` of this rank.
            feat_a (Tensor): Audio embeddings ``(n, D)`` of the same clips.
            feat_neg (Tensor): Video embeddings ``(n, D)`` of the same clips
                with their temporal structure broken (intra-negatives).

        Returns:
            Tensor: The scalar loss.
        """
        check_pair(feat_v, feat_neg, type(self).__name__,
                   ('feat_v', 'feat_neg'))
        intra = gather(unit_rows(upcast(feat_neg)),
                       batch_sizes(feat_neg, self.gather_distributed))
        return super().forward(feat_v, feat_a, extra_v=(intra, ),
                               extra_a=(intra, ))
