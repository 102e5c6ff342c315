"""The bench preset of tools/data/make_demo_dataset.py: layout,
determinism, events shared by picture and sound, and one modality alone
held under its 50 % ceiling."""
import hashlib
import importlib.util
import os.path as osp
import sys

import numpy as np
import pytest
import torch

from avcl_mm.evaluation.linear_probe import linear_probe

TOOLS = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'data')
NAME = 'avcl_tool_make_demo_dataset_bench'
spec = importlib.util.spec_from_file_location(
    NAME, osp.join(TOOLS, 'make_demo_dataset.py'))
demo_tool = importlib.util.module_from_spec(spec)
sys.modules[NAME] = demo_tool  # worker processes find make_clip by name
spec.loader.exec_module(demo_tool)
bench = demo_tool.bench_clips

# 12 classes, 5 train + 5 test clips each, the preset's clip format
SMALL = ['--preset', 'bench', '--train-per-class', '5', '--val-per-class',
         '0', '--test-per-class', '5', '--workers', '2']
TINY = ['--preset', 'bench', '--classes', '4', '--train-per-class', '1',
        '--val-per-class', '0', '--test-per-class', '1']
CEILING, MARGIN = 0.5, 0.15


def file_hashes(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).digest()
            for p in sorted(root.rglob('*')) if p.is_file()}


def decode(path):
    """``(frames (T, H, W, 3) uint8, mono waveform)`` of an mp4."""
    import av
    with av.open(str(path)) as container:
        frames = np.stack([f.to_ndarray(format='rgb24')
                           for f in container.decode(video=0)])
    with av.open(str(path)) as container:
        wav = np.concatenate([f.to_ndarray().reshape(-1)
                              for f in container.decode(audio=0)])
    return frames, wav


def video_features(frames):
    """Hand-made statistics of a clip: how and where it moves, how the
    object's size and colour change, and its looks (the nuisances)."""
    x = frames.astype(np.float32)
    grey, sat = x.mean(3), x.max(3) - x.min(3)
    yy, xx = np.mgrid[0:grey.shape[1], 0:grey.shape[2]]
    diff = np.abs(np.diff(grey, axis=0))
    diff = np.maximum(diff - np.median(diff), 0)
    energy = diff.sum((1, 2)) + 1e-6
    share = energy / energy.sum()

    def spread(coord):
        mean = (diff * coord).sum((1, 2)) / energy
        return np.sqrt((diff * (coord - mean[:, None, None])**2).sum(
            (1, 2)) / energy)

    fg = sat > np.median(sat) + 30  # the saturated object(s)
    area = fg.sum((1, 2)) + 1.0

    def on_object(values, fn):
        values = np.broadcast_to(values, grey.shape)
        return np.array([fn(v[m]) if m.any() else 0.0
                         for v, m in zip(values, fg)])

    fy, fx = on_object(yy, np.mean), on_object(xx, np.mean)
    wide, fsat = on_object(xx, np.std), on_object(sat, np.mean)
    return np.array([
        energy.mean() / energy.max(), (energy > 0.5 * energy.max()).mean(),
        np.log(energy.sum()), (share * spread(yy)).sum(),
        (share * spread(xx)).sum(), fy.std(), fx.std(), wide.mean(),
        wide.std(), np.log(area.max() / area.min()), np.log(area).std(),
        (fsat.max() - fsat.min()) / (fsat.max() + 1),
        np.abs(np.diff(fy)).mean(), np.abs(np.diff(fx)).mean(),
        np.log(area.mean()), *x.mean((0, 1, 2)), sat.mean(), grey.std()])


def audio_features(wav, sample_rate=24000, n_bands=24):
    """Log spectrum of the loud (event) frames over the quiet ones in
    log-spaced bands, the events' share of time, loudness and the noise
    floor."""
    frames = np.lib.stride_tricks.sliding_window_view(wav, 512)[::240]
    power = np.abs(np.fft.rfft(frames * np.hanning(512), axis=1))**2
    freqs = np.fft.rfftfreq(512, 1 / sample_rate)
    edges = np.geomspace(80, sample_rate / 2, n_bands + 1)
    bands = np.log(np.stack([
        power[:, (freqs >= lo) & (freqs < hi)].sum(1)
        for lo, hi in zip(edges[:-1], edges[1:])], 1) + 1e-10)
    loud = np.log(power.sum(1) + 1e-10)
    floor = np.median(loud)
    events = loud > floor + 0.5 * (loud.max() - floor)
    spectrum = bands[events].mean(0) - np.median(bands, 0)
    return np.concatenate([spectrum - spectrum.max(),
                           [events.mean(), loud.max() - floor, floor]])


def probe(train, test, key):
    """Top-1 of a linear probe (the project's own) on standardised
    features ``key``, fitted on ``train`` and scored on ``test``."""
    def feats(split):
        return np.concatenate([split[k] for k in key.split('+')], 1)

    x_train, x_test = feats(train), feats(test)
    mean, std = x_train.mean(0), x_train.std(0) + 1e-6
    return linear_probe(
        torch.tensor((x_train - mean) / std).float(),
        torch.as_tensor(train['labels']),
        torch.tensor((x_test - mean) / std).float(),
        torch.as_tensor(test['labels']), normalize=False,
        weight_decay=1e-2, topk=(1, ))['top1']


def featurise(clips):
    """``clips``: (frames, wav, label) -> dict of feature arrays."""
    out = dict(video=[], audio=[], labels=[])
    for frames, wav, label in clips:
        out['video'].append(video_features(frames))
        out['audio'].append(audio_features(wav))
        out['labels'].append(label)
    return {k: np.array(v) for k, v in out.items()}


def relabel(split, kinds):
    return dict(split, labels=np.array(kinds)[split['labels']])


@pytest.fixture(scope='module')
def bench_data(tmp_path_factory):
    out = tmp_path_factory.mktemp('bench')
    assert demo_tool.main(['--out', str(out)] + SMALL) == 0
    return out


@pytest.fixture(scope='module')
def bench_features(bench_data):
    def split(name):
        clips = []
        for line in (bench_data / f'{name}.txt').read_text().splitlines():
            rel, label = line.split()
            clips.append((*decode(bench_data / 'videos' / rel), int(label)))
        return featurise(clips)

    return split('train'), split('test')


def test_bench_classes_form_one_cycle():
    table = bench.bench_classes(12)
    assert len({(v, s) for _, v, s in table}) == 12
    for kinds in ([v for _, v, _ in table], [s for _, _, s in table]):
        assert all(kinds.count(kind) == 2 for kind in kinds)
    for k in range(6):  # picture partners 2k, 2k+1; sound 2k-1, 2k
        assert table[2 * k][1] == table[2 * k + 1][1]
        assert table[2 * k - 1][2] == table[2 * k][2]
    assert [name for name, _, _ in bench.bench_classes(4)] == [
        'bounce_click', 'bounce_beep', 'flash_beep', 'flash_click']
    for bad in (3, 5, 14):
        with pytest.raises(ValueError):
            bench.bench_classes(bad)


def test_bench_layout_and_clip_format(bench_data):
    import av
    classes = (bench_data / 'classes.txt').read_text().split()
    assert classes == [name for name, _, _ in bench.bench_classes(12)]
    for split in ('train', 'test'):
        lines = (bench_data / f'{split}.txt').read_text().splitlines()
        assert len(lines) == 60
        assert lines[0] == f'{split}/bounce_click_000.mp4 0'
        assert lines[-1] == f'{split}/blink_click_004.mp4 11'
        for line in lines:
            assert (bench_data / 'videos' / line.split()[0]).is_file()
    assert (bench_data / 'val.txt').read_text() == ''
    path = bench_data / 'videos' / 'train' / 'pop_noise_003.mp4'
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, audio.codec_context.name) == (
            'h264', 'aac')
        assert (video.frames, video.width, video.height) == (16, 40, 40)
        assert audio.sample_rate == 24000
    frames, wav = decode(path)
    assert frames.shape == (16, 40, 40, 3)
    assert abs(len(wav) / 24000 - 2.0) < 0.1


def test_bench_files_depend_only_on_the_arguments(tmp_path, capsys):
    serial, pooled, other = tmp_path / 'a', tmp_path / 'b', tmp_path / 'c'
    demo_tool.main(['--out', str(serial)] + TINY)
    demo_tool.main(['--out', str(pooled), '--workers', '2'] + TINY)
    demo_tool.main(['--out', str(other), '--seed', '1'] + TINY)
    a, b, c = (file_hashes(root) for root in (serial, pooled, other))
    assert len(a) == 8 + 5 and a == b  # 8 clips, 3 lists, classes, meta
    clips = [name for name in a if name.endswith('.mp4')]
    assert len(clips) == 8 and all(a[name] != c[name] for name in clips)
    capsys.readouterr()
    demo_tool.main(['--out', str(serial)] + TINY)
    assert '0 written, 8 kept' in capsys.readouterr().out
    assert file_hashes(serial) == a


def test_bench_events_are_heard_when_seen_at_random_times():
    seen = []
    for k in range(4):
        frames, wav, events = bench.render_clip('flash', 'whistle',
                                                (0, 0, 3, k), 16, 8, 40,
                                                24000)
        assert 2 <= len(events) <= 3 and np.all(np.diff(events) >= 0.45)
        seen.append(tuple(np.round(events, 3)))
        rms = np.sqrt((wav.reshape(-1, 240)**2).mean(1))  # 10 ms steps
        loud = (rms > 0.5 * rms.max()).astype(int)
        onsets = np.flatnonzero(np.diff(loud) == 1) + 1
        assert len(onsets) == len(events)  # each event heard once
        assert np.all(abs(onsets * 0.01 - events) < 0.045)  # 30 ms jitter
        brightness = frames.astype(float).sum((1, 2, 3))
        jumps = np.diff(brightness)
        for t in events:  # the flash starts in the frame after the event
            frame = int(np.ceil(t * 8))
            assert jumps[frame - 1] > 3 * np.median(abs(jumps))
    assert len(set(seen)) == 4  # each clip draws its own times


def test_one_modality_alone_stays_under_its_ceiling(bench_features):
    train, test = bench_features
    table = bench.bench_classes(12)
    visual = [bench.VISUALS.index(v) for _, v, _ in table]
    sound = [bench.SOUNDS.index(s) for _, _, s in table]
    # the features do see each modality's kind ...
    assert probe(relabel(train, visual), relabel(test, visual),
                 'video') >= 0.8
    assert probe(relabel(train, sound), relabel(test, sound),
                 'audio') >= 0.8
    # ... yet one modality cannot name the class; both together can
    assert probe(train, test, 'video') <= CEILING + MARGIN
    assert probe(train, test, 'audio') <= CEILING + MARGIN
    assert probe(train, test, 'video+audio') >= CEILING + 0.3


def test_the_ceiling_check_catches_a_leak():
    """The probe above fails on data whose pictures betray the class."""
    clips = {'train': [], 'test': []}
    for label, (_, visual, sound) in enumerate(bench.bench_classes(12)):
        for split_id, split in enumerate(clips):
            for k in range(4):
                frames, wav, _ = bench.render_clip(
                    visual, sound, (9, split_id, label, k), 16, 8, 40, 24000)
                if label % 2:  # a tint that only odd classes get
                    frames = np.clip(frames + np.array([60, 0, 0]), 0,
                                     255).astype(np.uint8)
                clips[split].append((frames, wav, label))
    train, test = featurise(clips['train']), featurise(clips['test'])
    assert probe(train, test, 'video') > CEILING + MARGIN
