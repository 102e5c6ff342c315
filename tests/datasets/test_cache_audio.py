"""tools/data/cache_audio.py: .npy sidecars equal the decoded track, are
picked up by LoadAudioFromVideo unchanged, and re-runs keep them."""
import importlib.util
import os
import os.path as osp
import shutil

import numpy as np
import pytest

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _tool():
    spec = importlib.util.spec_from_file_location(
        'cache_audio', osp.join(REPO, 'tools', 'data', 'cache_audio.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


@pytest.fixture
def clips(tmp_path, media):
    """A mono 24 kHz and a stereo 48 kHz video, one without audio and an
    unreadable file."""
    videos = tmp_path / 'videos'
    videos.mkdir()
    for name, key in (('a0', 'mono24'), ('a1', 'stereo48'),
                      ('silent', 'no_audio'), ('broken', 'truncated')):
        shutil.copy(media[key], videos / f'{name}.mp4')
    ann = tmp_path / 'ann.txt'
    ann.write_text(''.join(f'{n}.mp4 0\n' for n in
                           ('a0', 'a1', 'silent', 'broken')))
    return ann, videos


def test_sidecars_equal_the_decoded_track_and_feed_the_transform(clips):
    from mmaction.registry import TRANSFORMS

    import avcl_mm  # noqa: F401
    from avcl_mm.datasets.transforms._audio_io import decode_track
    ann, videos = clips
    result = _tool().main([str(ann), '--data-prefix', str(videos)])
    assert (result['written'], result['kept']) == (2, 0)
    assert [(osp.basename(v), s) for v, s, _ in result['problems']] == \
        [('silent.mp4', 'no audio'), ('broken.mp4', 'failed')]
    assert not (videos / 'broken.npy').exists()
    assert not (videos / 'silent.npy').exists()
    assert not [f for f in os.listdir(videos) if f.endswith('.tmp')]
    for name in ('a0', 'a1'):
        video = str(videos / f'{name}.mp4')
        stored = np.load(videos / f'{name}.npy')
        assert stored.dtype == np.float32 and stored.ndim == 1
        np.testing.assert_array_equal(stored, decode_track(video, 24000))
        ops = [TRANSFORMS.build(dict(type='LoadAudioFromVideo',
                                     sidecar=sidecar))
               for sidecar in (('.npy', ), ())]
        from_npy, from_video = (op(dict(filename=video)) for op in ops)
        assert from_npy['audio_source'] == 'npy'
        assert from_video['audio_source'] == 'video'
        np.testing.assert_array_equal(from_npy['audio'], from_video['audio'])


def test_rerun_keeps_finished_sidecars(clips):
    ann, videos = clips
    tool = _tool()
    tool.main([str(ann), '--data-prefix', str(videos)])
    mtime = os.stat(videos / 'a0.npy').st_mtime_ns
    again = tool.main([str(ann), '--data-prefix', str(videos)])
    assert (again['written'], again['kept']) == (0, 2)
    assert os.stat(videos / 'a0.npy').st_mtime_ns == mtime
    forced = tool.main([str(ann), '--data-prefix', str(videos),
                        '--overwrite'])
    assert forced['written'] == 2
