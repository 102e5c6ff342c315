"""Head of AVID (Self / Cross / Joint) and AVID+CMA: NCE against
per-sample memory banks."""
from typing import Dict, Optional, Sequence

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor


def sample_indices(data_samples: Optional[Sequence], rows: int,
                   name: str) -> torch.Tensor:
    """Dataset index of every feature row ``(rows, )``.

    ``rows`` is a multiple of ``len(data_samples)``: the views of a sample
    are contiguous (as the encoder pairs them), so each index repeats
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
class MemoryBankHead(BaseModule):
    """NCE loss of `AVID <https://arxiv.org/abs/2004.12943>`_ embeddings
    against memory banks (``AVIDNCELoss``: Self-, Cross- or Joint-AVID,
    Eq. 4-6; ``CMALoss``: AVID+CMA, Eq. 9-10).

    The banks have one row per training sample: their size is the length of
    the training set, given at run start by :class:`MemoryBankSizeHook`
    (or by :meth:`set_num_samples`), and each batch's rows are found from
    the ``sample_idx`` that the dataset writes into every data sample's
    metainfo (``PackActionInputs(meta_keys=(..., 'sample_idx'))``). The
    banks, ``Z̄`` and CMA's positive sets are buffers of the loss, so
    checkpoints keep them and a CMA run restores a Cross-AVID checkpoint's.

    Args:
        loss (dict): ``AVIDNCELoss`` or ``CMALoss`` config; its ``feat_dim``
            defaults to ``in_channels``.
        in_channels (int, optional): Width of the embeddings (the method's
            neck output). Defaults to ``None``.
        init_cfg (dict, optional): Defaults to ``None``.
    """

    def __init__(self, loss: dict, in_channels: Optional[int] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        loss = dict(loss)
        if in_channels is not None:
            loss.setdefault('feat_dim', in_channels)
        self.loss_nce = MODELS.build(loss)

    @property
    def num_samples(self) -> int:
        """Rows of each memory bank (``0`` until set)."""
        return self.loss_nce.num_samples

    def set_num_samples(self, num_samples: int) -> None:
        """Size the memory banks to the training set, ``len(dataset)``."""
        self.loss_nce.set_num_samples(num_samples)

    def loss(self, z_v: Tensor, z_a: Tensor,
             data_samples: Sequence) -> Dict[str, Tensor]:
        """NCE loss of the batch (and, in training, the bank update).

        Args:
            z_v (Tensor): Video embeddings ``(N * V, D)``.
            z_a (Tensor): Audio embeddings ``(N * V, D)``.
            data_samples (Sequence): The ``N`` data samples; their metainfo
                ``sample_idx`` selects the bank rows.

        Returns:
            dict[str, Tensor]: ``loss_nce``.
        """
        name = type(self).__name__
        if self.num_samples == 0:
            raise RuntimeError(
                f'{name}: the memory banks are empty. Add '
                "dict(type='MemoryBankSizeHook') to custom_hooks (it sizes "
                'them to the training set) or call set_num_samples('
                'len(train_dataset)).')
        idx = sample_indices(data_samples, z_v.shape[0], name)
        return dict(loss_nce=self.loss_nce(z_v, z_a, idx.to(z_v.device)))
