"""Write the small, real audio-visual demo dataset (mp4: H.264 + AAC).

Six classes built so that only both modalities together separate them all:

==  ========================================  =====================
id  picture                                   sound
==  ========================================  =====================
0   red square moving right                   steady low tone
1   red square moving right   (same as 0)     noise bursts
2   blue square moving left                   rising chirp
3   blue square moving right                  rising chirp (as 2)
4   yellow disc moving down                   high tone
5   white disc moving up                      two-tone beeps
==  ========================================  =====================

Video-only models confuse 0/1, audio-only models confuse 2/3. Every clip
gets random nuisances (start position, speed, brightness, background noise,
pitch, loudness, phase). Deterministic for a seed; files that exist and
decode are kept (idempotent), ``--force`` rewrites them.

    python tools/data/make_demo_dataset.py --out data/demo --seed 0
"""
import argparse
import os
import os.path as osp
import sys
import time

import numpy as np

CLASSES = ['red_right_tone', 'red_right_noise', 'blue_left_chirp',
           'blue_right_chirp', 'yellow_down_high', 'white_up_beeps']
_VISUAL = {  # class -> (rgb, (dx, dy), shape)
    0: ((220, 40, 40), (1, 0), 'square'),
    1: ((220, 40, 40), (1, 0), 'square'),
    2: ((40, 60, 220), (-1, 0), 'square'),
    3: ((40, 60, 220), (1, 0), 'square'),
    4: ((230, 220, 40), (0, 1), 'disc'),
    5: ((235, 235, 235), (0, -1), 'disc'),
}
_SOUND = {0: 'low', 1: 'noise', 2: 'chirp', 3: 'chirp', 4: 'high',
          5: 'beeps'}


def render_frames(label, rng, n_frames, size):
    colour, (dx, dy), shape = _VISUAL[label]
    side = size // 5
    speed = rng.uniform(0.6, 1.0) * (size - side) / n_frames
    x0 = rng.uniform(0, size - side) if dx == 0 else \
        (0 if dx > 0 else size - side)
    y0 = rng.uniform(0, size - side) if dy == 0 else \
        (0 if dy > 0 else size - side)
    gain = rng.uniform(0.8, 1.2)
    base = rng.integers(20, 60)
    yy, xx = np.mgrid[0:size, 0:size]
    frames = np.empty((n_frames, size, size, 3), np.uint8)
    for t in range(n_frames):
        img = base + rng.normal(0, 8, (size, size, 1))
        x, y = x0 + dx * speed * t, y0 + dy * speed * t
        if shape == 'square':
            mask = (xx >= x) & (xx < x + side) & (yy >= y) & (yy < y + side)
        else:
            r = side / 2
            mask = (xx - x - r) ** 2 + (yy - y - r) ** 2 <= r * r
        img = np.repeat(img, 3, axis=2)
        img[mask] = np.asarray(colour) * gain
        frames[t] = np.clip(img, 0, 255).astype(np.uint8)
    return frames


def render_audio(label, rng, seconds, sr):
    t = np.arange(int(seconds * sr)) / sr
    kind = _SOUND[label]
    pitch = rng.uniform(0.95, 1.05)
    phase = rng.uniform(0, 2 * np.pi)
    if kind == 'low':
        wav = np.sin(2 * np.pi * 220 * pitch * t + phase)
    elif kind == 'high':
        wav = np.sin(2 * np.pi * 1800 * pitch * t + phase)
    elif kind == 'noise':
        env = (np.sin(2 * np.pi * 4 * pitch * t + phase) > 0).astype(float)
        wav = rng.normal(0, 0.6, t.shape) * env
    elif kind == 'chirp':
        f0, f1 = 300 * pitch, 3000 * pitch
        wav = np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t ** 2 /
                                  (2 * seconds)) + phase)
    else:  # beeps: alternate 600 / 1200 Hz every 0.25 s
        freq = np.where((t * 4).astype(int) % 2 == 0, 600, 1200) * pitch
        wav = np.sin(2 * np.pi * freq * t + phase)
    wav = wav * rng.uniform(0.2, 0.5) + rng.normal(0, 0.02, t.shape)
    return np.clip(wav, -1, 1).astype(np.float32)


def write_mp4(path, frames, wav, fps, sr):
    import av
    tmp = path + '.part'
    with av.open(tmp, 'w', format='mp4') as out:
        video = out.add_stream('libx264', rate=fps)
        video.width, video.height = frames.shape[2], frames.shape[1]
        video.pix_fmt = 'yuv420p'
        video.options = {'preset': 'ultrafast', 'crf': '23'}
        audio = out.add_stream('aac', rate=sr)
        audio.layout = 'mono'
        for img in frames:
            for pkt in video.encode(av.VideoFrame.from_ndarray(
                    img, format='rgb24')):
                out.mux(pkt)
        for pkt in video.encode():
            out.mux(pkt)
        step = 1024
        for start in range(0, wav.shape[0], step):
            chunk = np.ascontiguousarray(wav[None, start:start + step])
            frame = av.AudioFrame.from_ndarray(chunk, format='fltp',
                                               layout='mono')
            frame.sample_rate, frame.pts = sr, start
            for pkt in audio.encode(frame):
                out.mux(pkt)
        for pkt in audio.encode():
            out.mux(pkt)
    os.replace(tmp, path)  # never leave a half-written video behind


def is_valid(path):
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return False
    try:
        import av
        with av.open(path) as c:
            return bool(c.streams.video) and bool(c.streams.audio)
    except Exception:
        return False


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', default='data/demo', help='output folder')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--train-per-class', type=int, default=16)
    p.add_argument('--val-per-class', type=int, default=4)
    p.add_argument('--test-per-class', type=int, default=4)
    p.add_argument('--seconds', type=float, default=2.5)
    p.add_argument('--fps', type=int, default=12)
    p.add_argument('--size', type=int, default=80, help='frame side (px)')
    p.add_argument('--sample-rate', type=int, default=24000)
    p.add_argument('--force', action='store_true', help='rewrite all files')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    video_dir = osp.join(args.out, 'videos')
    os.makedirs(video_dir, exist_ok=True)
    splits = [('train', args.train_per_class), ('val', args.val_per_class),
              ('test', args.test_per_class)]
    jobs = []
    for split, per_class in splits:
        for label in range(len(CLASSES)):
            for k in range(per_class):
                jobs.append((split, label, k))
    lines = {split: [] for split, _ in splits}
    written = skipped = 0
    start = time.time()
    for n, (split, label, k) in enumerate(jobs, 1):
        name = f'{split}/{CLASSES[label]}_{k:03d}.mp4'
        path = osp.join(video_dir, name)
        lines[split].append(f'{name} {label}')
        if not args.force and is_valid(path):
            skipped += 1
        else:
            os.makedirs(osp.dirname(path), exist_ok=True)
            # a seed per file: the same clip whatever else exists
            rng = np.random.default_rng(
                [args.seed, label, k, ['train', 'val', 'test'].index(split)])
            n_frames = int(round(args.seconds * args.fps))
            write_mp4(path, render_frames(label, rng, n_frames, args.size),
                      render_audio(label, rng, args.seconds,
                                   args.sample_rate), args.fps,
                      args.sample_rate)
            written += 1
        if n % 24 == 0 or n == len(jobs):
            print(f'[demo data] {n}/{len(jobs)} videos '
                  f'({written} written, {skipped} already there, '
                  f'{time.time() - start:.1f} s)', flush=True)
    for split, rows in lines.items():
        with open(osp.join(args.out, f'{split}.txt'), 'w') as f:
            f.write('\n'.join(rows) + '\n')
    with open(osp.join(args.out, 'classes.txt'), 'w') as f:
        f.write('\n'.join(CLASSES) + '\n')
    print(f'[demo data] {args.out}: {len(CLASSES)} classes, ' + ', '.join(
        f'{len(v)} {k}' for k, v in lines.items()))
    return 0


if __name__ == '__main__':
    sys.exit(main())
