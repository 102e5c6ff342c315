"""AVID and AVID+CMA: NCE against per-sample memory banks."""
from typing import Dict, Optional

import torch
from mmaction.registry import MODELS

from .base import AVSelfSupervised, Inputs


@MODELS.register_module()
class AVID(AVSelfSupervised):
    """`AVID <https://arxiv.org/abs/2004.12943>`_ (Self-, Cross- or
    Joint-AVID, Eq. 4-6): encoders (max-pooled, ``feat_pool='max'``) ->
    per-modality MLPs (``AVProjection``, 3 layers, 512 hidden, 128-d) ->
    ``MemoryBankHead`` with ``AVIDNCELoss``, whose banks are indexed by the
    clips' dataset indices (``sample_idx`` in the data samples; add
    ``MemoryBankSizeHook``)."""

    def loss(self, inputs: Inputs,
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """NCE of the embeddings against the memory banks."""
        z_v, z_a = self.embed(inputs)
        return self.head.loss(z_v, z_a, data_samples)


@MODELS.register_module()
class CMA(AVID):
    """AVID+CMA (AVID-CMA Eq. 9-10): Cross-AVID plus within-modal positives
    chosen by cross-modal agreement on the banks (``MemoryBankHead`` with
    ``CMALoss``; ``CMAPositiveSetHook`` computes the positive sets). Module
    names equal :class:`AVID`'s, so a Cross-AVID checkpoint (``load_from``)
    restores the projectors and the memory banks."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not hasattr(self.head.loss_nce, 'set_positives'):
            raise ValueError('CMA: the head needs a CMALoss '
                             '(head=dict(type=\'MemoryBankHead\', loss=dict('
                             "type='CMALoss', ...))).")
