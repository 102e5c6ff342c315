"""Every family of mmaction2 backbone as an encoder of AudioVisualRecognizer
(3D CNN, 2D CNN with a temporal module, video transformers; 2D audio
encoders), channel counts without a dry run where a backbone states them,
and a stock mmaction checkpoint as the initialisation of one stream."""
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

import avcl_mm  # noqa: F401  (registers the modules)
from avcl_mm.models.utils import recognizer_utils
from avcl_mm.utils.compat import get_pred_score, set_gt_label

T, S, NUM_CLASSES = 4, 32, 3
R3D_AUDIO = dict(type='ResNet3d', depth=18, pretrained=None,
                 pretrained2d=False, in_channels=1, base_channels=4,
                 conv1_kernel=(1, 7, 7), inflate=(0, 0, 0, 0),
                 temporal_strides=(1, 1, 1, 1), conv1_stride_t=1,
                 with_pool1=False, with_pool2=False)
# (video backbone, video_input): one per family, sized for a CPU test
VIDEO = {
    'r3d (3D CNN)': (dict(type='ResNet3d', depth=18, pretrained=None,
                          pretrained2d=False, base_channels=4), 'clip'),
    'tsn (2D CNN)': (dict(type='ResNet', depth=18, pretrained=None),
                     'frames'),
    'tsm (2D + temporal shift)': (dict(type='ResNetTSM', depth=18,
                                       num_segments=T, pretrained=None,
                                       pretrained2d=False), 'frames'),
    'tanet (2D + temporal adaptive)': (dict(type='TANet', depth=50,
                                            num_segments=T, tam_cfg=dict(),
                                            pretrained=None), 'frames'),
    'mobilenetv2 tsm (2D + shift)': (dict(type='MobileNetV2TSM',
                                          num_segments=T, pretrained=None,
                                          pretrained2d=False,
                                          widen_factor=0.25), 'frames'),
    'mvit (tokens + cls token)': (dict(
        type='MViT', arch=dict(embed_dims=16, num_layers=2, num_heads=1,
                               downscale_indices=[1]),
        spatial_size=S, temporal_size=T), 'clip'),
    'timesformer (cls token)': (dict(
        type='TimeSformer', num_frames=T, img_size=S, patch_size=16,
        embed_dims=32, num_heads=2, num_transformer_layers=1,
        pretrained=None), 'clip'),
    'videomae vit (pooled tokens)': (dict(
        type='VisionTransformer', img_size=S, patch_size=16, embed_dims=32,
        depth=1, num_heads=2, num_frames=T), 'clip'),
    'video swin (map)': (dict(
        type='SwinTransformer3D', pretrained=None, pretrained2d=False,
        patch_size=(2, 4, 4),
        window_size=(2, 2, 2),
        arch=dict(embed_dims=8, depths=[1, 1, 1, 1],
                  num_heads=[1, 1, 1, 1])), 'clip'),
    'uniformer (map)': (dict(type='UniFormer', depth=[1, 1, 1, 1],
                             embed_dim=[8, 16, 32, 64], head_dim=8,
                             img_size=S), 'clip'),
}
AUDIO_2D = {
    'resnet_audio': dict(type='ResNetAudio', depth=50, num_stages=1,
                         base_channels=4, strides=(1, ), dilations=(1, )),
    'resnet2d': dict(type='ResNet', depth=18, in_channels=1,
                     pretrained=None),
}
TRANSFORMERS = ('mvit', 'timesformer', 'videomae', 'video swin', 'uniformer')


@pytest.fixture(autouse=True)
def mmaction_scope():
    # TimeSformer builds its attention from mmaction's registry scope, as
    # inside a Runner (default_scope='mmaction')
    with DefaultScope.overwrite_default_scope('mmaction'):
        yield


def _model(video, video_input, audio=R3D_AUDIO, audio_input='clip',
           ssl=True, **kwargs):
    transformer = any(video['type'].startswith(t) for t in (
        'MViT', 'TimeSformer', 'Vision', 'Swin', 'UniFormer'))
    cfg = dict(
        type='AudioVisualRecognizer', video_backbone=video,
        audio_backbone=audio, audio_input=audio_input,
        video_input=video_input, proj_channels=16,
        probe_shape=dict(video=(T, S, S), audio=(S, S)),
        signed_features=not transformer and audio_input == 'clip',
        neck=dict(type='AMFM', gate='sigmoid'),
        data_preprocessor=dict(
            type='MultiModalDataPreprocessor',
            preprocessors=dict(
                imgs=dict(type='ActionDataPreprocessor', mean=[114.75] * 3,
                          std=[57.375] * 3, format_shape='NCTHW'),
                audios=dict(type='ActionDataPreprocessor',
                            format_shape='NCTHW'))))
    if ssl:
        cfg['ssl_head'] = dict(
            type='AVCLHead', loss_cor=dict(type='CGRALoss', lambd=0.005),
            loss_self=dict(type='SelfCLLoss', temperature=0.07))
    else:
        cfg['cls_head'] = dict(type='AVClsHead', num_classes=NUM_CLASSES)
    cfg.update(kwargs)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def _batch(n=4, views=1, labels=True):
    g = torch.Generator().manual_seed(0)
    samples = []
    for i in range(n):
        sample = ActionDataSample()
        if labels:
            set_gt_label(sample, i % NUM_CLASSES)
        samples.append(dict(
            inputs=dict(
                imgs=torch.randint(0, 256, (views, 3, T, S, S), generator=g,
                                   dtype=torch.uint8),
                audios=torch.randn((views, 1, 1, S, S), generator=g)),
            data_samples=sample))
    return pseudo_collate(samples)


def _step(model, data):
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    before = {k: v.clone() for k, v in model.video_backbone.state_dict()
              .items() if v.dtype.is_floating_point}
    log = model.train_step(data, optim)
    after = model.video_backbone.state_dict()
    changed = any(not torch.equal(v, after[k]) for k, v in before.items())
    return log, changed


@pytest.mark.parametrize('family', sorted(VIDEO))
def test_video_family_pretrains_with_the_avcl_head(family):
    model = _model(*VIDEO[family])
    log, changed = _step(model, _batch(labels=False))
    assert torch.isfinite(log['loss']) and changed
    f_v, f_a = model(model.data_preprocessor(_batch())['inputs'])
    assert f_v.shape == f_a.shape == (4, 16)


@pytest.mark.parametrize('family', sorted(VIDEO))
def test_video_family_finetunes_and_predicts_two_views(family):
    model = _model(*VIDEO[family], ssl=False)
    log, changed = _step(model, _batch())
    assert torch.isfinite(log['loss']) and changed
    model.eval()
    out = model.test_step(_batch(n=2, views=2))
    assert get_pred_score(out[0]).shape == (NUM_CLASSES, )


@pytest.mark.parametrize('name', sorted(AUDIO_2D))
@pytest.mark.parametrize('ssl', [True, False])
def test_2d_audio_encoders_take_the_shipped_one_frame_clips(name, ssl):
    """``audio_input='image'`` accepts the (1, 1, H, W) audio clips that
    FormatAudioClip(as_clip=True) packs, so the paper pipelines serve."""
    model = _model(*VIDEO['tsm (2D + temporal shift)'], audio=AUDIO_2D[name],
                   audio_input='image', ssl=ssl)
    log, _ = _step(model, _batch(labels=not ssl))
    assert torch.isfinite(log['loss'])
    if not ssl:
        model.eval()
        out = model.test_step(_batch(n=2))
        assert get_pred_score(out[0]).shape == (NUM_CLASSES, )


def test_frames_input_is_the_frame_average_of_the_2d_backbone():
    model = _model(*VIDEO['tsn (2D CNN)'], ssl=False)
    model.eval()
    clips = torch.randn(2, 3, T, S, S)
    maps = model.encode_video(clips)
    with torch.no_grad():
        pooled = recognizer_utils.global_pool(maps[-1])
        per_frame = torch.stack([
            model.video_backbone(clips[:, :, t]).mean(dim=(2, 3))
            for t in range(T)
        ], dim=1).mean(dim=1)
    torch.testing.assert_close(pooled, per_frame, rtol=1e-5, atol=1e-6)
    assert maps[-1].shape[:3] == (2, 512, T)  # (N, C, T, h, w)


def test_tsm_segment_count_must_match_the_clip():
    model = _model(dict(VIDEO['tsm (2D + temporal shift)'][0],
                        num_segments=8), 'frames', ssl=False,
                   feat_channels=(512, 512))
    with pytest.raises(ValueError, match='num_segments=4'):
        model.encode_video(torch.zeros(1, 3, T, S, S))


def test_stage_tensor_reduces_every_output_form():
    patch, cls = torch.randn(2, 8, 2, 3, 3), torch.randn(2, 8)
    assert recognizer_utils.stage_tensor([patch, cls]) is cls  # MViT
    assert recognizer_utils.stage_tensor([patch, None]) is patch
    tokens = torch.randn(2, 5, 8)  # (N, L, C)
    pooled = recognizer_utils.global_pool(
        recognizer_utils.stage_tensor(tokens))
    torch.testing.assert_close(pooled, tokens.mean(dim=1))


@pytest.mark.parametrize('family,expected', [
    ('r3d (3D CNN)', 32), ('tsn (2D CNN)', 512),
    ('tsm (2D + temporal shift)', 512), ('timesformer (cls token)', 32),
    ('videomae vit (pooled tokens)', 32)])
def test_stated_channels_need_no_dry_run(family, expected, monkeypatch):
    video, video_input = VIDEO[family]
    assert recognizer_utils.declared_channels(MODELS.build(video)) == \
        expected

    def no_dry_run(*args, **kwargs):
        raise AssertionError('the channels were stated: no dry run')

    monkeypatch.setattr('avcl_mm.models.recognizers.two_stream_encoder.'
                        'probe_channels', no_dry_run)
    model = _model(video, video_input)  # the R3D audio states 32 too
    assert model.proj_v.in_features == expected
    assert model.proj_a.in_features == 32


def test_size_tied_transformer_is_probed_at_the_configured_size():
    video, video_input = VIDEO['mvit (tokens + cls token)']
    assert recognizer_utils.declared_channels(MODELS.build(video)) is None
    model = _model(video, video_input)  # probe_shape (T, S, S)
    assert model.proj_v.in_features == 32  # MViT's last-stage class token


def test_signed_features_refuse_a_transformer():
    with pytest.raises(ValueError, match='signed_features=False'):
        _model(*VIDEO['mvit (tokens + cls token)'], signed_features=True)


# ---------------------------------------------------------------------------
# a stock mmaction checkpoint initialises one stream


def _stock_checkpoint(tmp_path, video_cfg, seed=7, extra=None):
    """A file laid out like an mmaction2 recognizer checkpoint: the backbone
    under ``backbone.``, a classifier under ``cls_head.``."""
    torch.manual_seed(seed)
    backbone = MODELS.build(video_cfg)
    state = {f'backbone.{k}': v for k, v in backbone.state_dict().items()}
    state['cls_head.fc_cls.weight'] = torch.randn(400, 512)
    state.update(extra or {})
    path = tmp_path / 'tsm_k400.pth'
    torch.save(dict(state_dict=state, meta=dict(epoch=50)), path)
    return str(path), backbone.state_dict()


def test_stock_checkpoint_initialises_the_video_stream_only(tmp_path,
                                                           monkeypatch):
    video, video_input = VIDEO['tsm (2D + temporal shift)']
    path, stock = _stock_checkpoint(tmp_path, video)
    plain = _model(video, video_input)
    messages = []
    monkeypatch.setattr('avcl_mm.models.utils.ssl_weights.print_log',
                        lambda msg, **kwargs: messages.append(msg))
    model = _model(video, video_input, video_pretrained=path)
    for key, value in model.video_backbone.state_dict().items():
        assert torch.equal(value, stock[key]), key
    # the audio stream and the neck keep their own initialisation
    for name in ('audio_backbone', 'neck', 'proj_a'):
        for key, value in getattr(model, name).state_dict().items():
            assert torch.equal(value, getattr(plain, name).state_dict()[key])
    report = model.pretrained_reports['video_backbone']
    assert report['missing'] == report['unexpected'] == []
    assert len(report['loaded']) == len(stock)
    assert 'audio_backbone' not in model.pretrained_reports
    assert len(messages) == 1
    assert f'video_backbone: {len(stock)} of {len(stock)} tensors' in \
        messages[0] and "prefix 'backbone.'" in messages[0]


def test_stock_checkpoint_reports_unexpected_and_mismatched_keys(tmp_path):
    from avcl_mm.models.utils.ssl_weights import load_stream_weights
    video, _ = VIDEO['tsm (2D + temporal shift)']
    path, _ = _stock_checkpoint(tmp_path, video, extra={
        'backbone.layer9.weight': torch.zeros(1),
        'backbone.conv1.conv.weight': torch.zeros(3, 3)})
    target = MODELS.build(video)
    report = load_stream_weights(target, dict(checkpoint=path),
                                 'video_backbone', logger='silent')
    assert report['unexpected'] == ['layer9.weight']
    assert report['mismatched'] == ['conv1.conv.weight']
    assert 'conv1.conv.weight' not in report['loaded']
    assert len(report['loaded']) == len(target.state_dict()) - 1


def test_wrong_prefix_is_a_clear_error(tmp_path):
    from avcl_mm.models.utils.ssl_weights import load_stream_weights
    video, _ = VIDEO['tsm (2D + temporal shift)']
    path, _ = _stock_checkpoint(tmp_path, video)
    with pytest.raises(ValueError, match=r"backbone\.', 'cls_head\."):
        load_stream_weights(MODELS.build(video),
                            dict(checkpoint=path, prefix='video_backbone.'),
                            'video_backbone', logger='silent')
    with pytest.raises(ValueError, match='checkpoint path'):
        load_stream_weights(MODELS.build(video), dict(path=path),
                            'video_backbone', logger='silent')


def test_audio_stream_loads_from_a_bare_backbone_file(tmp_path):
    audio = AUDIO_2D['resnet_audio']
    torch.manual_seed(3)
    source = MODELS.build(audio)
    path = tmp_path / 'audio.pth'
    torch.save(source.state_dict(), path)
    model = _model(*VIDEO['r3d (3D CNN)'], audio=audio, audio_input='image',
                   audio_pretrained=dict(checkpoint=str(path), prefix=''))
    for key, value in model.audio_backbone.state_dict().items():
        assert torch.equal(value, source.state_dict()[key]), key
