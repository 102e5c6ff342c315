"""AVID (Self / Cross / Joint) and AVID+CMA self-supervised heads.

`AVID <https://arxiv.org/abs/2004.12943>`_ projects the pooled video and
audio features of every clip to unit 128-d embeddings (a 3-layer MLP with
512 hidden units per modality) and contrasts them with per-sample memory
banks through NCE (:class:`~avcl_mm.models.losses.AVIDNCELoss`); CMA adds
within-modal positives chosen by cross-modal agreement
(:class:`~avcl_mm.models.losses.CMALoss`).

The banks have one row per training sample: their size is the length of the
training set, given at run start by :class:`MemoryBankSizeHook` (or by
:meth:`AVIDHead.set_num_samples`), and each batch's rows are found from the
``sample_idx`` that the dataset writes into every data sample's metainfo
(``PackActionInputs(meta_keys=(..., 'sample_idx'))``).
"""
import copy
from typing import Dict, Optional, Sequence

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule

from avcl_mm.models.necks.projection_mlp import ProjectionMLP

VARIANTS = ('self', 'cross', 'joint')


def sample_indices(data_samples: Optional[Sequence], rows: int,
                   name: str) -> torch.Tensor:
    """Dataset index of every feature row ``(rows, )``.

    ``rows`` is a multiple of ``len(data_samples)``: the views of a sample
    are contiguous (as the recognizer pairs them), so each index repeats
    ``rows // len(data_samples)`` times.
    """
    if not data_samples:
        raise ValueError(f'{name}: the memory banks are indexed by the '
                         'dataset index of each sample, but no data samples '
                         'were given.')
    indices = []
    for sample in data_samples:
        meta = getattr(sample, 'metainfo', sample)
        idx = meta.get('sample_idx') if hasattr(meta, 'get') else None
        if idx is None:
            raise KeyError(
                f"{name}: a data sample has no 'sample_idx' in its metainfo; "
                "pack it with PackActionInputs(meta_keys=(..., "
                "'sample_idx')) as configs/_base_/datasets/*.py do.")
        indices.append(int(idx))
    if rows % len(indices):
        raise ValueError(f'{name}: {rows} feature rows do not split into '
                         f'the views of {len(indices)} samples.')
    return torch.tensor(indices).repeat_interleave(rows // len(indices))


@MODELS.register_module()
class AVIDHead(BaseModule):
    """Self-, Cross- or Joint-AVID (AVID Eq. 4-6) on pooled features.

    ``z_v = MLP_v(v)``, ``z_a = MLP_a(a)`` (L2-normalised in the loss), then
    the NCE loss against the memory banks of the loss module, which also
    updates the banks (EMA, from the features of all ranks) in training.
    The banks, ``Z̄`` (and CMA's positive sets) are buffers of the loss
    module, so checkpoints save and restore them.

    Args:
        in_channels (int): Channels of the pooled video feature. Defaults
            to ``512``.
        audio_channels (int, optional): Channels of the pooled audio
            feature; ``None`` = ``in_channels``. Defaults to ``None``.
        hidden_channels (int): Hidden units of the MLPs. Defaults to ``512``.
        feat_dim (int): Embedding size. Defaults to ``128``.
        num_layers (int): Linear layers per MLP. Defaults to ``3``.
        with_bn (bool): BatchNorm in the hidden layers (the paper's networks
            use BN at every layer). Defaults to ``True``.
        last_bn (bool): BatchNorm (and no bias) on the output layer too
            (not stated by the paper). Without it the output bias, shared
            by all clips, takes up the push of every clip away from the
            memories and the embeddings collapse (demo, 6 epochs of
            Self-AVID: loss 17 -> 282 without, 13 -> 45 with it).
            Defaults to ``True``.
        variant (str): ``'self'`` (Eq. 4), ``'cross'`` (Eq. 5, the paper's
            recommendation) or ``'joint'`` (Eq. 6). Defaults to ``'cross'``.
        loss_nce (dict): Config of the loss (``AVIDNCELoss`` arguments;
            ``target`` and ``feat_dim`` are set from ``variant`` and
            ``feat_dim``). Defaults to
            ``dict(type='AVIDNCELoss', num_negatives=1024, temperature=0.07,
            memory_momentum=0.5)``.
        num_samples (int, optional): Bank size, if known at build time;
            normally left ``None`` and set by :class:`MemoryBankSizeHook`
            from the training set. Defaults to ``None``.
        init_cfg (dict, optional): Initialisation config. Defaults to
            ``None``.
    """

    default_loss = dict(type='AVIDNCELoss', num_negatives=1024,
                        temperature=0.07, memory_momentum=0.5)

    def __init__(self,
                 in_channels: int = 512,
                 audio_channels: Optional[int] = None,
                 hidden_channels: int = 512,
                 feat_dim: int = 128,
                 num_layers: int = 3,
                 with_bn: bool = True,
                 last_bn: bool = True,
                 variant: str = 'cross',
                 loss_nce: Optional[dict] = None,
                 num_samples: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if variant not in VARIANTS:
            raise ValueError(f'{type(self).__name__}: variant must be one of '
                             f'{VARIANTS}, got {variant!r}.')
        self.variant = variant
        self.proj_v = ProjectionMLP(in_channels, hidden_channels, feat_dim,
                                    num_layers, with_bn, last_bn)
        self.proj_a = ProjectionMLP(audio_channels or in_channels,
                                    hidden_channels, feat_dim, num_layers,
                                    with_bn, last_bn)
        cfg = copy.deepcopy(dict(loss_nce or self.default_loss))
        cfg['feat_dim'] = feat_dim
        if num_samples is not None:
            cfg['num_samples'] = num_samples
        self._set_target(cfg)
        self.loss_nce = MODELS.build(cfg)

    def _set_target(self, cfg: dict) -> None:
        cfg['target'] = self.variant

    @property
    def num_samples(self) -> int:
        """Rows of each memory bank (``0`` until set)."""
        return self.loss_nce.num_samples

    def set_num_samples(self, num_samples: int) -> None:
        """Size the memory banks to the training set, ``len(dataset)``."""
        self.loss_nce.set_num_samples(num_samples)

    def loss(self,
             v: torch.Tensor,
             a: torch.Tensor,
             data_samples: Optional[list] = None,
             stage_feats: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """NCE loss of the batch (and, in training, the bank update).

        Args:
            v (torch.Tensor): Pooled video features ``(N * V, C)``.
            a (torch.Tensor): Pooled audio features ``(N * V, C_a)``.
            data_samples (list): The ``N`` data samples; their metainfo
                ``sample_idx`` selects the bank rows.
            stage_feats (list, optional): Unused (AVCL's CGRA ablation).

        Returns:
            dict[str, torch.Tensor]: ``loss_nce``.
        """
        if stage_feats:
            raise ValueError(f'{type(self).__name__} works on the final '
                             'pooled features only; remove cgra_stages from '
                             'the recognizer.')
        if self.num_samples == 0:
            raise RuntimeError(
                f'{type(self).__name__}: the memory banks are empty. Add '
                "dict(type='MemoryBankSizeHook') to custom_hooks (it sizes "
                'them to the training set) or call set_num_samples('
                'len(train_dataset)).')
        idx = sample_indices(data_samples, v.shape[0], type(self).__name__)
        z_v, z_a = self.proj_v(v), self.proj_a(a)
        return dict(loss_nce=self.loss_nce(z_v, z_a, idx.to(v.device)))


@MODELS.register_module()
class CMAHead(AVIDHead):
    """AVID+CMA (AVID-CMA Eq. 9-10): Cross-AVID plus within-modal positive
    discrimination, positives from cross-modal agreement on the banks.

    Module names equal :class:`AVIDHead`'s, so a Cross-AVID checkpoint
    (``load_from``) restores the projectors and the memory banks; the
    positive sets come from :class:`CMAPositiveSetHook` (computed before
    training from the loaded banks) and are saved in checkpoints.

    Args:
        loss_nce (dict): Config of the loss. Defaults to
            ``dict(type='CMALoss', num_negatives=1024, num_positives=32,
            lambda_wmpd=1.0, temperature=0.07, memory_momentum=0.5)``.
        **kwargs: The other :class:`AVIDHead` arguments; ``variant`` is
            ``'cross'``.
    """

    default_loss = dict(type='CMALoss', num_negatives=1024, num_positives=32,
                        lambda_wmpd=1.0, temperature=0.07,
                        memory_momentum=0.5)

    def __init__(self, loss_nce: Optional[dict] = None, **kwargs) -> None:
        if kwargs.setdefault('variant', 'cross') != 'cross':
            raise ValueError("CMAHead: CMA builds on Cross-AVID; variant "
                             "must be 'cross'.")
        super().__init__(loss_nce=loss_nce, **kwargs)

    def _set_target(self, cfg: dict) -> None:
        cfg.pop('target', None)  # CMALoss is cross-modal by definition
