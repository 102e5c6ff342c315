"""Write the small, real audio-visual demo dataset (mp4: H.264 + AAC).

Each class pairs a picture with a sound; the classes are built so that
neither modality alone separates them all (the point of audio-visual
learning), and the pictures differ only in ways that survive a horizontal
flip and a random crop (vertical motion, growing vs shrinking):

==  ============  ============  ==============  ==========================
id  name          picture       sound           note
==  ============  ============  ==============  ==========================
0   down_tone     square down   tone (~440 Hz)
1   down_noise    square down   noise bursts    same picture as 0
2   up_clicks     square up     click train
3   grow_clicks   disc grows    click train     same sound as 2
4   shrink_chirp  disc shrinks  rising chirps   differs from 5 in both
5   grow_noise    disc grows    noise bursts
6   up_chirp      square up     rising chirps   only with --classes 7+
7   shrink_tone   disc shrinks  tone (~440 Hz)  only with --classes 8
==  ============  ============  ==============  ==========================

A video-only model confuses 0/1 and 3/5, an audio-only model 1/5 and 2/3.
Every clip draws its own nuisances (colour, size, position, speed, texture,
pixel noise; pitch, rate, loudness, phase, background noise), from a
random generator seeded by (seed, split, class, index): the same frames
and sound, and the same file bytes (plain-C, one-thread x264), for the
same arguments. Files that exist and decode are kept (idempotent) unless
``--force``; changing the clip format regenerates them.

Layout: ``OUT/videos/{train,val,test}/<class>_<k>.mp4``, annotation files
``OUT/{train,val,test}.txt`` (``<split>/<file>.mp4 <label>``, relative to
``OUT/videos``) and ``OUT/classes.txt``.

    python tools/data/make_demo_dataset.py --out data/demo --seed 0

The "bench" preset (``--preset bench``, clips drawn by _bench_clips.py
beside this file) is the larger task for ranking methods: 12 classes,
288 train / 96 val / 576 test clips (the test split is the evaluation set:
one clip is 0.17 points; val is for choosing checkpoints) of 2 s, 40x40 px
at 8 fps, 24 kHz audio, 24 MB. A clip shows and sounds 2-3 events at
random times, the same times in both modalities (the sound up to 30 ms
early or late); the class is what happens at an event and what it sounds
like:

==  ==============  ==============================  =======================
id  name            picture (at each event ...)     sound
==  ==============  ==============================  =======================
0   bounce_click    a ball hits the floor           click (3.5 kHz snap)
1   bounce_beep     a ball hits the floor           beep (500 Hz)
2   flash_beep      an object lights up             beep (500 Hz)
3   flash_whistle   an object lights up             whistle (1.5 kHz)
4   pop_whistle     an object swells                whistle (1.5 kHz)
5   pop_noise       an object swells                noise burst
6   collide_noise   two objects meet                noise burst
7   collide_chirp   two objects meet                chirp (0.4 -> 2.5 kHz)
8   pingpong_chirp  a ball hits a side wall         chirp (0.4 -> 2.5 kHz)
9   pingpong_thud   a ball hits a side wall         thud (200 Hz)
10  blink_thud      an object vanishes for a while  thud (200 Hz)
11  blink_click     an object vanishes for a while  click (3.5 kHz snap)
==  ==============  ==============================  =======================

The pairs form one cycle: classes 2i and 2i+1 share a picture, 2i-1 and
2i (mod 12) a sound, so a video-only model confuses {0,1} {2,3} ... {10,11}
and an audio-only one {11,0} {1,2} ... {9,10}: either modality alone is
capped at 50 % top-1 (chance 8.3 %); both together separate all 12. The
event times are drawn per clip, independently of the class, so only a
model that sees both streams can know when, in the picture, the sound's
events happen. Per-clip nuisances: background (grey level, tint, ramp,
blobs, a floor line or none), object colour, size, shape (disc or square),
position and drift, pixel noise; loudness, pitch (+-7 %), background noise
level, a faint hum or none; number of events, their times, the sound's
jitter. ``--classes n`` (even, 4..12) keeps the cycle on the first n/2
pictures and sounds (the ceiling stays 50 %). Like the demo's, bench clips
are encoded with plain-C, one-thread x264: byte-identical files for the
same arguments.

    python tools/data/make_demo_dataset.py --preset bench --workers 2
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from multiprocessing import Pool
from typing import (Callable, Iterable, Iterator, List, Optional, Sequence,
                    Tuple)

import numpy as np

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import _bench_clips as bench_clips  # noqa: E402

CLASSES: List[Tuple[str, str, str]] = [  # (name, picture, sound)
    ('down_tone', 'down', 'tone'), ('down_noise', 'down', 'noise'),
    ('up_clicks', 'up', 'clicks'), ('grow_clicks', 'grow', 'clicks'),
    ('shrink_chirp', 'shrink', 'chirp'), ('grow_noise', 'grow', 'noise'),
    ('up_chirp', 'up', 'chirp'), ('shrink_tone', 'shrink', 'tone')]
SPLITS = ('train', 'val', 'test')
# defaults of each preset; any argument given on the command line wins
PRESETS = dict(
    demo=dict(out='data/demo', classes=6, train_per_class=16,
              val_per_class=4, test_per_class=4, num_frames=30, fps=12,
              size=80, sample_rate=24000),
    bench=dict(out='data/bench', classes=12, train_per_class=24,
               val_per_class=8, test_per_class=48, num_frames=16, fps=8,
               size=40, sample_rate=24000))


def render_frames(picture: str, rng: np.random.Generator, n_frames: int,
                  size: int) -> np.ndarray:
    """RGB frames ``(n_frames, size, size, 3)`` uint8 of one moving shape."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    colour = rng.uniform(90, 255, 3) * rng.permutation([1.0, 0.5, 0.2])
    background = rng.uniform(10, 70) + rng.normal(0, 6, (size, size, 1))
    x = rng.uniform(0.3, 0.7) * size  # horizontal centre
    half = rng.uniform(0.08, 0.14) * size
    travel = rng.uniform(0.5, 0.7) * size  # vertical distance or radius gain
    frames = np.empty((n_frames, size, size, 3), np.uint8)
    for t in range(n_frames):
        s = t / max(1, n_frames - 1)  # 0 -> 1 over the clip
        img = background + rng.normal(0, 4, (size, size, 1))
        img = np.repeat(img, 3, axis=2)
        if picture in ('down', 'up'):
            y0 = (size - travel) / 2
            y = y0 + travel * (s if picture == 'down' else 1 - s)
            mask = (abs(xx - x) <= half) & (abs(yy - y) <= half)
        else:
            grow = s if picture == 'grow' else 1 - s
            radius = half * 0.5 + grow * travel * 0.35
            mask = (xx - x) ** 2 + (yy - size / 2) ** 2 <= radius ** 2
        img[mask] = colour
        frames[t] = np.clip(img, 0, 255).astype(np.uint8)
    return frames


def render_audio(sound: str, rng: np.random.Generator, seconds: float,
                 sample_rate: int) -> np.ndarray:
    """Mono float32 waveform ``(seconds * sample_rate,)`` in [-1, 1]."""
    t = np.arange(int(round(seconds * sample_rate))) / sample_rate
    phase = rng.uniform(0, 2 * np.pi)
    if sound == 'tone':
        wav = np.sin(2 * np.pi * 440 * rng.uniform(0.93, 1.07) * t + phase)
    elif sound == 'noise':
        rate, duty = rng.uniform(3, 5), rng.uniform(0.35, 0.6)
        gate = ((t * rate + phase / (2 * np.pi)) % 1.0) < duty
        wav = rng.normal(0, 0.5, t.shape) * gate
    elif sound == 'clicks':
        rate = rng.uniform(8, 12)
        since = (t * rate + phase / (2 * np.pi)) % 1.0 / rate  # s since click
        wav = np.exp(-since * 400) * np.sin(2 * np.pi * 2000 * since)
    elif sound == 'chirp':
        period = rng.uniform(0.8, 1.2)
        u = ((t + phase / (2 * np.pi)) % period) / period
        f0, f1 = 300 * rng.uniform(0.9, 1.1), 3000 * rng.uniform(0.9, 1.1)
        wav = np.sin(2 * np.pi * period * (f0 * u + (f1 - f0) * u ** 2 / 2))
    else:
        raise ValueError(f'unknown sound {sound!r}')
    wav = wav * rng.uniform(0.2, 0.5) + rng.normal(0, rng.uniform(0.005, 0.02),
                                                  t.shape)
    return np.clip(wav, -1, 1).astype(np.float32)


def pick_codec(names: Sequence[str]) -> str:
    """First encoder of ``names`` that this PyAV build has."""
    import av
    for name in names:
        try:
            av.codec.Codec(name, 'w')
            return name
        except Exception:
            continue
    raise RuntimeError(f'PyAV has none of the encoders {list(names)}')


def write_mp4(path: str, frames: np.ndarray, wav: np.ndarray, fps: int,
              sample_rate: int, exact: bool = False) -> None:
    """Encode ``frames`` and mono ``wav`` into ``path`` (atomically);
    ``exact``: the same bytes for the same input in every process."""
    import av
    tmp = f'{path}.part{os.getpid()}.mp4'
    with av.open(tmp, 'w') as out:
        video = out.add_stream(pick_codec(('libx264', 'h264', 'mpeg4')),
                               rate=fps)
        video.width, video.height = frames.shape[2], frames.shape[1]
        video.pix_fmt = 'yuv420p'
        if video.codec_context.name == 'libx264':
            video.options = {'preset': 'veryfast', 'crf': '20'}
            if exact:
                # x264's assembly (or its threads) now and then writes other
                # bytes for the same frames, in some processes only; plain C
                # on one thread never does (and costs nothing at 40 px)
                video.options = dict(video.options, threads='1',
                                     **{'x264-params': 'asm=0'})
        audio = out.add_stream(pick_codec(('aac', 'mp3', 'libmp3lame')),
                               rate=sample_rate)
        audio.layout = 'mono'
        for img in frames:
            for packet in video.encode(
                    av.VideoFrame.from_ndarray(img, format='rgb24')):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        step = 1024
        for start in range(0, wav.shape[0], step):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(wav[None, start:start + step]),
                format='fltp', layout='mono')
            frame.sample_rate, frame.pts = sample_rate, start
            for packet in audio.encode(frame):
                out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)
    os.replace(tmp, path)


def is_valid(path: str, n_frames: int) -> bool:
    """Whether ``path`` is a readable mp4 with ``n_frames`` frames and an
    audio track."""
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return False
    try:
        import av
        with av.open(path) as container:
            streams = container.streams
            return (len(streams.video) == 1 and len(streams.audio) == 1
                    and streams.video[0].frames == n_frames)
    except Exception:
        return False


def make_clip(job: tuple) -> bool:
    """Write one clip unless a valid one exists; ``True`` if written."""
    path, label, seed_key, args, force = job
    if not force and is_valid(path, args['num_frames']):
        return False
    if args.get('preset') == 'bench':
        _, visual, sound = bench_clips.bench_classes(args['classes'])[label]
        frames, wav, _ = bench_clips.render_clip(
            visual, sound, seed_key, args['num_frames'], args['fps'],
            args['size'], args['sample_rate'])
        os.makedirs(osp.dirname(path), exist_ok=True)
        write_mp4(path, frames, wav, args['fps'], args['sample_rate'],
                  exact=True)
        return True
    _, picture, sound = CLASSES[label]
    visual_rng = np.random.default_rng(list(seed_key) + [0])
    audio_rng = np.random.default_rng(list(seed_key) + [1])
    seconds = args['num_frames'] / args['fps']
    os.makedirs(osp.dirname(path), exist_ok=True)
    write_mp4(path,
              render_frames(picture, visual_rng, args['num_frames'],
                            args['size']),
              render_audio(sound, audio_rng, seconds, args['sample_rate']),
              args['fps'], args['sample_rate'], exact=True)
    return True


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--preset', choices=sorted(PRESETS), default='demo',
                   help='which dataset: the 6-class demo or the 12-class '
                   'bench (default: demo); it sets the defaults below')
    p.add_argument('--out', help='output folder (demo: data/demo, bench: '
                   'data/bench)')
    p.add_argument('--seed', type=int, default=0,
                   help="seed of every clip's random nuisances (default: 0)")
    p.add_argument('--classes', type=int,
                   help=f'number of classes, demo: 2..{len(CLASSES)} '
                   '(default 6), bench: even, 4..12 (default 12)')
    p.add_argument('--videos-per-class', '--train-per-class', type=int,
                   dest='train_per_class',
                   help='training clips per class (demo: 16, bench: 24)')
    p.add_argument('--val-per-class', type=int,
                   help='validation clips per class (demo: 4, bench: 8)')
    p.add_argument('--test-per-class', type=int,
                   help='test clips per class (demo: 4, bench: 48)')
    p.add_argument('--num-frames', type=int,
                   help='frames per clip (>= 16 for the AVCL clip length; '
                   'demo: 30, bench: 16)')
    p.add_argument('--seconds', type=float,
                   help='clip duration; overrides --num-frames')
    p.add_argument('--fps', type=int,
                   help='frame rate of the clips (demo: 12, bench: 8)')
    p.add_argument('--size', type=int,
                   help='frame side (px; demo: 80, bench: 40)')
    p.add_argument('--sample-rate', type=int,
                   help='audio sample rate in Hz (default: 24000)')
    p.add_argument('--workers', type=int, default=1,
                   help='encoding processes (default: 1)')
    p.add_argument('--force', action='store_true', help='rewrite all clips')
    args = p.parse_args(argv)
    for key, value in PRESETS[args.preset].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.seconds is not None:
        args.num_frames = max(1, int(round(args.seconds * args.fps)))
    if args.preset == 'bench':
        try:
            bench_clips.bench_classes(args.classes)
        except ValueError as err:
            p.error(f'--classes: {err}')
    elif not 2 <= args.classes <= len(CLASSES):
        p.error(f'--classes must be in [2, {len(CLASSES)}]')
    if min(args.num_frames, args.fps, args.size, args.sample_rate) <= 0:
        p.error('--num-frames, --fps, --size and --sample-rate must be > 0')
    if min(args.train_per_class, args.val_per_class,
           args.test_per_class) < 0:
        p.error('clips per class must be >= 0')
    return args


def write_lines(path: str, lines: List[str]) -> None:
    with open(f'{path}.tmp', 'w') as f:
        f.write(''.join(f'{line}\n' for line in lines))
    os.replace(f'{path}.tmp', path)


class _Serial:
    """In-process stand-in for ``multiprocessing.Pool`` (``--workers 1``)."""

    def __enter__(self) -> '_Serial':
        return self

    def __exit__(self, *exc) -> None:
        return None

    @staticmethod
    def imap(func: Callable, items: Iterable) -> Iterator:
        return map(func, items)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    # version 3: the demo's clips are encoded exactly (byte-reproducible)
    fmt = dict(num_frames=args.num_frames, fps=args.fps, size=args.size,
               sample_rate=args.sample_rate, seed=args.seed, version=3)
    names = [name for name, _, _ in CLASSES[:args.classes]]
    tag = '[demo data]'
    if args.preset == 'bench':  # the demo's files and meta stay as they were
        fmt.update(preset='bench', classes=args.classes, version=1)
        names = [name for name, _, _ in
                 bench_clips.bench_classes(args.classes)]
        tag = '[bench data]'
    meta_file = osp.join(args.out, 'demo_meta.json')
    force = args.force
    if osp.isfile(meta_file):
        with open(meta_file) as f:
            if json.load(f) != fmt:
                print(f'{tag} format or seed changed: rewriting clips')
                force = True
    counts = dict(train=args.train_per_class, val=args.val_per_class,
                  test=args.test_per_class)
    jobs, lines = [], {split: [] for split in SPLITS}
    for split_id, split in enumerate(SPLITS):
        for label in range(args.classes):
            for k in range(counts[split]):
                rel = f'{split}/{names[label]}_{k:03d}.mp4'
                lines[split].append(f'{rel} {label}')
                jobs.append((osp.join(args.out, 'videos', rel), label,
                             (args.seed, split_id, label, k), fmt, force))
    os.makedirs(osp.join(args.out, 'videos'), exist_ok=True)
    start, written = time.time(), 0
    every = max(24, len(jobs) // 10)  # progress lines
    with Pool(args.workers) if args.workers > 1 else _Serial() as pool:
        for n, done in enumerate(pool.imap(make_clip, jobs), 1):
            written += int(done)
            if n % every == 0 or n == len(jobs):
                print(f'{tag} {n}/{len(jobs)} clips ({written} written,'
                      f' {n - written} kept) {time.time() - start:.1f} s',
                      flush=True)
    for split in SPLITS:
        write_lines(osp.join(args.out, f'{split}.txt'), lines[split])
    write_lines(osp.join(args.out, 'classes.txt'), names)
    with open(meta_file, 'w') as f:
        json.dump(fmt, f)
    print(f'{tag} {args.out}: {args.classes} classes, ' +
          ', '.join(f'{len(lines[s])} {s}' for s in SPLITS))
    return 0


if __name__ == '__main__':
    sys.exit(main())
