"""Package metadata for users' own environments: version ranges, extras, a
lock file only for tools/setup_env.sh, and no torchaudio anywhere."""
import ast
import os
import os.path as osp
import subprocess
import sys
from importlib import metadata

import pytest
from packaging.requirements import Requirement

from helpers.runs import REPO, demo_options


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


def test_pip_install_into_an_existing_mmaction2_environment(tmp_path,
                                                            tiny_demo):
    """A user's environment already holds torch, mmcv and mmaction2 (here:
    a new venv that sees this project's stack through a .pth file, and no
    package index): `pip install -e .` resolves every requirement from what
    is there, replaces nothing, and the demo config then trains and
    tools/infer.py classifies a clip with that environment's python."""
    import site
    import torch
    env = tmp_path / 'user_env'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(env)],
                   check=True)
    py = str(env / 'bin' / 'python')
    packages = subprocess.run(
        [py, '-c', 'import site; print(site.getsitepackages()[0])'],
        check=True, capture_output=True, text=True).stdout.strip()
    existing = [p for p in site.getsitepackages() if osp.isdir(p)][0]
    with open(osp.join(packages, 'existing_stack.pth'), 'w') as f:
        f.write(existing + '\n')  # torch, mmcv, mmaction2, pip, ...
    proc = subprocess.run(
        [py, '-m', 'pip', 'install', '--no-index', '--no-build-isolation',
         '--disable-pip-version-check', '-e', REPO],
        capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert 'Successfully installed avcl' in proc.stdout, proc.stdout[-2000:]
    assert 'torch' not in proc.stdout.split('Successfully installed')[-1]
    check = subprocess.run(
        [py, '-c', 'import avcl_mm, torch, mmaction; '
         'print(avcl_mm.__file__, torch.__version__)'],
        capture_output=True, text=True, cwd=str(tmp_path), timeout=300)
    assert check.returncode == 0, check.stderr[-3000:]
    where, version = check.stdout.split()[-2:]
    assert where.startswith(REPO) and version == torch.__version__
    work = tmp_path / 'work'
    opts = demo_options(tiny_demo, work) + ['train_cfg.max_epochs=1',
                                            'train_cfg.val_interval=1']
    env_vars = dict(os.environ, CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1')
    train = subprocess.run(
        [py, 'tools/train.py', 'configs/demo/avcl_r3d_demo_finetune.py',
         '--seed', '0', '--cfg-options', *opts],
        cwd=REPO, capture_output=True, text=True, timeout=600, env=env_vars)
    assert train.returncode == 0, train.stderr[-3000:]
    ckpt = open(work / 'last_checkpoint').read().strip()
    infer = subprocess.run(
        [py, 'tools/infer.py', 'configs/demo/avcl_r3d_demo_finetune.py',
         ckpt, str(tiny_demo / 'videos' / 'test' / 'up_clicks_000.mp4'),
         '--top-k', '2', '--classes', str(tiny_demo / 'classes.txt')],
        cwd=REPO, capture_output=True, text=True, timeout=600, env=env_vars)
    assert infer.returncode == 0, infer.stderr[-3000:]
    assert 'up_clicks' in infer.stdout or 'down_tone' in infer.stdout, \
        infer.stdout
