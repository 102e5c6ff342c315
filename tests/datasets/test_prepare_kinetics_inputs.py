"""tools/data/prepare_kinetics_sounds.py fails loudly on inputs it cannot
use and writes nothing then (a rerun must not find empty lists and skip)."""
import importlib.util
import os.path as osp
import shutil

import pytest

TOOL = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'data',
                'prepare_kinetics_sounds.py')
MEDIA = osp.join(osp.dirname(__file__), '..', '..', '..', 'shared', 'data',
                 'media')


def _tool():
    spec = importlib.util.spec_from_file_location('avcl_prepare_ks', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CSV = ('label,youtube_id,time_start,time_end,split\n'
       'playing drums,AAAAAAAAAAA,10,20,train\n')


def _fails(tmp_path, args, *words):
    out = tmp_path / 'ks'
    with pytest.raises(SystemExit) as exc:
        _tool().main(args + ['--out', str(out)])
    message = str(exc.value.code)
    for word in words:
        assert word in message, message
    assert not out.exists(), sorted(p.name for p in out.iterdir())


def test_missing_video_root_fails_and_writes_nothing(tmp_path):
    (tmp_path / 'train.csv').write_text(CSV)
    _fails(tmp_path, ['--video-root', str(tmp_path / 'nowhere'), '--ann',
                      str(tmp_path / 'train.csv')],
           '--video-root', 'nowhere', 'is not a folder')


def test_missing_annotation_file_fails_and_writes_nothing(tmp_path):
    (tmp_path / 'videos').mkdir()
    _fails(tmp_path, ['--video-root', str(tmp_path / 'videos'), '--ann',
                      str(tmp_path / 'absent.csv')],
           '--ann', 'absent.csv', 'does not exist')


def test_video_root_without_videos_fails_and_writes_nothing(tmp_path):
    (tmp_path / 'videos').mkdir()
    (tmp_path / 'train.csv').write_text(CSV)
    _fails(tmp_path, ['--video-root', str(tmp_path / 'videos'), '--ann',
                      str(tmp_path / 'train.csv')],
           'no video files', 'nothing written')


def test_no_annotated_video_matched_fails_and_writes_nothing(tmp_path):
    video = osp.join(MEDIA, 'video_only_h264.mp4')
    if not osp.isfile(video):
        pytest.skip('shared media not found')
    (tmp_path / 'videos').mkdir()
    shutil.copy(video, tmp_path / 'videos' / 'ZZZZZZZZZZZ.mp4')
    (tmp_path / 'train.csv').write_text(CSV)
    _fails(tmp_path, ['--video-root', str(tmp_path / 'videos'), '--ann',
                      str(tmp_path / 'train.csv')],
           'none of the 1 annotated videos', 'nothing written')
