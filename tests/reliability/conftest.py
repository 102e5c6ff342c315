"""Fixtures of the reliability tests (tiny demo data made once a session)."""
import pytest

from helpers.reliability import make_tiny_demo


@pytest.fixture(scope='session')
def tiny_demo(tmp_path_factory) -> str:
    """12 training clips (6 classes x 2, 1 s each) of the demo dataset."""
    return make_tiny_demo(str(tmp_path_factory.mktemp('reliability_demo')))


@pytest.fixture(autouse=True)
def clean_bad_sample_registry(monkeypatch):
    """In-process tests start with an empty bad-sample registry."""
    from avcl_mm.datasets.bad_sample import ENV_LOG, reset_bad_samples
    monkeypatch.delenv(ENV_LOG, raising=False)
    reset_bad_samples()
    yield
    reset_bad_samples()


@pytest.fixture
def background():
    """Start tools in the background; whatever still runs at the end of the
    test (e.g. after a failed assertion) is killed."""
    from helpers.reliability import Background
    started = []

    def start(args, log_path, env=None):
        job = Background(args, log_path, env)
        started.append(job)
        return job

    yield start
    for job in started:
        job.kill()
