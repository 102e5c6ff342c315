"""Clips with their temporal structure broken: IIC's intra-negatives."""
from typing import Optional

import torch

INTRA_NEGATIVES = ('repeat', 'shuffle')


def break_temporal_order(imgs: torch.Tensor, mode: str,
                         generator: Optional[torch.Generator] = None
                         ) -> torch.Tensor:
    """The same clips with their temporal structure broken.

    Args:
        imgs (torch.Tensor): Clips ``(..., C, T, H, W)``; every leading
            index is one clip and gets its own random draw.
        mode (str): ``'repeat'``: one frame, drawn uniformly, repeated ``T``
            times (a still clip with the clip's appearance); ``'shuffle'``:
            the clip cut into 4 temporal chunks (``torch.chunk``) and two
            distinct chunks, drawn uniformly, swapped.
        generator (torch.Generator, optional): Random source (CPU). Defaults
            to the global one.

    Returns:
        torch.Tensor: Same shape, dtype and device as ``imgs``.
    """
    if mode not in INTRA_NEGATIVES:
        raise ValueError(f'intra_negative must be one of {INTRA_NEGATIVES}, '
                         f'got {mode!r}.')
    if imgs.dim() < 4:
        raise ValueError('break_temporal_order: clips must be (..., C, T, H, '
                         f'W), got {tuple(imgs.shape)}.')
    lead, (c, t, h, w) = imgs.shape[:-4], imgs.shape[-4:]
    clips = imgs.reshape(-1, c, t, h, w)
    n = clips.shape[0]
    if mode == 'repeat':
        frame = torch.randint(t, (n, ), generator=generator)
        order = frame[:, None].expand(n, t)
    else:
        chunks = [len(x) for x in torch.arange(t).chunk(4)]
        if len(chunks) < 2:
            raise ValueError("intra_negative='shuffle' needs clips of at "
                             f'least 2 frames, got T={t}.')
        starts = torch.tensor([0] + chunks[:-1]).cumsum(0).tolist()
        k = len(chunks)
        first = torch.randint(k, (n, ), generator=generator)
        second = (first + 1 + torch.randint(k - 1, (n, ),
                                            generator=generator)) % k
        rows = []
        for i, j in zip(first.tolist(), second.tolist()):
            pieces = list(range(k))
            pieces[i], pieces[j] = pieces[j], pieces[i]
            rows.append(torch.cat([
                torch.arange(starts[p], starts[p] + chunks[p])
                for p in pieces
            ]))
        order = torch.stack(rows)
    index = order.to(imgs.device)[:, None, :, None, None].expand(
        n, c, t, h, w)
    return clips.gather(2, index).reshape(*lead, c, t, h, w)
