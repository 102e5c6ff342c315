"""tools/data: make_demo_dataset, prepare_kinetics_sounds, check_dataset."""
import importlib.util
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest

TOOLS = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'data')


def load_tool(name):
    spec = importlib.util.spec_from_file_location(
        f'avcl_tool_{name}', osp.join(TOOLS, f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


demo_tool = load_tool('make_demo_dataset')
check_tool = load_tool('check_dataset')
kinetics_tool = load_tool('prepare_kinetics_sounds')

DEMO_ARGS = ['--classes', '3', '--videos-per-class', '2', '--val-per-class',
             '1', '--test-per-class', '0', '--num-frames', '16', '--fps',
             '8', '--size', '32']


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp('demo')
    assert demo_tool.main(['--out', str(out)] + DEMO_ARGS) == 0
    return out


def test_demo_dataset_layout_and_annotations(demo):
    assert (demo / 'classes.txt').read_text().split() == [
        'down_tone', 'down_noise', 'up_clicks']
    lines = (demo / 'train.txt').read_text().splitlines()
    assert len(lines) == 6 and lines[0] == 'train/down_tone_000.mp4 0'
    assert len((demo / 'val.txt').read_text().splitlines()) == 3
    assert (demo / 'test.txt').read_text() == ''
    for line in lines:
        assert (demo / 'videos' / line.split()[0]).is_file()


def test_demo_clips_are_real_h264_aac_videos(demo):
    import av
    import decord
    path = str(demo / 'videos' / 'train' / 'up_clicks_001.mp4')
    with av.open(path) as container:
        assert container.streams.video[0].codec_context.name == 'h264'
        assert container.streams.audio[0].codec_context.name == 'aac'
    video = decord.VideoReader(path)
    assert len(video) == 16 and video[0].shape == (32, 32, 3)
    audio = decord.AudioReader(path, sample_rate=24000, mono=True)
    assert abs(audio.shape[1] / 24000 - 2.0) < 0.1  # 16 frames at 8 fps


def test_demo_rerun_keeps_valid_files_and_force_rewrites(demo, capsys):
    clip = demo / 'videos' / 'train' / 'down_tone_000.mp4'
    before = clip.stat().st_mtime_ns
    demo_tool.main(['--out', str(demo)] + DEMO_ARGS)
    assert clip.stat().st_mtime_ns == before
    assert '0 written, 9 kept' in capsys.readouterr().out
    clip.write_bytes(clip.read_bytes()[:100])  # damage one file
    demo_tool.main(['--out', str(demo)] + DEMO_ARGS)
    assert '1 written, 8 kept' in capsys.readouterr().out
    demo_tool.main(['--out', str(demo), '--force'] + DEMO_ARGS)
    assert '9 written, 0 kept' in capsys.readouterr().out


def test_demo_files_are_byte_identical_for_the_same_arguments(demo,
                                                              tmp_path):
    """tools/demo.sh's seed-0 run must repeat: its clips must not depend
    on the process or on x264's threads."""
    import hashlib

    def hashes(root):
        return {p.relative_to(root): hashlib.sha256(p.read_bytes()).digest()
                for p in sorted((root / 'videos').rglob('*.mp4'))}
    again = tmp_path / 'again'
    demo_tool.main(['--out', str(again)] + DEMO_ARGS)
    assert len(hashes(demo)) == 9 and hashes(again) == hashes(demo)


def test_demo_generation_is_deterministic_for_a_seed():
    rng = lambda key: np.random.default_rng([0, 0, 1, 2, key])  # noqa: E731
    a = demo_tool.render_frames('up', rng(0), 6, 16)
    b = demo_tool.render_frames('up', rng(0), 6, 16)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        demo_tool.render_audio('chirp', rng(1), 0.5, 8000),
        demo_tool.render_audio('chirp', rng(1), 0.5, 8000))
    assert not np.array_equal(a, demo_tool.render_frames('up', rng(5), 6, 16))


def test_demo_classes_need_both_modalities():
    table = demo_tool.CLASSES[:6]
    pictures = [picture for _, picture, _ in table]
    sounds = [sound for _, _, sound in table]
    assert pictures[0] == pictures[1] and sounds[0] != sounds[1]
    assert sounds[2] == sounds[3] and pictures[2] != pictures[3]
    assert pictures[4] != pictures[5] and sounds[4] != sounds[5]
    assert len(set(pictures)) < 6 and len(set(sounds)) < 6
    assert len(set(zip(pictures, sounds))) == 6


def shape_centre(frame):
    """(row, col) centre and area of the coloured shape on grey ground."""
    rgb = frame.astype(int)
    mask = rgb.max(axis=2) - rgb.min(axis=2) > 10
    rows, cols = np.nonzero(mask)
    return rows.mean(), cols.mean(), mask.sum()


@pytest.mark.parametrize('picture', ['down', 'up', 'grow', 'shrink'])
def test_demo_pictures_move_as_named_and_survive_a_flip(picture):
    rng = np.random.default_rng(3)
    frames = demo_tool.render_frames(picture, rng, 12, 64)
    for clip in (frames, frames[:, :, ::-1]):  # horizontal flip
        first, last = shape_centre(clip[0]), shape_centre(clip[-1])
        if picture == 'down':
            assert last[0] > first[0] + 10
        elif picture == 'up':
            assert last[0] < first[0] - 10
        elif picture == 'grow':
            assert last[2] > 2 * first[2]
        else:
            assert first[2] > 2 * last[2]


def test_demo_sounds_have_their_named_spectra():
    def power(sound):
        wav = demo_tool.render_audio(sound, np.random.default_rng(0), 1.0,
                                     24000)
        return np.abs(np.fft.rfft(wav)) ** 2  # 1 Hz per bin

    def centroid(p):
        return (p * np.arange(len(p))).sum() / p.sum()

    assert 400 < np.argmax(power('tone')) < 480
    assert 1800 < np.argmax(power('clicks')) < 2200  # 2 kHz ringing
    assert 800 < centroid(power('chirp')) < 2500  # 300 Hz -> 3 kHz sweeps
    assert centroid(power('noise')) > 5000  # white noise bursts


@pytest.fixture
def kinetics_tree(demo, media, tmp_path):
    """A fake Kinetics-400 download: class folders, flat files, csv."""
    root, clips = tmp_path / 'k400', demo / 'videos' / 'train'
    (root / 'train' / 'playing_drums').mkdir(parents=True)
    (root / 'val').mkdir()
    shutil.copy(clips / 'down_tone_000.mp4', root / 'train' /
                'playing_drums' / 'AAAAAAAAAAA_000010_000020.mp4')
    shutil.copy(clips / 'down_tone_001.mp4',
                root / 'train' / 'BBBBBBBBBBB_000000_000010.mp4')
    shutil.copy(media['no_audio'],
                root / 'train' / 'CCCCCCCCCCC_000005_000015.mp4')
    shutil.copy(media['truncated'], root / 'val' / 'DDDDDDDDDDD.mp4')
    shutil.copy(clips / 'up_clicks_000.mp4',
                root / 'val' / 'EEEEEEEEEEE_000001_000011.mp4')
    (tmp_path / 'train.csv').write_text(
        'label,youtube_id,time_start,time_end,split\n'
        'playing drums,AAAAAAAAAAA,10,20,train\n'
        '"dancing charleston",BBBBBBBBBBB,0,10,train\n'
        'bowling,CCCCCCCCCCC,5,15,train\n'
        'abseiling,ZZZZZZZZZZZ,0,10,train\n'
        'bowling,MMMMMMMMMMM,0,10,train\n')
    (tmp_path / 'validate.csv').write_text(
        'label,youtube_id,time_start,time_end,split\n'
        'playing drums,DDDDDDDDDDD,0,10,validate\n'
        'tapping pen,EEEEEEEEEEE,1,11,validate\n')
    return root, [str(tmp_path / 'train.csv'), str(tmp_path / 'validate.csv')]


def read_lines(path):
    return sorted(open(path).read().splitlines())


def test_prepare_kinetics_sounds_writes_k32_k100_and_reports(
        kinetics_tree, tmp_path):
    root, csvs = kinetics_tree
    out = tmp_path / 'ks'
    args = ['--video-root', str(root), '--ann', *csvs, '--out', str(out)]
    assert kinetics_tool.main(args) == 0
    k32 = kinetics_tool.read_names(kinetics_tool.SUBSETS['k32'])
    k100 = kinetics_tool.read_names(kinetics_tool.SUBSETS['k100'])
    drums, charleston = k32.index('playing drums'), k100.index(
        'dancing charleston')
    assert read_lines(out / 'k32_train.txt') == [
        f'train/playing_drums/AAAAAAAAAAA_000010_000020.mp4 {drums}']
    assert read_lines(out / 'k100_train.txt') == sorted([
        f'train/BBBBBBBBBBB_000000_000010.mp4 {charleston}',
        'train/playing_drums/AAAAAAAAAAA_000010_000020.mp4 '
        f'{k100.index("playing drums")}'])
    assert read_lines(out / 'k32_val.txt') == [
        f'val/EEEEEEEEEEE_000001_000011.mp4 {k32.index("tapping pen")}']
    train = json.load(open(out / 'report_train.json'))
    assert train['missing'] == ['MMMMMMMMMMM_000000_000010']
    assert train['no_audio'] == ['train/CCCCCCCCCCC_000005_000015.mp4']
    val = json.load(open(out / 'report_val.json'))
    assert [item['path'] for item in val['unreadable']] == [
        'val/DDDDDDDDDDD.mp4']
    assert 'RECONSTRUCTION' in open(out / 'k100_classes.txt').readline()


def test_prepare_kinetics_sounds_is_resumable(kinetics_tree, tmp_path,
                                              capsys):
    root, csvs = kinetics_tree
    out = tmp_path / 'ks'
    args = ['--video-root', str(root), '--ann', *csvs, '--out', str(out)]
    kinetics_tool.main(args)
    stamp = os.stat(out / 'k32_train.txt').st_mtime_ns
    capsys.readouterr()
    kinetics_tool.main(args)
    assert 'skipped' in capsys.readouterr().out
    assert os.stat(out / 'k32_train.txt').st_mtime_ns == stamp
    os.remove(out / 'report_val.json')  # an interrupted split is redone
    kinetics_tool.main(args)
    assert 'probing' not in capsys.readouterr().out  # probes were cached


def test_prepare_kinetics_sounds_without_probing_keeps_present_files(
        kinetics_tree, tmp_path):
    root, csvs = kinetics_tree
    out = tmp_path / 'ks'
    kinetics_tool.main(['--video-root', str(root), '--ann', *csvs, '--out',
                        str(out), '--no-probe', '--subsets', 'k32'])
    assert len(read_lines(out / 'k32_train.txt')) == 2  # drums + bowling
    assert not (out / 'k100_train.txt').exists()


def test_check_dataset_passes_good_data(demo, capsys):
    rc = check_tool.main([str(demo / 'train.txt'), '--data-prefix',
                          str(demo / 'videos'), '--strict'])
    assert rc == 0
    assert '6 files, 6 ok' in capsys.readouterr().out


def test_check_dataset_reports_problems_and_fails_when_strict(media,
                                                              tmp_path):
    ann = tmp_path / 'ann.txt'
    ann.write_text('mono24.mp4 0\nstereo48.mp4 0\nno_audio.mp4 1\n'
                   'empty.mp4 1\ntruncated.mp4 0\nshort8.mp4 1\nlost.mp4 0\n')
    report = tmp_path / 'report.json'
    args = [str(ann), '--data-prefix', str(media['mono24'].parent), '--json',
            str(report)]
    assert check_tool.main(args) == 0
    assert check_tool.main(args + ['--strict']) == 1
    data = json.load(open(report))
    assert data['summary']['problems'] == {
        'no audio stream': 1, 'empty file': 1, 'unreadable video': 1,
        'missing': 1}
    assert data['summary']['short_clips'] == 1
    assert data['summary']['audio_sample_rates'] == {'24000': 2, '48000': 1}
    first = data['records'][0]
    assert (first['frames'], first['fps'], first['channels']) == (20, 10.0, 1)
    assert first['duration'] == pytest.approx(2.0)


def test_prepare_kinetics_sounds_reads_mmaction_lists(kinetics_tree,
                                                      tmp_path):
    root, _ = kinetics_tree
    label_map = tmp_path / 'label_map_k400.txt'
    label_map.write_text('abseiling\nplaying drums\n')
    train = tmp_path / 'kinetics400_train_list_videos.txt'
    train.write_text('train/playing_drums/AAAAAAAAAAA_000010_000020.mp4 1\n'
                     'train/lost.mp4 1\n')
    val = tmp_path / 'my_list.txt'  # split given explicitly
    val.write_text('tapping_pen/EEEEEEEEEEE_000001_000011.mp4\n')
    out = tmp_path / 'ks'
    kinetics_tool.main(['--video-root', str(root), '--out', str(out),
                        '--label-map', str(label_map), '--subsets', 'k32',
                        '--no-probe', '--ann', str(train), f'val={val}'])
    k32 = kinetics_tool.read_names(kinetics_tool.SUBSETS['k32'])
    assert read_lines(out / 'k32_train.txt') == [
        'train/playing_drums/AAAAAAAAAAA_000010_000020.mp4 '
        f'{k32.index("playing drums")}']
    assert json.load(open(out / 'report_train.json'))['missing'] == [
        'train/lost.mp4']
    # found by its name in the tree; class from the folder in the list
    assert read_lines(out / 'k32_val.txt') == [
        f'val/EEEEEEEEEEE_000001_000011.mp4 {k32.index("tapping pen")}']
