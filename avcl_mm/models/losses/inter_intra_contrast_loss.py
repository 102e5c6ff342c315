"""Inter-intra contrastive loss (IIC, Tao et al. 2020) between video and
audio, with intra-negatives made from each clip's own frames."""
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

from ._dist_utils import (batch_sizes, check_pair, gather, local_share,
                          row_offset, upcast)


@MODELS.register_module()
class InterIntraContrastLoss(nn.Module):
    """Cross-modal InfoNCE with intra-negatives.

    The inter-intra contrastive framework of Tao, Wang and Yamasaki
    (*Self-supervised video representation learning using inter-intra
    contrastive framework*, ACM MM 2020; AVCL's Table IV "IIC") in the
    two-stream setting. The two views of a clip are its video ``v_i`` and
    its audio ``a_i`` (IIC's RGB and residual-frame views); the
    intra-negative ``u_i`` is the video encoder's embedding of the *same*
    clip with its temporal structure broken (a repeated frame or swapped
    chunks, see ``InterIntraAVRecognizer``). With ``s`` the cosine
    similarity over the ``N`` clips of the (global) batch,

    ``ℓ(v_i) = −log e^{s(v_i, a_i)/τ} / (Σ_j e^{s(v_i, a_j)/τ}
    + Σ_j e^{s(v_i, u_j)/τ})``,

    ``ℓ(a_i)`` the same with ``v`` and ``a`` swapped (``u`` stays), and
    ``L = mean_i ℓ(v_i) + mean_i ℓ(a_i)`` (the official code adds the two
    views' losses). The contrast set of an anchor holds the other modality
    (the positive and the inter-negatives ``j ≠ i``) and every
    intra-negative, the anchor's own ``u_i`` included, as the official
    ``NCEAverage`` draws the intra-negative rows with the same indices as the
    other view's. There are no within-modality inter-negatives (IIC
    contrasts across views only, unlike SimCLR's NT-Xent). Negatives come
    from the batch instead of the official 1024-row memory bank.

    With ``gather_distributed`` the ``N`` clips are the global batch (this
    rank's anchors against all ranks' rows, gathered with gradients); the
    value is the global loss on every rank and DDP's gradient averaging gives
    the single-process gradient.

    Args:
        temperature (float): ``τ > 0``. Defaults to ``0.07`` (official
            ``nce_t``).
        gather_distributed (bool): Use the global batch when
            ``torch.distributed`` is initialised. Defaults to ``True``.
    """

    def __init__(self,
                 temperature: float = 0.07,
                 gather_distributed: bool = True) -> None:
        super().__init__()
        if not isinstance(temperature, (int, float)) or \
                isinstance(temperature, bool) or temperature <= 0:
            raise ValueError('InterIntraContrastLoss: temperature must be a '
                             f'positive number, got {temperature!r}.')
        self.temperature = float(temperature)
        self.gather_distributed = gather_distributed

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
        owner = 'InterIntraContrastLoss'
        check_pair(feat_v, feat_a, owner, ('feat_v', 'feat_a'))
        check_pair(feat_v, feat_neg, owner, ('feat_v', 'feat_neg'))
        z_v, z_a, z_u = (F.normalize(upcast(x), dim=1)
                         for x in (feat_v, feat_a, feat_neg))
        sizes = batch_sizes(z_v, self.gather_distributed)
        all_v, all_a, all_u = (gather(x, sizes) for x in (z_v, z_a, z_u))
        targets = torch.arange(z_v.shape[0], device=z_v.device) + \
            row_offset(sizes)

        def view_loss(anchor: Tensor, other: Tensor) -> Tensor:
            logits = torch.cat([anchor @ other.t(), anchor @ all_u.t()],
                               dim=1) / self.temperature
            return F.cross_entropy(logits, targets)

        loss = view_loss(z_v, all_a) + view_loss(z_a, all_v)
        return local_share(loss, sizes)
