"""The AVCL self-supervised head: CGRA + SelfCL (AVCL Eq. 11)."""
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmaction.registry import MODELS

StagePairs = Sequence[Tuple[torch.Tensor, torch.Tensor]]


@MODELS.register_module()
class AVCLHead(BaseModule):
    """Self-supervised objective of `AVCL <https://arxiv.org/abs/2204.13386>`_.

    ``L = lambda_cor * L_cor + lambda_self * L_self`` (Eq. 11) on the fused
    features ``(f_v, f_a)``. A weight of ``0`` drops that loss (Table III).

    For the CGRA-layer ablation (Table II) :meth:`loss` also takes pooled
    intermediate stage pairs ``(v_k, a_k)``; CGRA is then summed over those
    pairs (and over the final pair unless ``cor_on_final=False``). Eq. 6
    needs a square correlation matrix, so each pair must have equal channel
    sizes, as video and audio stages of one backbone family do.

    Args:
        loss_cor (dict): Config of the CGRA loss. Defaults to
            ``dict(type='CGRALoss', lambd=0.005)``.
        loss_self (dict): Config of the SelfCL loss. Defaults to
            ``dict(type='SelfCLLoss', temperature=0.07)``.
        lambda_cor (float): ``lambda_cor``. Defaults to ``0.9``.
        lambda_self (float): ``lambda_self``. Defaults to ``0.1``.
        cor_on_final (bool): Apply CGRA to the final pair ``(f_v, f_a)``.
            Defaults to ``True``.
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.
    """

    def __init__(self,
                 loss_cor: dict = dict(type='CGRALoss', lambd=0.005),
                 loss_self: dict = dict(type='SelfCLLoss', temperature=0.07),
                 lambda_cor: float = 0.9,
                 lambda_self: float = 0.1,
                 cor_on_final: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if lambda_cor < 0 or lambda_self < 0:
            raise ValueError('AVCLHead: lambda_cor and lambda_self must be '
                             f'>= 0, got {lambda_cor} and {lambda_self}.')
        if lambda_cor == 0 and lambda_self == 0:
            raise ValueError('AVCLHead: lambda_cor and lambda_self are both '
                             '0, so there is nothing to train.')
        self.lambda_cor = float(lambda_cor)
        self.lambda_self = float(lambda_self)
        self.cor_on_final = cor_on_final
        self.loss_cor = MODELS.build(loss_cor) if lambda_cor > 0 else None
        self.loss_self = MODELS.build(loss_self) if lambda_self > 0 else None

    def loss(self,
             f_v: torch.Tensor,
             f_a: torch.Tensor,
             stage_feats: Optional[StagePairs] = None
             ) -> Dict[str, torch.Tensor]:
        """Compute the weighted losses.

        Args:
            f_v (torch.Tensor): Fused video features, shape ``(N, C)``.
            f_a (torch.Tensor): Fused audio features, shape ``(N, C)``.
            stage_feats (Sequence[tuple], optional): Pooled intermediate stage
                pairs ``(v_k, a_k)``, each of shape ``(N, C_k)``, for CGRA.
                Defaults to ``None``.

        Returns:
            dict[str, torch.Tensor]: ``loss_cor`` and/or ``loss_self``
            (weighted; summed by mmengine) and the detached unweighted values
            ``cor`` and/or ``selfcl`` (logged only).
        """
        losses = dict()
        if self.loss_cor is not None:
            pairs = list(stage_feats or [])
            if self.cor_on_final:
                pairs.append((f_v, f_a))
            if not pairs:
                raise ValueError('AVCLHead: cor_on_final=False but no stage '
                                 'features were given; set cgra_stages in '
                                 'the model.')
            cor = sum(self.loss_cor(v, a) for v, a in pairs)
            losses['loss_cor'] = self.lambda_cor * cor
            losses['cor'] = cor.detach()
        if self.loss_self is not None:
            selfcl = self.loss_self(f_v, f_a)
            losses['loss_self'] = self.lambda_self * selfcl
            losses['selfcl'] = selfcl.detach()
        return losses
