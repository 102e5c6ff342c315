"""Fixtures of the data-path tests (media in a session temp dir)."""
from pathlib import Path
from typing import Callable

import pytest
from helpers.av_media import write_av


@pytest.fixture(scope='session')
def media(tmp_path_factory) -> dict:
    """A few small videos (and broken files) shared by the tests."""
    root = tmp_path_factory.mktemp('media')
    files = dict(
        mono24=write_av(root / 'mono24.mp4'),
        stereo48=write_av(root / 'stereo48.mp4', sample_rate=48000,
                          amplitudes=(0.4, 0.2)),
        mono44=write_av(root / 'mono44.mp4', sample_rate=44100),
        silent=write_av(root / 'silent.mp4', amplitudes=(0.0, )),
        no_audio=write_av(root / 'no_audio.mp4', sample_rate=None),
        short8=write_av(root / 'short8.mp4', n_frames=8),
    )
    files['empty'] = root / 'empty.mp4'
    files['empty'].write_bytes(b'')
    files['truncated'] = root / 'truncated.mp4'
    data = files['mono24'].read_bytes()
    files['truncated'].write_bytes(data[:len(data) // 2])
    return files


@pytest.fixture
def av_writer() -> Callable[..., Path]:
    """:func:`write_av`, for tests that need their own media."""
    return write_av


@pytest.fixture(autouse=True)
def clean_bad_sample_registry(monkeypatch):
    """Each test starts with an empty bad-sample registry and no log file."""
    from avcl_mm.datasets.bad_sample import ENV_LOG, reset_bad_samples
    monkeypatch.delenv(ENV_LOG, raising=False)
    reset_bad_samples()
    yield
    reset_bad_samples()
