"""Invariant Information Clustering loss between video and audio."""
from mmaction.registry import MODELS
from torch import Tensor, nn

from avcl_mm.models.utils.checks import check_pair
from avcl_mm.models.utils.dist import batch_sizes, gather
from avcl_mm.models.utils.precision import upcast


@MODELS.register_module()
class InvariantInfoClusteringLoss(nn.Module):
    """Negative mutual information of the video and audio cluster assignments.

    Invariant Information Clustering (Ji, Henriques and Vedaldi, ICCV 2019,
    https://arxiv.org/abs/1807.06653; not AVCL's "IIC", which is Tao et
    al.'s inter-intra contrastive framework, ``InterIntraContrastLoss``) in
    the two-stream setting: the
    soft cluster assignments ``φ(v_i) = softmax(logits_v_i)`` and
    ``φ(a_i)`` of the two modalities of a clip are paired. Their joint
    distribution over the batch, symmetrised,

    ``P = sym((1/N) Σ_i φ(v_i) φ(a_i)ᵀ)``, ``sym(M) = (M + Mᵀ) / 2``,

    has marginals ``P_c = Σ_c' P_cc'`` and ``P_c' = Σ_c P_cc'``, and

    ``L = −I(P) = −Σ_cc' P_cc' (log P_cc' − log P_c − log P_c')``.

    Probabilities are clamped at ``eps`` inside the logarithms only, so empty
    cells contribute zero. ``L >= −log(num_clusters)``. With
    ``gather_distributed`` ``P`` is computed on the global batch (gathered
    with gradients): every rank returns the same value and DDP's gradient
    averaging gives the single-process gradient.

    Args:
        num_clusters (int): Number of clusters ``C >= 2`` (the size of the
            logits).
        eps (float): Floor of the probabilities inside the logarithms,
            ``> 0``. Defaults to ``1e-8``.
        gather_distributed (bool): Whether to use the global batch when
            ``torch.distributed`` is initialised. Defaults to ``True``.
    """

    def __init__(self,
                 num_clusters: int,
                 eps: float = 1e-8,
                 gather_distributed: bool = True) -> None:
        super().__init__()
        if not isinstance(num_clusters, int) or \
                isinstance(num_clusters, bool) or num_clusters < 2:
            raise ValueError('InvariantInfoClusteringLoss: num_clusters must '
                             'be an integer >= 2, '
                             f'got {num_clusters!r}.')
        if not isinstance(eps, (int, float)) or not 0 < eps < 1:
            raise ValueError('InvariantInfoClusteringLoss: eps must be in '
                             f'(0, 1), got {eps!r}.')
        self.num_clusters = num_clusters
        self.eps = float(eps)
        self.gather_distributed = gather_distributed

    def forward(self, logits_v: Tensor, logits_a: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            logits_v (Tensor): Video cluster logits ``(n, num_clusters)``
                (softmax is applied here).
            logits_a (Tensor): Audio cluster logits ``(n, num_clusters)``.

        Returns:
            Tensor: The scalar loss ``−I``.
        """
        owner = 'InvariantInfoClusteringLoss'
        check_pair(logits_v, logits_a, owner, ('logits_v', 'logits_a'))
        if logits_v.shape[1] != self.num_clusters:
            raise ValueError(f'{owner}: logits have {logits_v.shape[1]} '
                             f'columns but num_clusters={self.num_clusters}; '
                             'make the cluster head output num_clusters.')
        sizes = batch_sizes(logits_v, self.gather_distributed)
        prob_v = gather(upcast(logits_v).softmax(dim=1), sizes)
        prob_a = gather(upcast(logits_a).softmax(dim=1), sizes)
        joint = prob_v.t() @ prob_a / prob_v.shape[0]
        joint = (joint + joint.t()) / 2
        marginal_row = joint.sum(dim=1, keepdim=True)
        marginal_col = joint.sum(dim=0, keepdim=True)
        log_ratio = joint.clamp_min(self.eps).log() - \
            marginal_row.clamp_min(self.eps).log() - \
            marginal_col.clamp_min(self.eps).log()
        return -(joint * log_ratio).sum()
