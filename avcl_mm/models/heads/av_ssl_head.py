"""Self-supervised head of the comparison methods (SimCLR, MoCo, BYOL,
SimSiam, Barlow Twins, IIC, invariant information clustering): a two-stream
projector and one baseline loss."""
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmaction.registry import MODELS

Pair = Tuple[torch.Tensor, torch.Tensor]


@MODELS.register_module()
class AVSSLHead(BaseModule):
    """Projector (+ predictor) and loss of a two-stream SSL baseline of
    `AVCL <https://arxiv.org/abs/2204.13386>`_ (Table IV).

    The pooled encoder features ``(v, a)`` of the same clips are projected by
    one projector per modality (``AVProjection``), ``z = (z_v, z_a)``; the
    positive pairs are cross-modal, ``(v_i, a_i)``. What the loss receives
    depends on the method:

    - no predictor, no targets (SimCLR ``NTXentCrossModalLoss``, Barlow Twins
      ``BarlowTwinsLoss``, invariant information clustering
      ``InvariantInfoClusteringLoss`` with a cluster projector):
      ``loss(z_v, z_a)``;
    - intra-negatives ``u`` given by an ``InterIntraAVRecognizer`` (IIC
      ``InterIntraContrastLoss``): ``loss(z_v, z_a, z_u)``, ``z_u`` the
      video projection of ``u``;
    - predictor, no targets (SimSiam ``SimSiamLoss``):
      ``loss(p_v, p_a, z_v, z_a)`` with ``p = predictor(z)``;
    - momentum targets ``t = (t_v, t_a)`` given by a ``MomentumAVRecognizer``
      (MoCo ``MoCoQueueLoss``: ``loss(z_v, z_a, t_v, t_a)``; BYOL
      ``BYOLLoss`` with a predictor: ``loss(p_v, p_a, t_v, t_a)``).

    Args:
        loss (dict): Config of the baseline loss.
        projector (dict, optional): Config of the projection neck; ``type``
            defaults to ``'AVProjection'``. ``None`` feeds the pooled
            features to the loss unchanged. Defaults to ``None``.
        loss_weight (float): Factor of the loss. Defaults to ``1.0``.
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.
    """

    def __init__(self,
                 loss: dict,
                 projector: Optional[dict] = None,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(loss, dict) or 'type' not in loss:
            raise ValueError('AVSSLHead: loss must be a loss config with a '
                             f'type, got {loss!r}.')
        if not loss_weight > 0:
            raise ValueError('AVSSLHead: loss_weight must be > 0, got '
                             f'{loss_weight!r}.')
        self.loss_weight = float(loss_weight)
        self.loss_module = MODELS.build(loss)
        self.projector = None
        if projector is not None:
            projector = dict(projector)
            projector.setdefault('type', 'AVProjection')
            self.projector = MODELS.build(projector)

    @property
    def with_predictor(self) -> bool:
        """bool: Whether the projector has predictors (BYOL, SimSiam)."""
        return bool(getattr(self.projector, 'with_predictor', False))

    def project(self, v: torch.Tensor, a: torch.Tensor) -> Pair:
        """Projections ``(z_v, z_a)`` of pooled features ``(N, C)``."""
        return (v, a) if self.projector is None else self.projector((v, a))

    def loss(self,
             v: torch.Tensor,
             a: torch.Tensor,
             data_samples: Optional[list] = None,
             stage_feats: Optional[Sequence[Pair]] = None,
             targets: Optional[Pair] = None,
             negatives: Optional[torch.Tensor] = None
             ) -> Dict[str, torch.Tensor]:
        """Compute the loss.

        Args:
            v (torch.Tensor): Pooled video features, shape ``(N, C_v)``.
            a (torch.Tensor): Pooled audio features, shape ``(N, C_a)``.
            data_samples (list, optional): Unused (labels are never read).
                Defaults to ``None``.
            stage_feats (Sequence[tuple], optional): Must be empty (the
                CGRA-layer ablation is AVCL's). Defaults to ``None``.
            targets (tuple[torch.Tensor, torch.Tensor], optional): Momentum
                projections ``(t_v, t_a)``, each ``(N, D)`` (MoCo keys, BYOL
                targets); no gradient flows into them. Defaults to ``None``.
            negatives (torch.Tensor, optional): Pooled video features
                ``(N, C_v)`` of the temporally broken clips (IIC's
                intra-negatives); projected like ``v``. Defaults to ``None``.

        Returns:
            dict[str, torch.Tensor]: ``loss_ssl`` (weighted) and the detached
            unweighted value ``ssl`` (logged only).
        """
        if stage_feats:
            raise ValueError('AVSSLHead: stage features (cgra_stages) are '
                             'an AVCL option; set cgra_stages=None.')
        z_v, z_a = self.project(v, a)
        if negatives is not None:
            if targets is not None or self.with_predictor:
                raise ValueError('AVSSLHead: negatives (IIC) cannot be '
                                 'combined with momentum targets or a '
                                 'predictor.')
            z_u = negatives if self.projector is None else \
                self.projector.video_projector(negatives)
            value = self.loss_module(z_v, z_a, z_u)
        elif self.with_predictor:
            p_v, p_a = self.projector.forward_predictor((z_v, z_a))
            if targets is None:  # SimSiam: the other branch's projection
                targets = (z_v, z_a)
            value = self.loss_module(p_v, p_a, *targets)
        elif targets is not None:  # MoCo: queries and momentum keys
            value = self.loss_module(z_v, z_a, targets[0].detach(),
                                     targets[1].detach())
        else:
            value = self.loss_module(z_v, z_a)
        return dict(loss_ssl=self.loss_weight * value, ssl=value.detach())
