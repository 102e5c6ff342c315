"""Clips of the "bench" preset of make_demo_dataset.py (see its docstring).

Every clip is a few discrete events at random times; each event is seen
(one of :data:`VISUALS`) and heard (one of :data:`SOUNDS`) at the same
moment, give or take a timing jitter well under one frame. A class is a
(visual, sound) pair; the pairs form one cycle over the kinds
(:func:`bench_classes`), so each kind belongs to exactly two classes and
one modality alone tells a class from all but one other.

Everything a clip draws comes from generators seeded by its key: the event
times from stream 10 (shared by both modalities), the picture's nuisances
from stream 11, the sound's from stream 12.
"""
from typing import List, Sequence, Tuple

import numpy as np

# Every picture is unchanged in distribution by a horizontal flip, and its
# object stays inside the central 60 % of the frame (random crops).
VISUALS = ('bounce', 'flash', 'pop', 'collide', 'pingpong', 'blink')
SOUNDS = ('click', 'beep', 'whistle', 'noise', 'chirp', 'thud')
MIN_GAP = 0.45  # s between two events
EDGE = 0.2  # s kept free of events at both ends of a clip


def bench_classes(n: int) -> List[Tuple[str, str, str]]:
    """``n`` (even, 4..12) classes ``(name, visual, sound)``: class ``k``
    is visual ``k // 2`` with sound ``(k + 1) // 2 mod n / 2``, a cycle in
    which classes ``2i, 2i + 1`` share a picture and ``2i - 1, 2i`` a
    sound."""
    if n % 2 or not 4 <= n <= 2 * len(VISUALS):
        raise ValueError(f'bench classes must be even, 4..{2 * len(VISUALS)}'
                         f', got {n}')
    kinds = n // 2
    out = []
    for k in range(n):
        visual, sound = VISUALS[k // 2], SOUNDS[(k + 1) // 2 % kinds]
        out.append((f'{visual}_{sound}', visual, sound))
    return out


def draw_events(rng: np.random.Generator, seconds: float) -> np.ndarray:
    """Sorted event times (s): 2-3 events, ``MIN_GAP`` apart, ``EDGE``
    from both ends (fewer when the clip is short)."""
    span = seconds - 2 * EDGE
    if span <= 0:
        return np.array([seconds / 2])
    most = min(3, int(span // MIN_GAP) + 1)
    count = int(rng.integers(min(2, most), most + 1))
    # spread `count` events with the gaps on top of MIN_GAP drawn uniformly
    slack = span - (count - 1) * MIN_GAP
    offsets = np.sort(rng.uniform(0, slack, count))
    return EDGE + offsets + MIN_GAP * np.arange(count)


def _decay(times: np.ndarray, events: np.ndarray, tau: float) -> np.ndarray:
    """``sum_i exp(-(t - t_i) / tau)`` over events before ``t``, capped
    at 1: a jump at each event that fades."""
    dt = times[:, None] - events[None, :]
    return np.minimum(1.0, np.where(dt >= 0, np.exp(-np.maximum(dt, 0) / tau),
                                    0.0).sum(1))


def _between(times: np.ndarray, events: np.ndarray,
             rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """Phase ``u`` in [0, 1] of each time between the two contacts around
    it and the index of that interval; virtual contacts before 0 and after
    the end keep the motion going without another visible event."""
    lead = events[0] + rng.uniform(0.25, 0.5)
    tail = (times[-1] - events[-1]) + rng.uniform(0.25, 0.5)
    knots = np.concatenate([[events[0] - lead], events, [events[-1] + tail]])
    idx = np.clip(np.searchsorted(knots, times, side='right') - 1, 0,
                  len(knots) - 2)
    u = (times - knots[idx]) / (knots[idx + 1] - knots[idx])
    return u, idx


def render_visual(kind: str, events: np.ndarray, rng: np.random.Generator,
                  n_frames: int, fps: float, size: int) -> np.ndarray:
    """RGB frames ``(n_frames, size, size, 3)`` uint8: one or two objects
    whose ``kind`` of event happens at each of ``events`` (s)."""
    s = float(size)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    times = np.arange(n_frames) / fps
    # background: grey level, tint, a ramp, soft blobs, maybe a floor line
    ramp_dir = rng.uniform(0, 2 * np.pi)
    ramp = ((xx - s / 2) * np.cos(ramp_dir) + (yy - s / 2) *
            np.sin(ramp_dir)) / s * rng.uniform(0, 40)
    blobs = np.zeros_like(xx)
    for _ in range(3):
        cy, cx, w = rng.uniform(0, s, 2).tolist() + [rng.uniform(.1, .3) * s]
        blobs += rng.uniform(-15, 15) * np.exp(-((yy - cy) ** 2 +
                                                 (xx - cx) ** 2) / (2 * w * w))
    base = rng.uniform(20, 100) + ramp + blobs
    background = base[..., None] + rng.normal(0, 10, 3)
    if rng.random() < 0.5:
        floor = int(rng.uniform(0.78, 0.9) * s)
        background[floor] += rng.uniform(-30, 30)
    pixel_noise = rng.uniform(1, 8)
    colour = rng.uniform(140, 255, 3) * rng.permutation([1.0, 0.6, 0.2])
    half = rng.uniform(0.07, 0.12) * s  # object half size / radius
    square = rng.random() < 0.5
    tau = rng.uniform(0.12, 0.2)  # fade of flash / pop (s)
    drift = rng.uniform(-0.06, 0.06, 2) * s  # px / s, a nuisance

    def shape(cy, cx, r):
        if square:
            d = np.maximum(abs(yy - cy), abs(xx - cx))
        else:
            d = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2)
        return np.clip(r + 0.5 - d, 0, 1)  # anti-aliased coverage

    y0, x0 = rng.uniform(0.38, 0.62, 2) * s
    if kind == 'bounce':  # floor contacts at the events
        u, idx = _between(times, events, rng)
        height = rng.uniform(0.3, 0.42) * s
        ground = rng.uniform(0.72, 0.78) * s - half
        ys = ground - height * 4 * u * (1 - u)
        xs = np.full(n_frames, x0)
    elif kind == 'pingpong':  # wall hits at the events
        u, idx = _between(times, events, rng)
        width = rng.uniform(0.22, 0.3) * s - half
        side = 1 if rng.random() < 0.5 else -1
        sign = side * np.where(idx % 2 == 0, 1, -1)  # wall hit at idx + 1
        xs = s / 2 + width * sign * (2 * u - 1)
        ys = np.full(n_frames, y0)
    else:
        ys, xs = np.full(n_frames, y0), np.full(n_frames, x0)
    ys = ys + drift[0] * (times - times.mean())
    xs = xs + drift[1] * (times - times.mean())
    fade = _decay(times, events, tau)
    if kind == 'blink':  # gone for a while from each event on
        away = rng.uniform(0.25, 0.4)
        dt = times[:, None] - events[None, :]
        alpha = 1.0 - ((dt >= 0) & (dt < away)).any(1)
    else:
        alpha = np.ones(n_frames)
    if kind == 'collide':  # two objects meet in the middle at the events
        reach = rng.uniform(0.3, 0.45)  # s from farthest apart to contact
        gap = np.min(abs(times[:, None] - events[None, :]), 1)
        far = rng.uniform(0.26, 0.34) * s
        offset = half + (far - half) * np.minimum(1.0, gap / reach)
    frames = np.empty((n_frames, size, size, 3), np.uint8)
    for t in range(n_frames):
        img = background + rng.normal(0, pixel_noise, (size, size, 1))
        paint = colour
        if kind == 'flash':
            paint = colour + (255 - colour) * fade[t]
        if kind == 'collide':
            cover = np.maximum(shape(ys[t], s / 2 - offset[t], half),
                               shape(ys[t], s / 2 + offset[t], half))
        elif kind == 'pop':
            cover = shape(ys[t], xs[t], half * (1 + 0.9 * fade[t]))
        else:
            cover = shape(ys[t], xs[t], half) * alpha[t]
        img = img * (1 - cover[..., None]) + paint * cover[..., None]
        frames[t] = np.clip(img, 0, 255).astype(np.uint8)
    return frames


def _event_sound(kind: str, rng: np.random.Generator, sample_rate: int,
                 pitch: float, length: float) -> np.ndarray:
    """One event's waveform (peak about 1) of the given ``kind``."""
    n = max(1, int(round(length * sample_rate)))
    t = np.arange(n) / sample_rate
    ramp = max(1, int(0.005 * sample_rate))
    envelope = np.minimum(1.0, np.minimum(np.arange(n), n - 1 -
                                          np.arange(n)) / ramp)
    if kind == 'click':  # a ringing, broadband snap
        return np.exp(-t * 150) * (np.sin(2 * np.pi * 3500 * pitch * t) +
                                   rng.normal(0, 0.5, n))
    if kind == 'thud':  # a low, dull knock
        return np.exp(-t * 15) * np.sin(2 * np.pi * 200 * pitch * t) * \
            np.minimum(1.0, np.arange(n) / ramp)
    if kind == 'beep':
        return envelope * np.sin(2 * np.pi * 500 * pitch * t)
    if kind == 'whistle':
        return envelope * np.sin(2 * np.pi * 1500 * pitch * t)
    if kind == 'noise':
        return envelope * np.clip(rng.normal(0, 0.4, n), -1, 1)
    if kind == 'chirp':  # rising sweep 400 Hz -> 2.5 kHz
        f0, f1 = 400 * pitch, 2500 * pitch
        return envelope * np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t ** 2 /
                                              (2 * length)))
    raise ValueError(f'unknown sound {kind!r}')


def render_sound(kind: str, events: np.ndarray, rng: np.random.Generator,
                 seconds: float, sample_rate: int) -> np.ndarray:
    """Mono float32 waveform ``(seconds * sample_rate,)`` in [-1, 1]: a
    ``kind`` of sound at each of ``events`` (s, jittered by up to 30 ms)
    over background noise and maybe a faint hum."""
    n = int(round(seconds * sample_rate))
    t = np.arange(n) / sample_rate
    wav = rng.normal(0, rng.uniform(0.003, 0.03), n)  # noise level
    if rng.random() < 0.5:
        wav += rng.uniform(0.005, 0.03) * np.sin(
            2 * np.pi * rng.uniform(80, 4000) * t + rng.uniform(0, 2 * np.pi))
    loudness = rng.uniform(0.25, 0.6)
    pitch = rng.uniform(0.93, 1.07)
    length = {'click': 0.04, 'thud': 0.25}.get(kind, rng.uniform(0.12, 0.2))
    for when in events + rng.uniform(-0.03, 0.03, len(events)):
        sound = _event_sound(kind, rng, sample_rate, pitch, length)
        start = int(round(when * sample_rate))
        stop = min(n, start + len(sound))
        if stop > start >= 0:
            wav[start:stop] += loudness * rng.uniform(0.8, 1.0) * \
                sound[:stop - start]
    return np.clip(wav, -1, 1).astype(np.float32)


def render_clip(visual: str, sound: str, seed_key: Sequence[int],
                n_frames: int, fps: float, size: int,
                sample_rate: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(frames, wav, events)`` of one clip drawn from ``seed_key``."""
    seconds = n_frames / fps
    events = draw_events(np.random.default_rng(list(seed_key) + [10]),
                         seconds)
    frames = render_visual(visual, events,
                           np.random.default_rng(list(seed_key) + [11]),
                           n_frames, fps, size)
    wav = render_sound(sound, events,
                       np.random.default_rng(list(seed_key) + [12]), seconds,
                       sample_rate)
    return frames, wav, events
