"""Helpers for the data-path tests: tiny synthetic media written with PyAV
and the shared media files (skipped when absent)."""
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import pytest

# The CI clones the repository with shared/ beside it.
SHARED_MEDIA = Path(__file__).resolve().parents[2].parent / 'shared' / \
    'data' / 'media'


def shared_media(name: str) -> Path:
    """Path of a shared media file, skipping the test when it is absent."""
    path = SHARED_MEDIA / name
    if not path.is_file():
        pytest.skip(f'shared media {path} not available')
    return path


def frame_value(index: int) -> int:
    """Grey level of frame ``index`` in :func:`write_av` videos."""
    return (index * 23) % 200 + 20


def write_av(path: Path,
             n_frames: int = 20,
             fps: int = 10,
             size: Sequence[int] = (32, 40),
             sample_rate: Optional[int] = 24000,
             amplitudes: Sequence[float] = (0.5, ),
             freq: float = 440.0,
             seconds: Optional[float] = None,
             codec: str = 'aac') -> Path:
    """Write an mp4 with an H.264 video of flat grey frames
    (:func:`frame_value`) and, unless ``sample_rate`` is None, a sine audio
    track with one channel per entry of ``amplitudes``."""
    import av
    path = Path(path)
    height, width = size
    seconds = n_frames / fps if seconds is None else seconds
    with av.open(str(path), 'w') as out:
        video = out.add_stream('libx264', rate=fps)
        video.width, video.height, video.pix_fmt = width, height, 'yuv420p'
        if sample_rate:
            layout = 'mono' if len(amplitudes) == 1 else 'stereo'
            audio = out.add_stream(codec, rate=sample_rate)
            audio.layout = layout
        for i in range(n_frames):
            img = np.full((height, width, 3), frame_value(i), np.uint8)
            for packet in video.encode(
                    av.VideoFrame.from_ndarray(img, format='rgb24')):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if sample_rate:
            t = np.arange(int(round(seconds * sample_rate))) / sample_rate
            wav = np.stack([a * np.sin(2 * np.pi * freq * t)
                            for a in amplitudes]).astype(np.float32)
            step = 1024
            for start in range(0, wav.shape[1], step):
                frame = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(wav[:, start:start + step]),
                    format='fltp', layout=layout)
                frame.sample_rate, frame.pts = sample_rate, start
                for packet in audio.encode(frame):
                    out.mux(packet)
            for packet in audio.encode():
                out.mux(packet)
    return path
