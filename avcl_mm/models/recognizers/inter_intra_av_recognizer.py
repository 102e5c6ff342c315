"""Two-stream recognizer that adds intra-negatives (IIC, Tao et al. 2020)."""
from typing import Dict, Optional

import torch
from mmaction.registry import MODELS

from avcl_mm.models.utils.recognizer_utils import global_pool, pair_views
from .audio_visual_recognizer import AudioVisualRecognizer

_MODES = ('repeat', 'shuffle')


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
    if mode not in _MODES:
        raise ValueError(f'intra_negative must be one of {_MODES}, got '
                         f'{mode!r}.')
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


@MODELS.register_module()
class InterIntraAVRecognizer(AudioVisualRecognizer):
    """:class:`AudioVisualRecognizer` for the inter-intra contrastive
    framework (IIC, AVCL Table IV): in ``train_mode='ssl'`` the video encoder
    also encodes each clip with its temporal structure broken
    (:func:`break_temporal_order`), and these intra-negatives go to the SSL
    head as ``negatives`` (``AVSSLHead`` projects them with the video
    projector and hands them to ``InterIntraContrastLoss``). Finetuning and
    testing are those of the parent class (no intra-negatives), and a
    checkpoint loads into a plain ``AudioVisualRecognizer``.

    Args:
        *args: Arguments of :class:`AudioVisualRecognizer`.
        intra_negative (str): ``'repeat'`` (the official default) or
            ``'shuffle'``. Defaults to ``'repeat'``.
        **kwargs: Keyword arguments of :class:`AudioVisualRecognizer`.
    """

    def __init__(self, *args, intra_negative: str = 'repeat',
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if intra_negative not in _MODES:
            raise ValueError(f'InterIntraAVRecognizer: intra_negative must be '
                             f'one of {_MODES}, got {intra_negative!r}.')
        if self.modality != 'av' or self.neck is not None or \
                self.cgra_stages:
            raise ValueError('InterIntraAVRecognizer: IIC needs both '
                             "modalities (modality='av'), no fusion neck and "
                             'no cgra_stages.')
        self.intra_negative = intra_negative

    def intra_negatives(self, inputs: Dict[str, torch.Tensor]
                        ) -> torch.Tensor:
        """Pooled video features ``(N * V, C)`` of the temporally broken
        clips (after ``proj_v`` when the model has one)."""
        imgs = self._flatten(inputs, 'imgs', '(N, V, C, T, H, W)')
        broken = break_temporal_order(imgs, self.intra_negative)
        u = global_pool(self.encode_video(self.video_backbone, broken)[-1],
                        self.feat_pool)
        return u if self.proj_v is None else self.proj_v(u)

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """IIC loss (``train_mode='ssl'``) or the classification loss."""
        if self.train_mode != 'ssl':
            return super().loss(inputs, data_samples)
        self._check_ssl_views(inputs)
        v, a, _, n = self._features(inputs)
        u = self.intra_negatives(inputs)
        u, _, _ = pair_views(u, a, n)
        return self.ssl_head.loss(v, a, data_samples, negatives=u)
