"""FIFO queues of earlier keys, one per modality (MoCo, CMAC)."""
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .dist import gather_no_grad, get_world_size


class FeatureQueue(nn.Module):
    """Two FIFO queues ``video`` and ``audio`` of ``size`` unit keys
    ``(size, dim)`` (buffers, so checkpoints keep them) and the next slot
    ``ptr``; they start as random unit vectors (seeded: equal on every
    rank), as MoCo's queue.

    :meth:`push` writes the keys of the global batch (gathered from every
    rank without gradient) over the oldest entries, wrapping around the end.

    Args:
        size (int): Keys per queue, at least the global batch size.
        dim (int): Key size.
        init_seed (int): Seed of the random initial keys. Defaults to ``0``.
        owner (str): Name used in error messages. Defaults to
            ``'FeatureQueue'``.
    """

    def __init__(self, size: int, dim: int, init_seed: int = 0,
                 owner: str = 'FeatureQueue') -> None:
        super().__init__()
        for name, value in (('queue_size', size), ('feat_dim', dim)):
            if not isinstance(value, int) or isinstance(value, bool) or \
                    value < 1:
                raise ValueError(f'{owner}: {name} must be a positive '
                                 f'integer, got {value!r}.')
        self.owner = owner
        gen = torch.Generator().manual_seed(init_seed)
        for key in ('video', 'audio'):
            self.register_buffer(key, F.normalize(
                torch.randn(size, dim, generator=gen), dim=1))
        self.register_buffer('ptr', torch.zeros(1, dtype=torch.long))

    @property
    def size(self) -> int:
        """Keys per queue."""
        return self.video.shape[0]

    def snapshot(self, dtype: torch.dtype) -> tuple:
        """Copies ``(video, audio)`` in ``dtype``: a loss built on them is
        not changed by the :meth:`push` that follows it."""
        return self.video.clone().to(dtype), self.audio.clone().to(dtype)

    @torch.no_grad()
    def push(self, keys_v: Tensor, keys_a: Tensor,
             gather: bool = True) -> None:
        """Write unit keys ``(n, dim)`` over the oldest entries.

        Args:
            keys_v (Tensor): Video keys of this rank.
            keys_a (Tensor): Audio keys, same rows.
            gather (bool): Add the keys of every rank (when distributed),
                not only this rank's. Defaults to ``True``.
        """
        if gather and get_world_size() > 1:
            keys_v, keys_a = gather_no_grad(keys_v), gather_no_grad(keys_a)
        num = keys_v.shape[0]
        if num > self.size:
            raise ValueError(f'{self.owner}: the global batch ({num} keys) '
                             f'exceeds queue_size={self.size}; raise '
                             'queue_size.')
        slots = (int(self.ptr) + torch.arange(num)) % self.size
        self.video[slots.to(self.video.device)] = \
            keys_v.detach().to(self.video.dtype)
        self.audio[slots.to(self.audio.device)] = \
            keys_a.detach().to(self.audio.dtype)
        self.ptr[0] = (int(self.ptr) + num) % self.size
