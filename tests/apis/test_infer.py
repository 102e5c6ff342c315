"""avcl_mm.apis and tools/infer.py: classify a user's video from its frames
and its own audio track."""
import json
import os.path as osp

import pytest
import torch

from helpers.runs import REPO, run_tool

CONFIG = 'configs/demo/avcl_r3d_demo_finetune.py'
MEDIA = osp.join(REPO, '..', 'shared', 'data', 'media')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    import avcl_mm  # noqa: F401
    from mmaction.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(osp.join(REPO, CONFIG)).model)
    model.init_weights()
    path = tmp_path_factory.mktemp('ckpt') / 'finetuned.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=1)), path)
    return str(path)


def _options(tiny_demo):
    return {'test_dataloader.dataset.classes': str(tiny_demo / 'classes.txt')}


def test_api_scores_equal_the_test_loop_on_the_same_clip(tiny_demo,
                                                         checkpoint):
    from mmengine.dataset import Compose, pseudo_collate
    from avcl_mm.apis import (class_names, inference_av_recognizer,
                              init_av_recognizer, top_k_classes)
    from avcl_mm.utils.compat import get_pred_score
    model = init_av_recognizer(osp.join(REPO, CONFIG), checkpoint,
                               cfg_options=_options(tiny_demo))
    assert not model.training and model.train_mode == 'cls'
    video = str(tiny_demo / 'videos' / 'test' / 'up_clicks_000.mp4')
    result = inference_av_recognizer(model, video)
    scores = get_pred_score(result)
    assert scores.shape == (6, )
    assert float(scores.sum()) == pytest.approx(1.0, abs=1e-4)  # 'prob'
    # the same clip through the config's test pipeline, by hand
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    data = pseudo_collate([pipeline(dict(filename=video, label=-1,
                                         start_index=0, modality='RGB'))])
    with torch.no_grad():
        expected = get_pred_score(model.test_step(data)[0])
    torch.testing.assert_close(scores, expected)
    names = class_names(model)
    top = top_k_classes(result, 3, names)
    assert [t[0] for t in top] == scores.topk(3).indices.tolist()
    assert top[0][1] == names[top[0][0]] and top[0][2] == \
        pytest.approx(float(scores.max()))


def test_api_refuses_a_pretraining_config_and_missing_files(checkpoint):
    from avcl_mm.apis import inference_av_recognizer, init_av_recognizer
    with pytest.raises(ValueError, match='finetuning config'):
        init_av_recognizer(
            osp.join(REPO, 'configs/demo/avcl_r3d_demo_pretrain.py'))
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        init_av_recognizer(osp.join(REPO, CONFIG), 'nope.pth')
    model = init_av_recognizer(osp.join(REPO, CONFIG), checkpoint)
    with pytest.raises(FileNotFoundError, match='missing.mp4'):
        inference_av_recognizer(model, 'missing.mp4')


@pytest.mark.skipif(not osp.isdir(MEDIA), reason='../shared/data/media absent')
def test_cli_classifies_real_media_with_and_without_audio(tiny_demo,
                                                          checkpoint,
                                                          tmp_path):
    with_audio = osp.join(MEDIA, 'av_clip_mpeg4_mp3.avi')
    video_only = osp.join(MEDIA, 'video_only_h264.mp4')
    out = tmp_path / 'infer.json'
    proc = run_tool('tools/infer.py', CONFIG, checkpoint, with_audio,
                    video_only, '--top-k', '3', '--classes',
                    str(tiny_demo / 'classes.txt'), '--out', str(out))
    results = json.load(open(out))
    assert [r['video'] for r in results] == [with_audio, video_only]
    names = open(tiny_demo / 'classes.txt').read().split()
    for row in results:
        assert len(row['top_k']) == 3
        scores = [t['score'] for t in row['top_k']]
        assert scores == sorted(scores, reverse=True) and sum(scores) <= 1.0
        assert all(t['name'] == names[t['label']] for t in row['top_k'])
    assert '1. ' in proc.stdout and with_audio in proc.stdout
    # the video without audio is classified on silence, and says so
    assert 'silence' in proc.stdout + proc.stderr


def test_cli_fails_loudly_on_a_wrong_path(checkpoint):
    proc = run_tool('tools/infer.py', CONFIG, checkpoint, 'no_such.mp4',
                    check=False)
    assert proc.returncode != 0
    assert 'no such file: no_such.mp4' in proc.stderr


def test_cli_help_explains_every_argument():
    proc = run_tool('tools/infer.py', '--help')
    for flag in ('--top-k', '--device', '--classes', '--out',
                 '--cfg-options', 'VIDEO'):
        assert flag in proc.stdout
