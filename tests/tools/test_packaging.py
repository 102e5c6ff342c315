"""Package metadata for users' own environments: version ranges, extras, a
lock file only for tools/setup_env.sh, and no torchaudio anywhere."""
import ast
import os.path as osp
import subprocess
import sys
from importlib import metadata

import pytest
from packaging.requirements import Requirement

from helpers.runs import REPO


def _setup_value(name):
    """A module-level constant of setup.py, read without running it."""
    tree = ast.parse(open(osp.join(REPO, 'setup.py')).read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and \
                getattr(node.targets[0], 'id', None) == name:
            return ast.literal_eval(node.value)
    raise KeyError(name)


def test_install_requires_are_ranges_the_tested_stack_satisfies():
    reqs = [Requirement(r) for r in _setup_value('INSTALL_REQUIRES')]
    names = {r.name for r in reqs}
    assert {'torch', 'mmengine', 'mmaction2', 'librosa'} <= names
    assert 'torchaudio' not in names and 'mmcv-lite' not in names
    for req in reqs:
        assert not any(s.operator == '==' for s in req.specifier), req
        version = metadata.version(req.name)
        assert req.specifier.contains(version, prereleases=True), \
            f'{req.name} {version} is outside {req}'
    mmaction = next(r for r in reqs if r.name == 'mmaction2')
    assert mmaction.specifier.contains('1.1.0')
    assert mmaction.specifier.contains('1.2.0')
    assert not mmaction.specifier.contains('1.3.0')


def test_extras_hold_the_optional_parts():
    extras = _setup_value('EXTRAS_REQUIRE')
    assert 'matplotlib' in extras['plot']
    assert 'tensorboard' in extras['tensorboard']
    assert {'soundfile', 'av'} <= set(extras['audio'])
    assert 'pytest' in extras['tests']


def test_lock_file_pins_the_stack_for_setup_env_only():
    lock = open(osp.join(REPO, 'requirements', 'lock.txt')).read()
    assert 'torch==' in lock and 'mmaction2==1.1.0' in lock
    assert 'torchaudio' not in lock
    assert not osp.exists(osp.join(REPO, 'requirements.txt'))
    assert 'requirements/lock.txt' in open(
        osp.join(REPO, 'tools', 'setup_env.sh')).read()
    assert 'lock' not in open(osp.join(REPO, 'setup.py')).read().split(
        'INSTALL_REQUIRES')[1].split(']')[0]


@pytest.mark.parametrize('rate', [24000, 16000])
def test_log_mel_and_wav_sidecars_work_without_torchaudio(tmp_path, rate):
    """torchaudio cannot be imported (``sys.modules`` entry ``None``): the
    data path still builds its mel filter bank and resamples sidecars."""
    script = f'''
import sys
sys.modules["torchaudio"] = None  # import torchaudio -> ImportError
import numpy as np, soundfile
import avcl_mm
from mmaction.registry import TRANSFORMS
from avcl_mm.datasets.transforms._audio_io import read_sidecar
t = np.arange({rate}) / {rate}
soundfile.write(r"{tmp_path}/a.wav", np.sin(2 * np.pi * 440 * t), {rate})
wav = read_sidecar(r"{tmp_path}/a.wav", 24000)
assert wav.dtype == np.float32 and abs(len(wav) - 24000) <= 1, len(wav)
out = TRANSFORMS.build(dict(type="LogMelSpectrogram", sample_rate=24000,
    win_length=240, hop_length=240, n_mels=256)).transform(
    dict(audio=wav, audio_sample_rate=24000))
assert out["audios"].shape[1] == 256, out["audios"].shape
assert np.isfinite(out["audios"]).all()
assert not any(m.startswith("torchaudio") and sys.modules[m] is not None
               for m in sys.modules)
print("ok")
'''
    proc = subprocess.run([sys.executable, '-c', script], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith('ok')
