"""tools/data/resize_videos_av.py: smaller copies that keep their audio,
idempotent, atomic, loud on wrong paths (tiny generated videos)."""
import importlib.util
import os
import os.path as osp

import numpy as np
import pytest

from helpers.runs import REPO, run_tool

from helpers.av_media import write_av  # noqa: E402


def _tool():
    spec = importlib.util.spec_from_file_location(
        'resize_videos_av_tool',
        osp.join(REPO, 'tools', 'data', 'resize_videos_av.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _tool()


def _probe(path):
    import av
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        a = c.streams.audio[0] if c.streams.audio else None
        frames = sum(1 for _ in c.decode(v))
        return dict(size=(v.codec_context.width, v.codec_context.height),
                    frames=frames,
                    audio=None if a is None else (a.codec_context.name,
                                                  a.codec_context.sample_rate,
                                                  a.codec_context.channels))


def _decode(path):
    from avcl_mm.datasets.transforms._audio_io import decode_track
    return decode_track(str(path), 24000)


@pytest.fixture
def src(tmp_path):
    """A landscape stereo clip, a portrait mono clip in a sub-folder and a
    clip without audio."""
    root = tmp_path / 'src'
    (root / 'sub').mkdir(parents=True)
    write_av(root / 'wide.mp4', n_frames=12, size=(48, 64),
             sample_rate=44100, amplitudes=(0.4, 0.2))
    write_av(root / 'sub' / 'tall.mp4', n_frames=10, size=(64, 48))
    write_av(root / 'mute.mp4', n_frames=8, size=(48, 64), sample_rate=None)
    return root


def _files(folder):
    return sorted(osp.relpath(osp.join(d, f), folder)
                  for d, _, names in os.walk(folder) for f in names)


def test_copies_are_resized_and_keep_the_audio(src, tmp_path, capsys):
    dst = tmp_path / 'dst'
    assert tool.main([str(src), str(dst), '--short-side', '32']) == 0
    assert _files(dst) == ['mute.mp4', 'sub/tall.mp4', 'wide.mp4']
    wide, tall = _probe(dst / 'wide.mp4'), _probe(dst / 'sub' / 'tall.mp4')
    # short side 32, aspect kept (64 * 32 / 48 = 42.7 -> even 42)
    assert wide['size'] == (42, 32) and tall['size'] == (32, 42)
    assert wide['frames'] == 12 and tall['frames'] == 10
    # the audio packets are copied: same codec, rate, channels, waveform
    assert wide['audio'] == _probe(src / 'wide.mp4')['audio'] == \
        ('aac', 44100, 2)
    np.testing.assert_array_equal(_decode(dst / 'wide.mp4'),
                                  _decode(src / 'wide.mp4'))
    np.testing.assert_array_equal(_decode(dst / 'sub' / 'tall.mp4'),
                                  _decode(src / 'sub' / 'tall.mp4'))
    assert _probe(dst / 'mute.mp4')['audio'] is None
    assert 'mute.mp4 (audio: no audio)' in capsys.readouterr().out


def _same_sound(ref, got):
    """A second lossy generation of the same sound: about as long, same
    level, correlated (the encoder delay may shift it by a few samples)."""
    assert abs(got.size - ref.size) <= 2048  # AAC frame padding at most
    n = min(ref.size, got.size)
    assert np.std(got[:n]) == pytest.approx(np.std(ref[:n]), rel=0.1)
    best = max(np.corrcoef(ref[2048:n - 4096], got[2048 + s:n - 4096 + s])
               [0, 1] for s in range(-1100, 1100, 1))
    assert best > 0.95


@pytest.mark.parametrize('audio,stream', [('aac', ('aac', 44100, 2)),
                                          ('mono', ('aac', 24000, 1))])
def test_reencoded_audio_decodes_to_the_same_sound(src, tmp_path, audio,
                                                    stream):
    dst = tmp_path / 'dst'
    assert tool.main([str(src), str(dst), '--short-side', '32', '--audio',
                      audio, '--ext', 'mp4']) == 0
    assert _probe(dst / 'wide.mp4')['audio'] == stream
    _same_sound(_decode(src / 'wide.mp4'), _decode(dst / 'wide.mp4'))
    _same_sound(_decode(src / 'sub' / 'tall.mp4'),
                _decode(dst / 'sub' / 'tall.mp4'))
    assert _probe(dst / 'mute.mp4')['audio'] is None


def test_sidecars_hold_the_sources_waveform(src, tmp_path):
    dst = tmp_path / 'dst'
    assert tool.main([str(src), str(dst), '--short-side', '32', '--sidecar',
                      '--audio', 'none']) == 0
    assert _probe(dst / 'wide.mp4')['audio'] is None
    np.testing.assert_array_equal(np.load(dst / 'wide.npy'),
                                  _decode(src / 'wide.mp4'))
    np.testing.assert_array_equal(np.load(dst / 'sub' / 'tall.npy'),
                                  _decode(src / 'sub' / 'tall.mp4'))
    assert not (dst / 'mute.npy').exists()  # no track, no sidecar
    # LoadAudioFromVideo reads them as it would decode the original
    from avcl_mm.datasets.transforms.audio_loading import LoadAudioFromVideo
    out = LoadAudioFromVideo()(dict(filename=str(dst / 'wide.mp4')))
    assert out['audio_source'] == 'npy'
    np.testing.assert_array_equal(out['audio'], _decode(src / 'wide.mp4'))


def test_a_second_run_keeps_finished_outputs(src, tmp_path, capsys):
    dst = tmp_path / 'dst'
    args = [str(src), str(dst), '--short-side', '32', '--sidecar']
    assert tool.main(args) == 0
    stamps = {f: os.stat(dst / f).st_mtime_ns for f in _files(dst)}
    capsys.readouterr()
    assert tool.main(args) == 0
    assert '0 written, 3 kept, 0 failed' in capsys.readouterr().out
    assert {f: os.stat(dst / f).st_mtime_ns for f in _files(dst)} == stamps
    # a missing sidecar alone is redone; --overwrite redoes everything
    os.unlink(dst / 'wide.npy')
    assert tool.main(args) == 0
    assert '1 written, 2 kept' in capsys.readouterr().out
    assert (dst / 'wide.npy').is_file()
    assert tool.main(args + ['--overwrite']) == 0
    assert '3 written, 0 kept' in capsys.readouterr().out


def test_a_failure_leaves_no_partial_output(src, tmp_path, monkeypatch):
    dst = tmp_path / 'dst'
    real = tool.convert

    def dies_half_way(source, out, *args):
        real(source, out, *args)  # a complete file under the temp name ...
        raise KeyboardInterrupt  # ... then the run is killed

    monkeypatch.setattr(tool, 'convert', dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        tool.main([str(src), str(dst), '--ext', 'mp4'])
    assert _files(dst) == []  # no copy, no temporary file
    monkeypatch.setattr(tool, 'convert', real)
    assert tool.main([str(src), str(dst)]) == 0
    assert _files(dst) == ['mute.mp4', 'sub/tall.mp4', 'wide.mp4']


def test_a_broken_source_fails_loudly_and_gets_no_output(src, tmp_path,
                                                         capsys):
    data = (src / 'wide.mp4').read_bytes()
    (src / 'broken.mp4').write_bytes(data[:len(data) // 3])
    (src / 'empty.mp4').write_bytes(b'')
    dst = tmp_path / 'dst'
    assert tool.main([str(src), str(dst)]) == 1
    out = capsys.readouterr().out
    assert 'failed: broken.mp4' in out and 'failed: empty.mp4' in out
    assert '3 written, 0 kept, 2 failed' in out
    assert _files(dst) == ['mute.mp4', 'sub/tall.mp4', 'wide.mp4']


def test_wrong_paths_stop_before_writing(src, tmp_path, capsys):
    dst = tmp_path / 'dst'
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path / 'nowhere'), str(dst)])
    assert 'does not exist' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.main([str(src), str(dst), '--ann-file', str(tmp_path / 'no')])
    assert 'annotation file' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.main([str(src), str(src)])
    assert 'must differ' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.main([str(src), str(dst), '--audio', 'none'])
    assert '--sidecar' in capsys.readouterr().err
    (tmp_path / 'empty').mkdir()
    assert tool.main([str(tmp_path / 'empty'), str(dst)]) == 2
    assert 'no video found' in capsys.readouterr().err
    assert not dst.exists()
    # an annotation line naming a missing file fails that file only
    ann = tmp_path / 'ann.txt'
    ann.write_text('wide.mp4 0\nmissing.mp4 1\n')
    assert tool.main([str(src), str(dst), '--ann-file', str(ann)]) == 1
    assert 'failed: missing.mp4 (no such file' in capsys.readouterr().out
    assert _files(dst) == ['wide.mp4']


def test_annotation_out_names_the_mp4_copies(tmp_path):
    src = tmp_path / 'src'
    src.mkdir()
    write_av(src / 'a.mkv', n_frames=6, size=(48, 64))
    write_av(src / 'b.mp4', n_frames=6, size=(48, 64))
    ann, ann_out = tmp_path / 'ann.txt', tmp_path / 'ann128.txt'
    ann.write_text('# comment\na.mkv 3\nb.mp4 1\n')
    dst = tmp_path / 'dst'
    assert tool.main([str(src), str(dst), '--ann-file', str(ann),
                      '--ann-out', str(ann_out), '--short-side', '32']) == 0
    assert ann_out.read_text() == '# comment\na.mp4 3\nb.mp4 1\n'
    assert _probe(dst / 'a.mp4')['audio'][0] == 'aac'


def test_parallel_workers_from_the_command_line(src, tmp_path):
    dst = tmp_path / 'dst'
    proc = run_tool('tools/data/resize_videos_av.py', str(src), str(dst),
                    '--short-side', '32', '--workers', '2')
    assert '3 written, 0 kept, 0 failed' in proc.stdout
    assert _probe(dst / 'wide.mp4')['size'] == (42, 32)
    assert oct(os.stat(dst / 'wide.mp4').st_mode & 0o777) != oct(0o600)
