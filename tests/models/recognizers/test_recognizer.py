"""AudioVisualRecognizer end to end through MultiModalDataPreprocessor, on
tiny encoders of every family and on a mixed X3D + ResNetAudio model."""
import copy
import os

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

import avcl_mm  # noqa: F401
from avcl_mm.models.losses.cgra_loss import CGRALoss
from avcl_mm.models.utils.ssl_weights import load_ssl_weights
from avcl_mm.utils.compat import get_pred_score, set_gt_label

T, S, NUM_CLASSES = 8, 32, 5
_R3D = dict(type='ResNet3d', depth=18, stage_blocks=(1, 1, 1, 1),
            pretrained2d=False, base_channels=4, conv1_kernel=(3, 7, 7),
            with_pool1=False, with_pool2=False, inflate_style='3x3x3',
            temporal_strides=(1, 2, 2, 2))
_R3D_AUDIO = dict(_R3D, in_channels=1, conv1_kernel=(1, 7, 7),
                  temporal_strides=(1, 1, 1, 1), inflate=(0, 0, 0, 0))
FAMILIES = {
    'r3d': (_R3D, _R3D_AUDIO),
    'r2plus1d': (dict(_R3D, conv_cfg=dict(type='Conv2plus1d')),
                 dict(_R3D_AUDIO, conv_cfg=dict(type='Conv2plus1d'))),
    'c3d': (dict(type='C3DGAP', base_channels=2, norm_cfg=dict(type='BN3d')),
            dict(type='C3DGAP', in_channels=1, base_channels=2,
                 temporal_pool=False, temporal_kernel=1,
                 norm_cfg=dict(type='BN3d'))),
}
_X3D = dict(type='X3D', gamma_w=0.5, gamma_b=1.0, gamma_d=1.0, num_stages=1,
            spatial_strides=(2, ))  # 16 channels


def _audio_net(stages):  # ResNetAudio: 16 channels (1 stage), 32 (2)
    return dict(type='ResNetAudio', depth=50, num_stages=stages,
                base_channels=4, strides=(1, 2)[:stages],
                dilations=(1, 1)[:stages])


PREPROCESSOR = dict(
    type='MultiModalDataPreprocessor',
    preprocessors=dict(
        imgs=dict(type='ActionDataPreprocessor', mean=[114.75] * 3,
                  std=[57.375] * 3, format_shape='NCTHW'),
        audios=dict(type='ActionDataPreprocessor', format_shape='NCTHW')))


@pytest.fixture(autouse=True)
def mmaction_scope():
    # mmcv builds Conv2plus1d through the default scope, as the Runner sets
    with DefaultScope.overwrite_default_scope('mmaction'):
        yield


def _model(family='r3d', ssl=True, cls=False, **kwargs):
    video, audio = FAMILIES[family]
    cfg = dict(type='AudioVisualRecognizer', video_backbone=video,
               audio_backbone=audio, neck=dict(type='AMFM'),
               data_preprocessor=PREPROCESSOR)
    if ssl:
        cfg['ssl_head'] = dict(type='AVCLHead')
    if cls:
        cfg['cls_head'] = dict(type='AVClsHead', num_classes=NUM_CLASSES)
    cfg.update(kwargs)
    torch.manual_seed(0)
    return MODELS.build(cfg)


def _batch(n=4, views=1, audio_views=1, labels=True, audio='clip', seed=0):
    g = torch.Generator().manual_seed(seed)
    a_shape = (audio_views, 1, 1, S, S) if audio == 'clip' else \
        (audio_views, 1, S, S)
    samples = []
    for i in range(n):
        sample = ActionDataSample()
        if labels:
            set_gt_label(sample, i % NUM_CLASSES)
        samples.append(dict(
            inputs=dict(
                imgs=torch.randint(0, 256, (views, 3, T, S, S), generator=g,
                                   dtype=torch.uint8),
                audios=torch.randn(a_shape, generator=g)),
            data_samples=sample))
    return pseudo_collate(samples)


def _optim(model, lr=0.01):
    return OptimWrapper(torch.optim.SGD(model.parameters(), lr=lr,
                                        momentum=0.9))


@pytest.mark.parametrize('family', list(FAMILIES))
def test_ssl_train_step_without_labels_updates_both_encoders(family):
    model = _model(family)
    before = copy.deepcopy(model.state_dict())
    log = model.train_step(_batch(labels=False), _optim(model))
    assert {'loss', 'loss_cor', 'loss_self', 'cor', 'selfcl'} <= set(log)
    assert torch.isfinite(log['loss'])
    for name in ('video_backbone', 'audio_backbone', 'neck'):
        changed = [not torch.equal(before[k], v) for k, v in
                   model.state_dict().items() if k.startswith(name)]
        assert any(changed), name


@pytest.mark.parametrize('family', list(FAMILIES))
def test_supervised_train_val_test_steps(family):
    model = _model(family, ssl=False, cls=True)
    log = model.train_step(_batch(), _optim(model))
    assert 'loss_cls' in log and 'top1_acc' in log
    model.eval()
    for step in (model.val_step, model.test_step):
        out = step(_batch(n=2))
        assert len(out) == 2
        score = get_pred_score(out[0])
        assert score.shape == (NUM_CLASSES, )
        assert score.sum().item() == pytest.approx(1.0, abs=1e-5)


def test_one_sgd_step_lowers_the_ssl_loss_on_a_fixed_batch():
    model = _model('r3d')
    batch = _batch(n=6, labels=False)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-4))
    first = model.train_step(batch, optim)['loss']
    second = model.train_step(batch, optim)['loss']
    assert second < first


def test_predict_averages_probabilities_over_video_views():
    model = _model('r3d', ssl=False, cls=True)
    model.eval()
    batch = _batch(n=2, views=3, audio_views=1)
    with torch.no_grad():
        got = [get_pred_score(s) for s in model.test_step(batch)]
        per_view = []
        for k in range(3):
            one = copy.deepcopy(batch)
            one['inputs']['imgs'] = [x[k:k + 1] for x in one['inputs']['imgs']]
            per_view.append([get_pred_score(s) for s in model.test_step(one)])
    for i in range(2):
        want = sum(view[i] for view in per_view) / 3
        torch.testing.assert_close(got[i], want, rtol=1e-5, atol=1e-6)


def test_as_many_audio_as_video_views_are_paired_view_by_view():
    model = _model('r3d', ssl=True, cls=True)
    v, a = model(model.data_preprocessor(_batch(n=2, views=2,
                                                audio_views=2))['inputs'])
    assert v.shape == a.shape == (4, 32)
    log = model.train_step(_batch(n=2, views=2, audio_views=2),
                           _optim(model))
    assert torch.isfinite(log['loss'])


def test_ssl_with_one_audio_view_for_several_video_views_is_rejected():
    model = _model('r3d')
    with pytest.raises(ValueError, match='audio view'):
        model.train_step(_batch(views=2, audio_views=1), _optim(model))


@pytest.mark.parametrize('modality,channels', [('video', 32), ('audio', 32)])
def test_single_modality_baselines(modality, channels):
    model = _model('r3d', ssl=False, cls=True, modality=modality, neck=None)
    assert model.cls_head.in_channels == channels
    assert (model.audio_backbone is None) == (modality == 'video')
    assert (model.video_backbone is None) == (modality == 'audio')
    batch = _batch()
    del batch['inputs']['audios' if modality == 'video' else 'imgs']
    log = model.train_step(batch, _optim(model))
    assert 'loss_cls' in log
    model.eval()
    feats = model(model.data_preprocessor(batch)['inputs'])
    assert feats.shape == (4, channels)


def test_neck_off_feeds_pooled_encoder_features_to_the_heads():
    model = _model('r3d', ssl=True, cls=True, neck=None)
    assert model.neck is None and model.cls_head.in_channels == 64
    inputs = model.data_preprocessor(_batch(n=2))['inputs']
    v, a = model(inputs)
    maps = model.extract_feat(inputs, pool=False)
    torch.testing.assert_close(v, maps['video'][-1].mean(dim=(2, 3, 4)))
    torch.testing.assert_close(a, maps['audio'][-1].mean(dim=(2, 3, 4)))


def test_extract_feat_without_pooling_returns_feature_maps():
    model = _model('r3d')
    maps = model.extract_feat(model.data_preprocessor(_batch(n=2))['inputs'],
                              pool=False)
    assert maps['video'][-1].shape == (2, 32, 1, 2, 2)
    assert maps['audio'][-1].shape == (2, 32, 1, 2, 2)


def test_shared_encoder_runs_audio_through_the_video_backbone():
    model = _model('r3d', audio_backbone=None, share_backbone=True)
    assert model.audio_backbone is None
    assert model.audio_encoder is model.video_backbone
    log = model.train_step(_batch(labels=False), _optim(model))
    assert torch.isfinite(log['loss'])


def test_cgra_stages_add_the_pooled_stage_pairs():
    video = dict(FAMILIES['r3d'][0], out_indices=(1, 3))
    audio = dict(FAMILIES['r3d'][1], out_indices=(1, 3))
    model = _model('r3d', video_backbone=video, audio_backbone=audio,
                   cgra_stages=(1, ),
                   ssl_head=dict(type='AVCLHead', cor_on_final=False))
    model.eval()  # fixed BN statistics: both passes see the same features
    inputs = model.data_preprocessor(_batch(labels=False))['inputs']
    losses = model(inputs, mode='loss')
    feats = model.extract_feat(inputs)
    assert feats['video'][0].shape == (4, 8)
    want = CGRALoss()(feats['video'][0], feats['audio'][0])
    torch.testing.assert_close(losses['cor'], want)


def test_cgra_stage_missing_from_out_indices_is_a_clear_error():
    model = _model('r3d', cgra_stages=(1, ))
    with pytest.raises(ValueError, match='out_indices'):
        model.train_step(_batch(labels=False), _optim(model))


def test_mixed_x3d_and_resnet_audio_ssl_pretraining():
    model = _model(video_backbone=_X3D, audio_backbone=_audio_net(1),
                   audio_input='image')
    log = model.train_step(_batch(labels=False, audio='image'),
                           _optim(model))
    assert torch.isfinite(log['loss'])


def test_mixed_sizes_use_one_gate_per_modality_and_classify():
    model = _model(video_backbone=_X3D, audio_backbone=_audio_net(2),
                   audio_input='image', ssl=False, cls=True)
    assert (model.neck.in_channels, model.neck.audio_channels) == (16, 32)
    assert model.neck.excite_a is not None
    assert model.cls_head.in_channels == 48
    log = model.train_step(_batch(audio='image'), _optim(model))
    assert 'loss_cls' in log
    model.eval()
    out = model.test_step(_batch(n=2, views=2, audio='image'))
    assert get_pred_score(out[0]).shape == (NUM_CLASSES, )


def test_ssl_checkpoint_loads_into_the_finetuning_model(tmp_path):
    pretrained = _model('r3d')
    for p in pretrained.parameters():
        p.data.normal_()
    path = str(tmp_path / 'ssl.pth')
    torch.save(dict(state_dict=pretrained.state_dict()), path)
    finetune = _model('r3d', ssl=False, cls=True)
    report = load_ssl_weights(finetune, path, logger=None)
    assert report['missing'] == [] and report['unexpected'] == []
    for key, value in pretrained.state_dict().items():
        torch.testing.assert_close(finetune.state_dict()[key], value)


def test_tensor_mode_and_bad_inputs():
    model = _model('r3d')
    inputs = model.data_preprocessor(_batch(n=2))['inputs']
    with pytest.raises(ValueError, match='Invalid mode'):
        model(inputs, mode='bogus')
    with pytest.raises(ValueError, match='audios must be'):
        model(dict(imgs=inputs['imgs'], audios=inputs['audios'][:, 0]))
    with pytest.raises(KeyError, match='audios'):
        model(dict(imgs=inputs['imgs']))


@pytest.mark.parametrize('kwargs,match', [
    (dict(modality='both'), 'modality'),
    (dict(ssl_head=None), 'cls_head'),
    (dict(share_backbone=True), 'audio_backbone=None'),
    (dict(modality='video', cls=True, ssl=False), 'neck'),
])
def test_inconsistent_arguments_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _model('r3d', **kwargs)


def test_feat_channels_skip_the_dry_run_and_size_the_heads():
    model = _model('r3d', ssl=False, cls=True, feat_channels=(32, 32))
    assert model.cls_head.in_channels == 64
    assert model.neck.in_channels == model.neck.audio_channels == 32


def test_backbone_that_fails_the_dry_run_asks_for_feat_channels():
    # the last stage is not returned, so feat_dim does not apply: dry run
    rgb_only = dict(type='ResNet3d', depth=18, pretrained=None,
                    pretrained2d=False, in_channels=3, base_channels=4,
                    out_indices=(2, ))
    with pytest.raises(ValueError, match='feat_channels'):
        _model('c3d', audio_backbone=rgb_only)  # fed 1-channel audio


def test_init_weights_runs_for_every_family():
    for family in FAMILIES:
        model = _model(family, cls=True)
        model.init_weights()
        loss = model(model.data_preprocessor(_batch())['inputs'],
                     mode='loss')
        assert all(torch.isfinite(v) for v in loss.values())


@pytest.mark.parametrize('name', ['avcl_r3d', 'avcl_c3d', 'avcl_r2plus1d'])
def test_paper_model_configs_build_with_512_channel_encoders(name):
    from mmengine.config import Config
    root = os.path.join(os.path.dirname(__file__), '..', '..', '..')
    cfg = Config.fromfile(
        os.path.join(root, 'configs', '_base_', 'models', f'{name}.py'))
    model = MODELS.build(cfg.model)  # reads the channels by a dry run
    assert (model.neck.in_channels, model.neck.audio_channels) == (512, 512)
    assert model.neck.squeeze.out_features == 512


def test_extract_features_names_the_recognizer_tensor_output():
    from avcl_mm.evaluation.feature_extraction import extract_features
    model = _model('r3d').eval()
    batch = _batch(n=3, views=2, audio_views=2)
    out = extract_features(model, [batch])
    assert set(out) == {'video', 'audio', 'fused', 'labels'}
    with torch.no_grad():
        f_v, f_a = model(**model.data_preprocessor(batch, False),
                         mode='tensor')
    # the two clips of a sample are averaged; fused = [l2(f_v), l2(f_a)]
    v_ref = f_v.reshape(3, 2, -1).mean(1)
    a_ref = f_a.reshape(3, 2, -1).mean(1)
    fused_ref = torch.cat([f_v / f_v.norm(dim=1, keepdim=True),
                           f_a / f_a.norm(dim=1, keepdim=True)], 1)
    torch.testing.assert_close(out['video'], v_ref)
    torch.testing.assert_close(out['audio'], a_ref)
    torch.testing.assert_close(out['fused'],
                               fused_ref.reshape(3, 2, -1).mean(1))
    assert out['labels'].tolist() == [0, 1, 2]
    video_only = _model('r3d', ssl=False, cls=True, modality='video',
                        audio_backbone=None, neck=None).eval()
    out = extract_features(video_only, [batch])  # keys: what it returns
    assert set(out) == {'video', 'labels'}
    with torch.no_grad():
        ref = video_only(**video_only.data_preprocessor(batch, False),
                         mode='tensor')
    torch.testing.assert_close(out['video'], ref.reshape(3, 2, -1).mean(1))
