"""The two-stream encoder: both backbones and ``extract_feat``, written once
for the classifier and every self-supervised method."""
import inspect
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmaction.registry import MODELS

from avcl_mm.models.utils.recognizer_utils import (check_encoder_args,
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
Pair = Tuple[torch.Tensor, torch.Tensor]


def build_with_channels(cfg: Optional[dict], in_channels: int,
                        audio_channels: Optional[int] = None
                        ) -> Optional[nn.Module]:
    """Build a neck or head, giving it ``in_channels`` (and
    ``audio_channels``) where its constructor takes them and the config
    leaves them unset (channel counts flow from the encoders instead of
    being repeated in every config)."""
    if cfg is None:
        return None
    cfg = dict(cfg)
    cls = MODELS.get(cfg['type']) if isinstance(cfg.get('type'), str) \
        else cfg.get('type')
    params = inspect.signature(cls).parameters if cls is not None else {}
    if 'in_channels' in params:
        cfg.setdefault('in_channels', in_channels)
    if 'audio_channels' in params and audio_channels is not None:
        cfg.setdefault('audio_channels', audio_channels)
    return MODELS.build(cfg)


class TwoStreamEncoder(BaseModel):
    """Video and audio encoders of any mmaction backbone family, pooled and
    paired per clip, with an optional neck on top.

    Inputs (after ``MultiModalDataPreprocessor``) are a dict with ``imgs``
    ``(N, V, C, T, H, W)`` and ``audios`` ``(N, Va, 1, 1, H, W)``
    (``audio_input='clip'``, a one-frame clip for 3D encoders) or
    ``(N, Va, 1, H, W)`` (``'image'``, for 2D audio backbones such as
    ``ResNetAudio``). This class is the one place that turns them into
    features: it flattens the views, lays out the audio, runs the encoders
    (3D CNNs and video transformers take the clip, ``video_input='clip'``;
    2D CNNs with temporal modules take its frames folded into the batch and
    average them, ``'frames'``, mmaction's ``Recognizer2D`` consensus; token
    sequences and MViT's ``[patch_map, cls_token]`` become one feature per
    clip), pools each map globally, pairs the audio views with the video
    views (``Va == V``, or one audio view for all) and projects both to one
    width when ``proj_channels`` is set. Subclasses (the classifier
    :class:`AudioVisualRecognizer` and the self-supervised methods in
    ``avcl_mm.models.selfsup``) wire the neck and their heads.

    Args:
        video_backbone (dict, optional): Video encoder config (``None`` only
            for ``modality='audio'``).
        audio_backbone (dict, optional): Audio encoder config. Defaults to
            ``None``.
        neck (dict, optional): Neck on the pooled, paired features (``AMFM``,
            ``AVProjection``); its ``in_channels`` / ``audio_channels``
            default to the encoders' widths. Defaults to ``None``.
        data_preprocessor (dict, optional): Defaults to ``None`` (a
            ``MultiModalDataPreprocessor`` without normalisation).
        modality (str): ``'av'``, ``'video'`` or ``'audio'``. Defaults to
            ``'av'``.
        share_backbone (bool): One encoder for both modalities (Table I);
            the audio channel is repeated to the encoder's ``in_channels``.
            Defaults to ``False``.
        audio_input (str): ``'clip'`` or ``'image'``. Defaults to ``'clip'``.
        video_input (str): ``'clip'`` (``(N, C, T, H, W)`` to the video
            backbone) or ``'frames'`` (``(N * T, C, H, W)``, for 2D
            backbones; ``num_segments`` of TSM-like backbones must equal
            ``T``). Defaults to ``'clip'``.
        feat_channels (Sequence[int], optional): ``(C_video, C_audio)``;
            ``None`` takes what the backbones state (``feat_dim``,
            ``embed_dims``) or reads them by one no-grad dry run on
            ``probe_shape``. Defaults to ``None``.
        proj_channels (int, optional): Project the pooled video and audio
            features linearly to this width (needed by CGRA when the two
            encoders differ in width). Defaults to ``None``.
        feat_pool (str): Global pooling of the encoder maps, ``'avg'`` or
            ``'max'`` (AVID: "output activations are max-pooled"). Defaults
            to ``'avg'``.
        signed_features (bool, optional): Drop each encoder's final
            activation (the ReLU after the last residual sum), so the pooled
            features are signed and Eq. 6's cross-correlation spans [-1, 1]
            as the paper states. No parameter changes, so checkpoints load
            either way. ``None`` takes it from ``amfm_reading`` (``False``
            without one). Defaults to ``None``.
        amfm_reading (str, optional): One key for the reading of AVCL Eq.
            3-6 (docs/amfm_readings.md): ``'literal'`` (the printed sigma =
            ReLU gate on post-ReLU features: the gate collapses),
            ``'sigmoid_signed'`` (what the paper configs use), ``'sigmoid'``
            or ``'relu_signed'``. It sets the neck's ``gate`` and
            ``signed_features`` where the config leaves them unset; an
            explicit value of either wins. Defaults to ``None``.
        probe_shape (dict, optional): Input size of the dry run that reads
            channel counts a backbone does not state: ``video=(T, H, W)``,
            ``audio=(H, W)``. Defaults to ``video=(16, 112, 112),
            audio=(112, 112)`` (``T`` is the backbone's ``num_segments`` when
            it has one).
        video_pretrained (str | dict, optional): Checkpoint that initialises
            the video encoder, and only it, at ``init_weights``: a path/URL
            or ``dict(checkpoint=..., prefix='backbone.')`` (an mmaction
            recognizer's ``backbone.``; ``''`` for a bare backbone file).
            Loaded, missing, unexpected and shape-mismatched keys are logged;
            a file with no matching key is an error. Defaults to ``None``.
        audio_pretrained (str | dict, optional): The same for the audio
            encoder. Defaults to ``None``.
        init_cfg (dict, optional): Defaults to ``None``.
    """

    def __init__(self,
                 video_backbone: Optional[dict],
                 audio_backbone: Optional[dict] = None,
                 neck: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 modality: str = 'av',
                 share_backbone: bool = False,
                 audio_input: str = 'clip',
                 video_input: str = 'clip',
                 feat_channels: Optional[Sequence[int]] = None,
                 proj_channels: Optional[int] = None,
                 feat_pool: str = 'avg',
                 signed_features: Optional[bool] = None,
                 amfm_reading: Optional[str] = None,
                 probe_shape: Optional[dict] = None,
                 video_pretrained: Optional[Union[str, dict]] = None,
                 audio_pretrained: Optional[Union[str, dict]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if isinstance(data_preprocessor, dict) or data_preprocessor is None:
            data_preprocessor = MODELS.build(data_preprocessor or
                                             _DEFAULT_PREPROCESSOR)
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        name = type(self).__name__
        check_encoder_args(name, modality, audio_input, video_input,
                           feat_pool, share_backbone, amfm_reading,
                           tuple(AMFM_READINGS), video_backbone,
                           audio_backbone, neck)
        self.modality, self.audio_input = modality, audio_input
        self.video_input, self.feat_pool = video_input, feat_pool
        self.share_backbone = share_backbone
        self.probe_shape = dict(_PROBE_SHAPE, **(probe_shape or {}))
        self.pretrained = dict(video_backbone=video_pretrained,
                               audio_backbone=audio_pretrained)
        self.video_backbone = MODELS.build(video_backbone) \
            if modality != 'audio' else None
        self.audio_backbone = MODELS.build(audio_backbone) \
            if modality != 'video' and not share_backbone else None
        self._video_in = input_channels(self.video_backbone) \
            if self.video_backbone is not None else 3
        reading = AMFM_READINGS.get(amfm_reading, {})
        self.amfm_reading = amfm_reading
        if signed_features is None:
            signed_features = reading.get('signed_features', False)
        self.signed_features = signed_features
        if signed_features:
            for key in ('video_backbone', 'audio_backbone'):
                if getattr(self, key) is not None:
                    drop_final_activation(getattr(self, key), key)
        ch_v, ch_a = feat_channels or self._probe()
        self.proj_v = self.proj_a = None
        if proj_channels is not None and modality == 'av':
            self.proj_v = nn.Linear(ch_v, proj_channels)
            self.proj_a = nn.Linear(ch_a, proj_channels)
            ch_v = ch_a = proj_channels
        self.feat_channels = (ch_v, ch_a)
        if neck is not None and reading and 'gate' in inspect.signature(
                MODELS.get(neck['type'])).parameters:
            neck = dict(neck)
            neck.setdefault('gate', reading['gate'])
        self.neck = build_with_channels(neck, ch_v, ch_a)

    @property
    def audio_encoder(self) -> Optional[nn.Module]:
        """The module that encodes audio (the video one when shared)."""
        return self.video_backbone if self.share_backbone else \
            self.audio_backbone

    @property
    def out_channels(self) -> int:
        """Channels the neck hands on (its ``out_channels``, else the
        encoders' width): what a head on top receives."""
        return int(getattr(self.neck, 'out_channels', self.feat_channels[0]))

    def _probe(self) -> Tuple[int, int]:
        """Output channels the backbones state, else read by a no-grad dry
        run on ``probe_shape`` (see ``Args``)."""
        ch_v = ch_a = 0
        if self.modality != 'audio':
            ch_v = declared_channels(self.video_backbone)
            if ch_v is None:
                t, h, w = self.probe_shape['video']
                t = getattr(self.video_backbone, 'num_segments', None) or t
                ch_v = probe_channels(
                    self.video_backbone,
                    torch.zeros(1, self._video_in, t, h, w),
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

    # ------------------------------------------------------------------
    # inputs -> maps -> pooled, paired features

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

    def flat_video(self, inputs: Dict[str, torch.Tensor]) -> torch.Tensor:
        """The video views flattened to ``(N * V, C, T, H, W)``."""
        return self._flatten(inputs, 'imgs', '(N, V, C, T, H, W)')

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

    def encode_video(self, clips: torch.Tensor,
                     backbone: Optional[nn.Module] = None
                     ) -> List[torch.Tensor]:
        """Stage maps ``(N * V, C, ...)`` of clips ``(N * V, C, T, H, W)``
        through the video encoder (or ``backbone``, e.g. its EMA copy)."""
        return encoder_maps(self.video_backbone if backbone is None else
                            backbone, clips,
                            self.video_input == 'frames')

    def encode_audio(self, audio: torch.Tensor,
                     backbone: Optional[nn.Module] = None
                     ) -> List[torch.Tensor]:
        """Stage maps of flattened audio views through the audio encoder
        (or ``backbone``)."""
        return encoder_maps(self.audio_encoder if backbone is None else
                            backbone, self._audio_in(audio))

    def extract_feat(self, inputs: Dict[str, torch.Tensor],
                     pool: bool = True,
                     modules: Optional[Mapping[str, nn.Module]] = None
                     ) -> Dict[str, List[torch.Tensor]]:
        """Run the encoders.

        Args:
            inputs (dict[str, torch.Tensor]): ``imgs`` and/or ``audios``.
            pool (bool): Pool the maps globally. Defaults to ``True``.
            modules (Mapping[str, nn.Module], optional): Encoders to use
                instead of the model's (``video_backbone``,
                ``audio_backbone``; e.g. an EMA target's). Defaults to
                ``None``.

        Returns:
            dict[str, list[torch.Tensor]]: ``video`` / ``audio``: every map a
            backbone returns, ``(N * V, C, ...)``, or ``(N * V, C)`` when
            ``pool``.
        """
        modules = dict(modules.items()) if modules else {}
        feats = dict()
        if self.modality != 'audio':
            feats['video'] = self.encode_video(
                self.flat_video(inputs), modules.get('video_backbone'))
        if self.modality != 'video':
            audio_net = modules.get('video_backbone') \
                if self.share_backbone else modules.get('audio_backbone')
            feats['audio'] = self.encode_audio(self.flat_audio(inputs),
                                               audio_net)
        if pool:
            feats = {k: [global_pool(m, self.feat_pool) for m in v]
                     for k, v in feats.items()}
        return feats

    def pooled(self, inputs: Dict[str, torch.Tensor],
               stages: Sequence[int] = (),
               modules: Optional[Mapping[str, nn.Module]] = None
               ) -> Tuple[torch.Tensor, Optional[torch.Tensor], List[Pair]]:
        """Pooled encoder features per view, before the neck.

        Args:
            inputs (dict[str, torch.Tensor]): The model inputs.
            stages (Sequence[int]): Backbone ``out_indices`` whose pooled,
                paired maps are returned too (AVCL's CGRA-layer ablation).
                Defaults to ``()``.
            modules (Mapping[str, nn.Module], optional): Encoders (and
                ``proj_v`` / ``proj_a``) to use instead of the model's.
                Defaults to ``None``.

        Returns:
            tuple: ``(v, a, stage_pairs)``: ``v`` and ``a`` ``(N * V, C)``
            with audio views paired to video views (``a`` is ``None`` for a
            single modality) and one ``(v_k, a_k)`` pair per stage.
        """
        modules = dict(modules.items()) if modules else {}
        n = next(iter(inputs.values())).shape[0]
        feats = self.extract_feat(inputs, modules=modules)
        if self.modality != 'av':
            return feats[self.modality][-1], None, []
        v, a, _ = pair_views(feats['video'][-1], feats['audio'][-1], n)
        proj_v = modules.get('proj_v', self.proj_v)
        if proj_v is not None:
            v, a = proj_v(v), modules.get('proj_a', self.proj_a)(a)
        pairs = []
        for stage in stages:
            i = stage_position(self.video_backbone, stage)
            j = stage_position(self.audio_encoder, stage)
            pairs.append(
                pair_views(feats['video'][i], feats['audio'][j], n)[:2])
        return v, a, pairs

    def paired_maps(self, inputs: Dict[str, torch.Tensor],
                    modules: Optional[Mapping[str, nn.Module]] = None
                    ) -> Pair:
        """The encoders' last maps *before* pooling, audio views paired
        with video views: ``(N * V, C, ...)`` each."""
        feats = self.extract_feat(inputs, pool=False, modules=modules)
        n = next(iter(inputs.values())).shape[0]
        return pair_views(feats['video'][-1], feats['audio'][-1], n)[:2]

    def embed(self, inputs: Dict[str, torch.Tensor],
              modules: Optional[Mapping[str, nn.Module]] = None) -> Pair:
        """Pooled, paired features through the neck: ``(f_v, f_a)`` (the
        encoders' own when there is no neck)."""
        modules = dict(modules.items()) if modules else {}
        v, a, _ = self.pooled(inputs, modules=modules)
        neck = modules.get('neck', self.neck)
        return neck((v, a)) if neck is not None else (v, a)

    def encode(self, inputs: Dict[str, torch.Tensor], fuse: bool = True
               ) -> Union[torch.Tensor, Pair]:
        """Pooled features per view, ``(N * V, C)``: ``(f_v, f_a)`` after
        the neck (``fuse=True``, what ``mode='tensor'`` returns) or the
        encoders' own ``(v, a)`` (``fuse=False``, e.g. for frozen-encoder
        probes); one tensor for a single-modality model."""
        if self.modality != 'av':
            return self.pooled(inputs)[0]
        if fuse:
            return self.embed(inputs)
        return self.pooled(inputs)[:2]

    @staticmethod
    def check_ssl_views(inputs: Dict[str, torch.Tensor]) -> None:
        """Self-supervised losses pair each video view with its own audio
        view: raise a ValueError when the view counts differ."""
        views = [inputs[k].shape[1] for k in ('imgs', 'audios')]
        if views[0] != views[1]:
            raise ValueError('Self-supervised training pairs each video view '
                             f'with its own audio view; got {views[0]} video '
                             f'and {views[1]} audio views per sample.')

    def forward(self, inputs: Dict[str, torch.Tensor],
                data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        """Dispatch on ``mode``: ``'loss'``, ``'predict'`` or ``'tensor'``."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.encode(inputs)
        raise ValueError(f"Invalid mode {mode!r}: use 'loss', 'predict' or "
                         "'tensor'.")

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: Optional[list] = None) -> dict:
        """Training losses (defined by subclasses)."""
        raise NotImplementedError

    def predict(self, inputs: Dict[str, torch.Tensor],
                data_samples: list) -> list:
        """Predictions (defined by subclasses with a classifier)."""
        raise ValueError(f'{type(self).__name__}: predict needs a cls_head '
                         '(this is a pretraining model).')
