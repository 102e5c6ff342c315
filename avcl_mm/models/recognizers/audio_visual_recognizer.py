"""Two-stream audio-visual recognizer: AVCL pretraining and finetuning."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmaction.registry import MODELS

from avcl_mm.models.utils.recognizer_utils import (check_recognizer_args,
                                                   declared_channels,
                                                   drop_final_activation,
                                                   encoder_maps, global_pool,
                                                   input_channels, pair_views,
                                                   probe_channels,
                                                   stage_position)
from avcl_mm.models.utils.ssl_weights import load_stream_weights

_DEFAULT_PREPROCESSOR = dict(
    type='MultiModalDataPreprocessor',
    preprocessors=dict(
        imgs=dict(type='ActionDataPreprocessor', format_shape='NCTHW'),
        audios=dict(type='ActionDataPreprocessor', format_shape='NCTHW')))
# paper clip; used only to read channel sizes a backbone does not state
_PROBE_SHAPE = dict(video=(16, 112, 112), audio=(112, 112))
_VIDEO_INPUTS = ('clip', 'frames')
# Readings of AVCL Eq. 3-6 (docs/amfm_readings.md): the AMFM gate's sigma and
# whether CGRA sees the encoders' signed (pre-ReLU) features.
AMFM_READINGS = dict(
    literal=dict(gate='relu', signed_features=False),
    sigmoid=dict(gate='sigmoid', signed_features=False),
    relu_signed=dict(gate='relu', signed_features=True),
    sigmoid_signed=dict(gate='sigmoid', signed_features=True))


@MODELS.register_module()
class AudioVisualRecognizer(BaseModel):
    """Video + audio encoders, an optional fusion neck and two heads, for
    `AVCL <https://arxiv.org/abs/2204.13386>`_.

    Inputs (after ``MultiModalDataPreprocessor``) are a dict with ``imgs``
    ``(N, V, C, T, H, W)`` and ``audios`` ``(N, Va, 1, 1, H, W)``
    (``audio_input='clip'``, a one-frame clip for 3D encoders) or
    ``(N, Va, 1, H, W)`` (``'image'``, for 2D audio backbones such as
    ``ResNetAudio``). Each backbone's last map is averaged globally to
    ``(N * V, C)``.

    Any mmaction backbone serves as the video encoder: 3D CNNs and video
    transformers take the clip (``video_input='clip'``); 2D CNNs with
    temporal modules (TSN's ``ResNet``, ``ResNetTSM``, ``ResNetTIN``,
    ``TANet``) take its frames folded into the batch and average the frame
    features (``video_input='frames'``, mmaction's ``Recognizer2D``
    consensus). Token sequences and MViT's ``[patch_map, cls_token]`` are
    reduced to one feature per clip (:func:`stage_tensor`). A stock
    mmaction checkpoint initialises one stream with ``video_pretrained`` /
    ``audio_pretrained``. Audio views pair with video views (``Va == V``) or one
    audio view serves all video views (``Va == 1``).

    - ``train_mode='ssl'``: ``(f_v, f_a) = neck((v, a))`` (``(v, a)`` without
      neck) go to ``ssl_head.loss``; no label is read.
    - ``train_mode='cls'``: the classifier sees ``cat([f_v, f_a])`` (AVCL with
      AMFM), ``cat([v, a])`` without neck, or one modality
      (``modality='video'`` / ``'audio'``: Baseline-R / Baseline-A).
    - ``predict``: class scores averaged over the views of a sample.
    - ``tensor``: ``(f_v, f_a)``, or the single modality's features.

    ``share_backbone=True`` runs the audio through the video encoder (Table I)
    after repeating its channel to the encoder's ``in_channels``.
    ``cgra_stages`` (Table II) names backbone ``out_indices`` whose pooled
    maps also go to the SSL head; both backbones must return them (set
    ``out_indices`` to include them and the last stage, last stage last).

    Args:
        video_backbone (dict, optional): Video encoder config (``None`` only
            for ``modality='audio'``).
        audio_backbone (dict, optional): Audio encoder config. Defaults to
            ``None``.
        neck (dict, optional): Fusion neck (``AMFM``); ``None`` = no fusion.
            Its ``in_channels``/``audio_channels`` default to the encoders'.
            Defaults to ``None``.
        ssl_head (dict, optional): Self-supervised head (``AVCLHead``).
            Defaults to ``None``.
        cls_head (dict, optional): Classification head (``AVClsHead``); its
            ``in_channels`` defaults to the classified feature size.
            Defaults to ``None``.
        data_preprocessor (dict, optional): Defaults to ``None`` (a
            ``MultiModalDataPreprocessor`` without normalisation).
        share_backbone (bool): One encoder for both modalities. Defaults to
            ``False``.
        modality (str): ``'av'``, ``'video'`` or ``'audio'``. Defaults to
            ``'av'``.
        cgra_stages (Sequence[int], optional): Extra CGRA stages. Defaults to
            ``None``.
        audio_input (str): ``'clip'`` or ``'image'``. Defaults to ``'clip'``.
        train_mode (str, optional): ``'ssl'`` or ``'cls'``; ``None`` picks
            ``'ssl'`` when there is an ``ssl_head``. Defaults to ``None``.
        feat_channels (Sequence[int], optional): ``(C_video, C_audio)``;
            ``None`` reads them by one no-grad dry run on a 16x112x112 clip
            and a 112x112 spectrogram at construction. Defaults to ``None``.
        proj_channels (int, optional): Project the pooled video and audio
            features linearly to this width before the neck (needed by CGRA
            when the two encoders differ in width). Defaults to ``None``.
        feat_pool (str): Global pooling of the encoder maps, ``'avg'`` or
            ``'max'`` (AVID: "output activations are max-pooled"). Defaults
            to ``'avg'``.
        video_input (str): ``'clip'`` (``(N, C, T, H, W)`` to the video
            backbone) or ``'frames'`` (``(N * T, C, H, W)``, for 2D
            backbones; ``num_segments`` of TSM-like backbones must equal
            ``T``). Defaults to ``'clip'``.
        probe_shape (dict, optional): Input size of the dry run that reads
            channel counts a backbone does not state (``feat_dim``,
            ``embed_dims``): ``video=(T, H, W)``, ``audio=(H, W)``; set it
            to the configured clip size for backbones tied to it. Defaults
            to ``video=(16, 112, 112), audio=(112, 112)`` (``T`` is the
            backbone's ``num_segments`` when it has one).
        video_pretrained (str | dict, optional): Checkpoint that initialises
            the video encoder, and only it, at ``init_weights``: a path/URL
            or ``dict(checkpoint=..., prefix='backbone.')``. The keys under
            ``prefix`` (an mmaction recognizer's ``backbone.``; ``''`` for a
            bare backbone file) are mapped onto the encoder; loaded, missing,
            unexpected and shape-mismatched keys are logged, and a file with
            no matching key is an error. Defaults to ``None``.
        audio_pretrained (str | dict, optional): The same for the audio
            encoder. Defaults to ``None``.
        signed_features (bool, optional): Drop each encoder's final
            activation (the ReLU after the last residual sum), so the pooled
            features are signed and Eq. 6's cross-correlation spans [-1, 1]
            as the paper states (one reading of Eq. 6; see
            docs/paper_notes.md). No parameter changes, so checkpoints load
            either way. ``None`` takes it from ``amfm_reading`` (``False``
            without one). Defaults to ``None``.
        amfm_reading (str, optional): One key for the reading of AVCL Eq.
            3-6 (docs/amfm_readings.md): ``'literal'`` (the printed sigma =
            ReLU gate on post-ReLU features: the gate collapses),
            ``'sigmoid_signed'`` (what the paper configs use), ``'sigmoid'``
            or ``'relu_signed'``. It sets the neck's ``gate`` and
            ``signed_features`` where the config leaves them unset; an
            explicit value of either wins. Defaults to ``None``.
        init_cfg (dict, optional): Defaults to ``None``.
    """

    def __init__(self,
                 video_backbone: Optional[dict],
                 audio_backbone: Optional[dict] = None,
                 neck: Optional[dict] = None,
                 ssl_head: Optional[dict] = None,
                 cls_head: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 share_backbone: bool = False,
                 modality: str = 'av',
                 cgra_stages: Optional[Sequence[int]] = None,
                 audio_input: str = 'clip',
                 train_mode: Optional[str] = None,
                 feat_channels: Optional[Sequence[int]] = None,
                 proj_channels: Optional[int] = None,
                 feat_pool: str = 'avg',
                 signed_features: Optional[bool] = None,
                 amfm_reading: Optional[str] = None,
                 video_input: str = 'clip',
                 probe_shape: Optional[dict] = None,
                 video_pretrained: Optional[Union[str, dict]] = None,
                 audio_pretrained: Optional[Union[str, dict]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if isinstance(data_preprocessor, dict) or data_preprocessor is None:
            data_preprocessor = MODELS.build(data_preprocessor or
                                             _DEFAULT_PREPROCESSOR)
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.modality, self.audio_input = modality, audio_input
        if video_input not in _VIDEO_INPUTS:
            raise ValueError(f'{type(self).__name__}: video_input must be one '
                             f'of {_VIDEO_INPUTS}, got {video_input!r}.')
        if video_input == 'frames' and share_backbone:
            raise ValueError(f"{type(self).__name__}: video_input='frames' "
                             'cannot share the video backbone with audio.')
        self.video_input = video_input
        self.probe_shape = dict(_PROBE_SHAPE, **(probe_shape or {}))
        self.pretrained = dict(video_backbone=video_pretrained,
                               audio_backbone=audio_pretrained)
        self.share_backbone = share_backbone
        self.train_mode = train_mode or ('ssl' if ssl_head else 'cls')
        self.cgra_stages = tuple(cgra_stages or ())
        check_recognizer_args(
            type(self).__name__, modality, audio_input, self.train_mode,
            share_backbone, self.cgra_stages,
            dict(video_backbone=video_backbone, audio_backbone=audio_backbone,
                 neck=neck, ssl_head=ssl_head, cls_head=cls_head))
        self.video_backbone = MODELS.build(video_backbone) \
            if modality != 'audio' else None
        self.audio_backbone = MODELS.build(audio_backbone) \
            if modality != 'video' and not share_backbone else None
        self._video_in = input_channels(self.video_backbone) \
            if self.video_backbone is not None else 3
        if feat_pool not in ('avg', 'max'):
            raise ValueError(f"{type(self).__name__}: feat_pool must be "
                             f"'avg' or 'max', got {feat_pool!r}.")
        self.feat_pool = feat_pool
        if amfm_reading is not None and amfm_reading not in AMFM_READINGS:
            raise ValueError(f'{type(self).__name__}: amfm_reading must be '
                             f'one of {tuple(AMFM_READINGS)} or None, got '
                             f'{amfm_reading!r}.')
        reading = AMFM_READINGS.get(amfm_reading, {})
        self.amfm_reading = amfm_reading
        if signed_features is None:
            signed_features = reading.get('signed_features', False)
        if neck is not None and reading:
            neck = dict(neck)
            neck.setdefault('gate', reading['gate'])
        self.signed_features = signed_features
        if signed_features:
            for key in ('video_backbone', 'audio_backbone'):
                if getattr(self, key) is not None:
                    drop_final_activation(getattr(self, key), key)
        ch_v, ch_a = feat_channels or self._probe()
        # Encoders of different widths (e.g. X3D video + R3D audio): project
        # both pooled features linearly to one width, so that CGRA's square
        # cross-correlation and a shared AMFM gate apply.
        self.proj_v = self.proj_a = None
        if proj_channels is not None and modality == 'av':
            self.proj_v = nn.Linear(ch_v, proj_channels)
            self.proj_a = nn.Linear(ch_a, proj_channels)
            ch_v = ch_a = proj_channels
        if neck is not None:
            neck = dict(neck)
            neck.setdefault('in_channels', ch_v)
            neck.setdefault('audio_channels', ch_a)
            self.neck = MODELS.build(neck)
        else:
            self.neck = None
        self.ssl_head = MODELS.build(ssl_head) if ssl_head else None
        if cls_head is not None:
            cls_head = dict(cls_head)
            cls_head.setdefault('in_channels', {
                'av': ch_v + ch_a, 'video': ch_v, 'audio': ch_a}[modality])
        self.cls_head = MODELS.build(cls_head) if cls_head else None

    @property
    def audio_encoder(self) -> Optional[nn.Module]:
        """The module that encodes audio (the video one when shared)."""
        return self.video_backbone if self.share_backbone else \
            self.audio_backbone

    def _probe(self) -> Tuple[int, int]:
        """Output channels the backbones state, else read by a no-grad dry
        run on ``probe_shape`` (see ``Args``)."""
        ch_v = ch_a = 0
        if self.modality != 'audio':
            ch_v = declared_channels(self.video_backbone)
            if ch_v is None:
                c_in = self._video_in
                t, h, w = self.probe_shape['video']
                t = getattr(self.video_backbone, 'num_segments', None) or t
                ch_v = probe_channels(
                    self.video_backbone, torch.zeros(1, c_in, t, h, w),
                    frames=self.video_input == 'frames')[-1]
        if self.modality != 'video':
            ch_a = None if self.share_backbone else \
                declared_channels(self.audio_encoder)
            if ch_a is None:
                h, w = self.probe_shape['audio']
                shape = (1, 1, 1, h, w) if self.audio_input == 'clip' else \
                    (1, 1, h, w)
                ch_a = probe_channels(self.audio_encoder,
                                      self._audio_in(torch.zeros(shape)))[-1]
        return ch_v, ch_a

    def init_weights(self) -> None:
        """Initialise every module, then load ``video_pretrained`` /
        ``audio_pretrained`` into their encoder."""
        super().init_weights()
        self.pretrained_reports = {}  # encoder -> loaded / missing / ... keys
        for key, spec in self.pretrained.items():
            if spec is not None and getattr(self, key, None) is not None:
                self.pretrained_reports[key] = load_stream_weights(
                    getattr(self, key), spec, key)

    def encode_video(self, backbone: nn.Module,
                     x: torch.Tensor) -> List[torch.Tensor]:
        """Stage maps ``(N * V, C, ...)`` of clips ``(N * V, C, T, H, W)``
        through ``backbone`` (the video encoder or a copy of it)."""
        return encoder_maps(backbone, x, self.video_input == 'frames')

    def encode_audio(self, encoder: nn.Module,
                     x: torch.Tensor) -> List[torch.Tensor]:
        """Stage maps of flattened audio views through ``encoder``."""
        return encoder_maps(encoder, self._audio_in(x))

    def flat_audio(self, inputs: Dict[str, torch.Tensor]) -> torch.Tensor:
        """The audio views flattened to ``(N * Va, ...)``. A 2D audio
        encoder (``'image'``) also takes one-frame clips
        ``(N, Va, 1, 1, H, W)`` (``FormatAudioClip(as_clip=True)``, what the
        shipped pipelines pack): the frame axis is dropped."""
        if self.audio_input == 'image':
            x = inputs.get('audios')
            if isinstance(x, torch.Tensor) and x.dim() == 6 and \
                    x.shape[3] == 1:
                inputs = dict(inputs, audios=x.squeeze(3))
            return self._flatten(inputs, 'audios', '(N, Va, 1, H, W)')
        return self._flatten(inputs, 'audios', '(N, Va, 1, 1, H, W)')

    def _audio_in(self, x: torch.Tensor) -> torch.Tensor:
        """Repeat the one audio channel for a shared RGB encoder."""
        if not self.share_backbone:
            return x
        return x.expand(-1, self._video_in, *x.shape[2:])

    def _flatten(self, inputs: Dict[str, torch.Tensor], key: str,
                 hint: str) -> torch.Tensor:
        if key not in inputs:
            raise KeyError(f'{type(self).__name__}: inputs have no {key!r}; '
                           "pack it with PackActionInputs(collect_keys="
                           "('imgs', 'audios')).")
        x = inputs[key]
        if x.dim() != len(hint.split(',')):
            raise ValueError(f'{type(self).__name__}: {key} must be {hint}, '
                             f'got {tuple(x.shape)}.')
        return x.flatten(0, 1)

    def extract_feat(self, inputs: Dict[str, torch.Tensor],
                     pool: bool = True) -> Dict[str, List[torch.Tensor]]:
        """Run the encoders.

        Args:
            inputs (dict[str, torch.Tensor]): ``imgs`` and/or ``audios``.
            pool (bool): Average the maps globally. Defaults to ``True``.

        Returns:
            dict[str, list[torch.Tensor]]: ``video`` / ``audio``: every map a
            backbone returns, ``(N * V, C, ...)``, or ``(N * V, C)`` when
            ``pool``.
        """
        feats = dict()
        if self.modality != 'audio':
            x = self._flatten(inputs, 'imgs', '(N, V, C, T, H, W)')
            feats['video'] = self.encode_video(self.video_backbone, x)
        if self.modality != 'video':
            feats['audio'] = self.encode_audio(self.audio_encoder,
                                               self.flat_audio(inputs))
        if pool:
            feats = {k: [global_pool(m, self.feat_pool) for m in v]
                     for k, v in feats.items()}
        return feats

    def _features(self, inputs: Dict[str, torch.Tensor],
                  fuse: bool = True) -> tuple:
        """Pooled, view-paired and fused features ``(v, a, stages, N)``;
        ``a`` is ``None`` for a single modality; ``fuse=False`` skips the
        neck (the plain encoder outputs)."""
        n = next(iter(inputs.values())).shape[0]
        feats = self.extract_feat(inputs)
        if self.modality != 'av':
            return feats[self.modality][-1], None, [], n
        v, a, _ = pair_views(feats['video'][-1], feats['audio'][-1], n)
        if self.proj_v is not None:
            v, a = self.proj_v(v), self.proj_a(a)
        if self.neck is not None and fuse:
            v, a = self.neck((v, a))
        stages = []
        for stage in self.cgra_stages:
            i = stage_position(self.video_backbone, stage)
            j = stage_position(self.audio_encoder, stage)
            stages.append(
                pair_views(feats['video'][i], feats['audio'][j], n)[:2])
        return v, a, stages, n

    @staticmethod
    def _cls_input(v: torch.Tensor, a: Optional[torch.Tensor]) -> torch.Tensor:
        return v if a is None else torch.cat([v, a], dim=1)

    def encode(self, inputs: Dict[str, torch.Tensor], fuse: bool = True
               ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        """Pooled features per view, ``(N * V, C)``: ``(f_v, f_a)`` after the
        fusion neck (``fuse=True``, what ``mode='tensor'`` returns) or the
        encoders' own ``(v, a)`` (``fuse=False``, e.g. for frozen-encoder
        probes); one tensor for a single-modality model."""
        v, a, _, _ = self._features(inputs, fuse=fuse)
        return v if a is None else (v, a)

    @staticmethod
    def _check_ssl_views(inputs: Dict[str, torch.Tensor]) -> None:
        """Self-supervised losses pair each video view with its own audio
        view: raise a ValueError when the view counts differ."""
        views = [inputs[k].shape[1] for k in ('imgs', 'audios')]
        if views[0] != views[1]:
            raise ValueError('Self-supervised training pairs each video view '
                             f'with its own audio view; got {views[0]} video '
                             f'and {views[1]} audio views per sample.')

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: Optional[list] = None) -> Dict[str, torch.Tensor]:
        """Self-supervised or classification losses (see ``train_mode``)."""
        if self.train_mode == 'ssl':
            self._check_ssl_views(inputs)
            v, a, stages, _ = self._features(inputs)
            return self.ssl_head.loss(v, a, data_samples, stage_feats=stages)
        v, a, _, n = self._features(inputs)
        views = v.shape[0] // n
        samples = [s for s in data_samples for _ in range(views)]
        return self.cls_head.loss(self._cls_input(v, a), samples)

    def predict(self, inputs: Dict[str, torch.Tensor],
                data_samples: list) -> list:
        """Class scores averaged over views, stored in the data samples."""
        if self.cls_head is None:
            raise ValueError(f'{type(self).__name__}: predict needs a '
                             'cls_head (this is a pretraining model).')
        v, a, _, _ = self._features(inputs)
        return self.cls_head.predict(self._cls_input(v, a), data_samples)

    def forward(self, inputs: Dict[str, torch.Tensor],
                data_samples: Optional[list] = None,
                mode: str = 'tensor'
                ) -> Union[Dict, list, torch.Tensor, Tuple[torch.Tensor]]:
        """Dispatch on ``mode``: ``'loss'``, ``'predict'`` or ``'tensor'``."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.encode(inputs)
        raise ValueError(f"Invalid mode {mode!r}: use 'loss', 'predict' or "
                         "'tensor'.")
