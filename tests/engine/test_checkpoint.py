"""Safe and atomic checkpoints (avcl_mm/engine/checkpoint.py)."""
import os

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

import avcl_mm  # noqa: F401  (installs the patches)
from avcl_mm.engine import checkpoint as ckpt


class _Custom:  # a class no allowlist knows

    def __init__(self):
        self.x = 1


class _Unpicklable:

    def __reduce__(self):
        raise RuntimeError('boom while pickling')


def _mmengine_like_checkpoint():
    buf = HistoryBuffer()
    for v in (0.5, 0.25):
        buf.update(v)
    return dict(
        meta=dict(epoch=1, iter=2, seed=0),
        state_dict={'w': torch.ones(2)},
        message_hub=dict(
            log_scalars={'train/loss': buf},
            runtime_info=dict(eta=np.float64(3.5), iter=np.int64(2)),
            resumed_keys={}),
        arr=np.arange(3, dtype=np.float32))


def test_mmengine_checkpoint_round_trips_with_weights_only(tmp_path):
    path = str(tmp_path / 'epoch_1.pth')
    ckpt.atomic_save(_mmengine_like_checkpoint(), path)
    loaded = _load_checkpoint(path, map_location='cpu')
    hub = loaded['message_hub']
    assert isinstance(hub['log_scalars']['train/loss'], HistoryBuffer)
    assert hub['log_scalars']['train/loss'].mean() == pytest.approx(0.375)
    assert hub['runtime_info']['eta'] == 3.5
    np.testing.assert_array_equal(loaded['arr'], np.arange(3))
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))


def test_history_buffer_pickles_without_getattr(tmp_path):
    import pickle
    import pickletools
    buf = HistoryBuffer()
    buf.update(1.0)
    ops = [arg for op, arg, _ in pickletools.genops(pickle.dumps(buf, 2))
           if op.name == 'GLOBAL']
    assert not any('getattr' in str(a) for a in ops)


def test_unknown_class_is_refused_with_file_and_fix(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save({'obj': _Custom()}, path)
    with pytest.raises(ckpt.UnsafeCheckpointError) as info:
        _load_checkpoint(path, map_location='cpu')
    msg = str(info.value)
    assert path in msg and ckpt.TRUST_ENV in msg and '_Custom' in msg


def test_trusted_opt_in_loads_legacy_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'legacy.pth')
    torch.save({'obj': _Custom()}, path)
    with ckpt.trusted_checkpoints():
        assert _load_checkpoint(path, map_location='cpu')['obj'].x == 1
    with pytest.raises(ckpt.UnsafeCheckpointError):
        _load_checkpoint(path, map_location='cpu')
    monkeypatch.setenv(ckpt.TRUST_ENV, '1')
    assert _load_checkpoint(path, map_location='cpu')['obj'].x == 1


def test_failed_save_keeps_previous_checkpoint_and_no_temp(tmp_path):
    path = str(tmp_path / 'latest.pth')
    ckpt.atomic_save({'v': torch.tensor(1.0)}, path)
    with pytest.raises(RuntimeError, match='boom'):
        ckpt.atomic_save({'v': _Unpicklable()}, path)
    assert os.listdir(tmp_path) == ['latest.pth']
    assert _load_checkpoint(path, map_location='cpu')['v'].item() == 1.0


def test_runner_save_checkpoint_goes_through_atomic_writer():
    from mmengine.runner import runner as mme_runner
    assert mme_runner.save_checkpoint.__wrapped__ is not None
    assert mme_runner.save_checkpoint is \
        __import__('mmengine.runner.checkpoint',
                   fromlist=['x']).save_checkpoint


def _torch_without(monkeypatch, *names):
    """torch.serialization as an older torch has it (APIs removed)."""
    for name in names:
        monkeypatch.delattr(torch.serialization, name, raising=False)


def test_torch_2_4_path_loads_safely_with_the_process_allowlist(
        tmp_path, monkeypatch):
    path = str(tmp_path / 'epoch_1.pth')
    ckpt.atomic_save(_mmengine_like_checkpoint(), path)
    registered, loads = [], []
    real_add, real_load = torch.serialization.add_safe_globals, torch.load

    def add(objs):  # torch 2.4's process-wide allowlist
        registered.extend(objs)
        real_add(objs)

    def load(*args, **kwargs):
        loads.append(kwargs.get('weights_only'))
        return real_load(*args, **kwargs)

    before = list(torch.serialization.get_safe_globals())
    _torch_without(monkeypatch, 'safe_globals')
    monkeypatch.setattr(torch.serialization, 'add_safe_globals', add)
    monkeypatch.setattr(torch, 'load', load)
    try:
        loaded = ckpt.safe_torch_load(path, map_location='cpu')
    finally:  # leave torch's process-wide allowlist as it was
        torch.serialization.clear_safe_globals()
        real_add(before)
    assert loads == [True]  # weights_only stays on
    assert HistoryBuffer in registered
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))


def test_torch_before_2_4_warns_once_and_loads(tmp_path, monkeypatch):
    path = str(tmp_path / 'epoch_1.pth')
    ckpt.atomic_save(_mmengine_like_checkpoint(), path)
    _torch_without(monkeypatch, 'safe_globals', 'add_safe_globals')
    monkeypatch.setattr(ckpt, '_warned_old_torch', False)
    with pytest.warns(UserWarning, match='no allowlist'):
        loaded = ckpt.safe_torch_load(path, map_location='cpu')
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # the second load stays quiet
        ckpt.safe_torch_load(path, map_location='cpu')
