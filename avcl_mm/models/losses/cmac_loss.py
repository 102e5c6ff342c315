"""CMAC's saliency heads and loss: attention consistency + L_cl (Eq. 5-8)."""
from typing import Dict, Optional

from mmaction.registry import MODELS
from torch import Tensor, nn

from avcl_mm.models.utils.dist import batch_sizes, reduce_rows
from avcl_mm.models.utils.feature_queue import FeatureQueue
from avcl_mm.models.utils.precision import unit_rows, upcast
from .info_nce import CrossModalInfoNCELoss


@MODELS.register_module()
class CMACSaliencyHead(nn.Module):
    """Saliency head ``ŝ = σ(h(x))`` of CMAC (Eq. 5): conv-BN-ReLU then a
    1×1×1 conv to one channel. Input ``(N, C, T, H, W)`` or ``(N, C, H, W)``;
    output the map without channels, ``(N, T, H, W)`` or ``(N, H, W)``.

    Args:
        in_channels (int): Channels of the feature map. Defaults to ``512``.
        hidden_channels (int): Channels of the first conv (not given by the
            paper). Defaults to ``128``.
    """

    def __init__(self, in_channels: int = 512,
                 hidden_channels: int = 128) -> None:
        super().__init__()
        if min(in_channels, hidden_channels) < 1:
            raise ValueError('CMACSaliencyHead: in_channels and '
                             'hidden_channels must be positive, got '
                             f'{in_channels}, {hidden_channels}.')
        self.block = nn.Sequential(
            nn.Conv3d(in_channels, hidden_channels, 1, bias=False),
            nn.BatchNorm3d(hidden_channels), nn.ReLU(inplace=True),
            nn.Conv3d(hidden_channels, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        """Map ``(N, C, [T,] H, W)`` to saliency in ``(0, 1)``."""
        out = self.block(x if x.dim() == 5 else x[:, :, None]).sigmoid()
        return out[:, 0] if x.dim() == 5 else out[:, 0, 0]


@MODELS.register_module()
class CMACLoss(nn.Module):
    """Loss of `CMAC <https://arxiv.org/abs/2106.06939>`_ (Eq. 6-8).

    ``L = L_cl(κ_v, κ_a) + L_cl(κ_a, κ_v) + λ (L_ac^v + L_ac^a)``.

    ``L_ac = ‖s − ŝ‖²`` (Eq. 6): squared L2 distance between the PCF map
    ``s`` and the saliency head's ``ŝ``, summed over positions and averaged
    over samples (``ac_reduction='mean'`` averages over positions). The
    paper calls ``s`` a pseudo label without saying whether gradients pass;
    it is detached by default, so only ``L_cl`` trains the filters.

    ``L_cl`` (Eq. 7) on the projected, L2-normalised filters in MoCo form (a
    :class:`CrossModalInfoNCELoss`): query ``q^v_n`` and positive key
    ``k^a_n``; negatives are the other audio keys of the global batch
    (``Σ_m`` of Eq. 7; ``batch_negatives``), the queue of earlier audio keys
    (MoCo) and, as within-modal negatives, the queue of earlier video keys
    (CMAC's "previous batches"); ``τ`` as MoCo. Keys come from the momentum
    encoder; without keys the queries are their own keys. After the loss the
    keys of all ranks enter the queues (:class:`FeatureQueue`, buffers
    ``queue.video``, ``queue.audio``, ``queue.ptr``).

    Args:
        temperature (float): ``τ``. Defaults to ``0.07``.
        queue_size (int): ``Q`` per modality. Defaults to ``15000``.
        feat_dim (int): Size of the projected filters. Defaults to ``256``.
        lambda_ac (float): ``λ``. Defaults to ``1.5``.
        detach_target (bool): Stop gradients through ``s``. Defaults to
            ``True``.
        ac_reduction (str): ``'sum'`` (Eq. 6) or ``'mean'`` over positions.
            Defaults to ``'sum'``.
        batch_negatives (bool): Use the other keys of the batch as
            negatives. Defaults to ``True``.
        init_seed (int): Seed of the random initial queues. Defaults to
            ``0``.
    """

    def __init__(self, temperature: float = 0.07, queue_size: int = 15000,
                 feat_dim: int = 256, lambda_ac: float = 1.5,
                 detach_target: bool = True, ac_reduction: str = 'sum',
                 batch_negatives: bool = True, init_seed: int = 0) -> None:
        super().__init__()
        if temperature <= 0 or lambda_ac < 0 or queue_size < 1 or \
                feat_dim < 1 or ac_reduction not in ('sum', 'mean'):
            raise ValueError(
                'CMACLoss: need temperature > 0, lambda_ac >= 0, queue_size '
                "and feat_dim >= 1, ac_reduction 'sum' or 'mean'; got "
                f'{temperature}, {lambda_ac}, {queue_size}, {feat_dim}, '
                f'{ac_reduction!r}.')
        self.lambda_ac = lambda_ac
        self.detach_target, self.ac_reduction = detach_target, ac_reduction
        self.contrast = CrossModalInfoNCELoss(
            temperature=temperature, batch_negatives=batch_negatives)
        self.queue = FeatureQueue(queue_size, feat_dim, init_seed,
                                  owner='CMACLoss')

    def consistency(self, s: Tensor, s_hat: Tensor) -> Tensor:
        """``L_ac`` per sample ``(N, )`` of target ``s`` and prediction
        ``s_hat``, both ``(N, ...)``."""
        if s.shape != s_hat.shape:
            raise ValueError(f'CMACLoss: PCF map {tuple(s.shape)} and '
                             f'saliency map {tuple(s_hat.shape)} differ; '
                             'feed both the same feature map.')
        s = s.detach() if self.detach_target else s
        sq = (s.float() - s_hat.float()).pow(2).flatten(1)
        return sq.sum(1) if self.ac_reduction == 'sum' else sq.mean(1)

    def loss_parts(self, q_v: Tensor, q_a: Tensor, s_v: Tensor, s_a: Tensor,
                   sal_v: Tensor, sal_a: Tensor, k_v: Optional[Tensor] = None,
                   k_a: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """``loss_cl`` and ``λ``-weighted ``loss_ac`` (their sum is ``L``);
        in training mode the keys then enter the queues.

        Args:
            q_v (Tensor): Projected video filters ``(n, D)``.
            q_a (Tensor): Projected audio filters ``(n, D)``.
            s_v (Tensor): Audio-guided video map ``(n, ...)`` from PCF.
            s_a (Tensor): Video-guided audio map ``(n, ...)`` from PCF.
            sal_v (Tensor): Video saliency ``ŝ_v``, shaped as ``s_v``.
            sal_a (Tensor): Audio saliency ``ŝ_a``, shaped as ``s_a``.
            k_v (Tensor, optional): Momentum video keys ``(n, D)``. Defaults
                to ``None`` (the queries).
            k_a (Tensor, optional): Momentum audio keys. Defaults to ``None``.

        Returns:
            dict[str, Tensor]: Global-batch scalars.
        """
        dim = self.queue.video.shape[1]
        shapes = [tuple(t.shape) for t in (q_v, q_a, k_v, k_a)
                  if t is not None]
        if len(shapes[0]) != 2 or shapes[0][1] != dim or \
                len(set(shapes)) > 1:
            raise ValueError(f'CMACLoss: queries and keys {shapes} must all '
                             f'be (n, feat_dim={dim}); project the filters.')
        queue_v, queue_a = self.queue.snapshot(upcast(q_v).dtype)
        loss_cl = self.contrast(q_v, q_a, k_v, k_a,
                                extra_v=(queue_a, queue_v),
                                extra_a=(queue_v, queue_a))
        ac = self.consistency(s_v, sal_v) + self.consistency(s_a, sal_a)
        if self.training:
            keys_v = q_v if k_v is None else k_v
            keys_a = q_a if k_a is None else k_a
            self.queue.push(unit_rows(upcast(keys_v.detach())),
                            unit_rows(upcast(keys_a.detach())))
        return {'loss_cl': loss_cl,
                'loss_ac': self.lambda_ac * reduce_rows(
                    ac, batch_sizes(q_v), 'mean')}

    def forward(self, *args: Tensor, **kwargs: Tensor) -> Tensor:
        """Total loss ``L``; arguments as :meth:`loss_parts`."""
        return sum(self.loss_parts(*args, **kwargs).values())
