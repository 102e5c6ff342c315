"""Two-stream audio-visual recognizer: finetuning and classification."""
from typing import Dict, Optional, Sequence

import torch
from mmaction.registry import MODELS

from avcl_mm.models.utils.recognizer_utils import check_recognizer_args
from .two_stream_encoder import TwoStreamEncoder, build_with_channels


@MODELS.register_module()
class AudioVisualRecognizer(TwoStreamEncoder):
    """Video + audio encoders, an optional fusion neck and a classifier,
    for `AVCL <https://arxiv.org/abs/2204.13386>`_ and the methods compared
    with it (:class:`TwoStreamEncoder` documents the encoder arguments:
    backbone families, audio layout, view pairing, stock checkpoints).

    - ``train_mode='cls'``: the classifier sees ``cat([f_v, f_a])`` (AVCL
      with its AMFM neck), ``cat([v, a])`` without neck (every comparison
      method), or one modality (``modality='video'`` / ``'audio'``:
      Baseline-R / Baseline-A).
    - ``predict``: class scores averaged over the views of a sample.
    - ``tensor``: ``(f_v, f_a)``, or the single modality's features.
    - ``train_mode='ssl'`` (with a ``head``): AVCL pretraining,
      ``head.loss(f_v, f_a, stage_feats=...)`` on the neck's output; the
      same wiring as :class:`~avcl_mm.models.selfsup.AVCL` (whose configs
      turn into finetuning configs with ``type='AudioVisualRecognizer',
      head=None, cls_head=...``).

    Args:
        video_backbone (dict, optional): Video encoder config.
        audio_backbone (dict, optional): Audio encoder config. Defaults to
            ``None``.
        neck (dict, optional): Fusion neck (``AMFM``); ``None`` = no fusion.
            Defaults to ``None``.
        head (dict, optional): Self-supervised head (``AVCLHead``).
            Defaults to ``None``.
        cls_head (dict, optional): Classification head (``AVClsHead``); its
            ``in_channels`` defaults to the classified feature size.
            Defaults to ``None``.
        train_mode (str, optional): ``'ssl'`` or ``'cls'``; ``None`` picks
            ``'ssl'`` when there is a ``head``. Defaults to ``None``.
        cgra_stages (Sequence[int], optional): Extra CGRA stages (Table II)
            of ``head``: backbone ``out_indices`` whose pooled maps also go
            to the head. Defaults to ``None``.
        ssl_head (dict, optional): Older name of ``head``. Defaults to
            ``None``.
        **kwargs: :class:`TwoStreamEncoder` arguments.
    """

    def __init__(self,
                 video_backbone: Optional[dict],
                 audio_backbone: Optional[dict] = None,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 cls_head: Optional[dict] = None,
                 train_mode: Optional[str] = None,
                 cgra_stages: Optional[Sequence[int]] = None,
                 ssl_head: Optional[dict] = None,
                 **kwargs) -> None:
        if head and ssl_head:
            raise ValueError(f'{type(self).__name__}: give head or its older '
                             'name ssl_head, not both.')
        head = head or ssl_head
        self.train_mode = train_mode or ('ssl' if head else 'cls')
        self.cgra_stages = tuple(cgra_stages or ())
        check_recognizer_args(type(self).__name__,
                              kwargs.get('modality', 'av'), self.train_mode,
                              self.cgra_stages,
                              dict(head=head, cls_head=cls_head))
        super().__init__(video_backbone, audio_backbone, neck=neck, **kwargs)
        self.head = MODELS.build(head) if head else None
        ch_v, ch_a = self.feat_channels
        width = {'av': ch_v + ch_a, 'video': ch_v, 'audio': ch_a}
        self.cls_head = build_with_channels(cls_head, width[self.modality])

    def _classified(self, inputs: Dict[str, torch.Tensor]) -> torch.Tensor:
        """What the classifier sees, ``(N * V, C)``."""
        feats = self.encode(inputs)
        return feats if self.modality != 'av' else torch.cat(feats, dim=1)

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """Classification loss, or AVCL's (``train_mode='ssl'``)."""
        if self.train_mode == 'ssl':
            self.check_ssl_views(inputs)
            v, a, stages = self.pooled(inputs, stages=self.cgra_stages)
            f_v, f_a = self.neck((v, a)) if self.neck is not None else (v, a)
            return self.head.loss(f_v, f_a, stage_feats=stages)
        feats = self._classified(inputs)
        views = feats.shape[0] // len(data_samples)
        samples = [s for s in data_samples for _ in range(views)]
        return self.cls_head.loss(feats, samples)

    def predict(self, inputs: Dict[str, torch.Tensor],
                data_samples: list) -> list:
        """Class scores averaged over views, stored in the data samples."""
        if self.cls_head is None:
            return super().predict(inputs, data_samples)
        return self.cls_head.predict(self._classified(inputs), data_samples)
