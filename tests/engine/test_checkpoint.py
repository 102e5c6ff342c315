"""Safe and atomic checkpoints (avcl_mm/engine/checkpoint.py), without
patching mmengine."""
import os

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint

import avcl_mm  # noqa: F401  (registers the allowlist)
from avcl_mm.engine import checkpoint as ckpt


class _Custom:  # a class no allowlist knows

    def __init__(self):
        self.x = 1


class _Unpicklable:

    def __reduce__(self):
        raise RuntimeError('boom while pickling')


# torch >= 2.4 has the allowlist API; before it, the Runner's loads are
# mmengine's (full unpickling) and only safe_torch_load is restricted
ALLOWLIST = hasattr(torch.serialization, 'add_safe_globals')
needs_allowlist = pytest.mark.skipif(
    not ALLOWLIST, reason=f'torch {torch.__version__} has no allowlist API')


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


@needs_allowlist
def test_mmengine_checkpoint_round_trips_with_weights_only(tmp_path):
    """mmengine's own loader (torch's default weights_only=True here)
    reads what mmengine stores: the allowlist is registered with torch."""
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
    again = pickle.loads(pickle.dumps(buf, 2))
    assert again.mean() == 1.0 and again.max_length == buf.max_length


def test_unknown_class_is_refused_with_file_and_fix(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save({'obj': _Custom()}, path)
    loads = [lambda: ckpt.safe_torch_load(path, map_location='cpu')]
    if ALLOWLIST:
        loads.append(lambda: _safe_mmengine_load(path))
    for load in loads:
        with pytest.raises(ckpt.UnsafeCheckpointError) as info:
            load()
        msg = str(info.value)
        assert path in msg and ckpt.TRUST_ENV in msg and '_Custom' in msg


def _safe_mmengine_load(path):
    with ckpt.safe_loading(path):  # what AVRunner.load_checkpoint does
        return _load_checkpoint(path, map_location='cpu')


@needs_allowlist
def test_trusted_opt_in_loads_legacy_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'legacy.pth')
    torch.save({'obj': _Custom()}, path)
    with ckpt.trusted_checkpoints():
        assert ckpt.safe_torch_load(path, 'cpu')['obj'].x == 1
        assert _safe_mmengine_load(path)['obj'].x == 1
    with pytest.raises(ckpt.UnsafeCheckpointError):
        _safe_mmengine_load(path)
    monkeypatch.setenv(ckpt.TRUST_ENV, '1')
    assert _safe_mmengine_load(path)['obj'].x == 1


@needs_allowlist
def test_safe_loading_forces_weights_only_and_restores_the_environment(
        tmp_path, monkeypatch):
    """torch 2.4 / 2.5 default to full unpickling: inside safe_loading a
    load that leaves weights_only unset is safe whatever torch's default."""
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')  # a user's
    path = str(tmp_path / 'evil.pth')
    torch.save({'obj': _Custom()}, path)
    with pytest.raises(ckpt.UnsafeCheckpointError):
        with ckpt.safe_loading(path):
            assert os.environ['TORCH_FORCE_WEIGHTS_ONLY_LOAD'] == '1'
            assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in os.environ
            torch.load(path)
    assert os.environ['TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'] == '1'
    assert 'TORCH_FORCE_WEIGHTS_ONLY_LOAD' not in os.environ


def test_failed_save_keeps_previous_checkpoint_and_no_temp(tmp_path):
    path = str(tmp_path / 'latest.pth')
    ckpt.atomic_save({'v': torch.tensor(1.0)}, path)
    with pytest.raises(RuntimeError, match='boom'):
        ckpt.atomic_save({'v': _Unpicklable()}, path)
    assert os.listdir(tmp_path) == ['latest.pth']
    assert _load_checkpoint(path, map_location='cpu')['v'].item() == 1.0


def test_import_leaves_mmengine_unpatched():
    """Checkpoint behaviour comes from classes the configs choose
    (AVRunner, SafeCheckpointHook), not from patches at import."""
    from mmengine.hooks import CheckpointHook
    from mmengine.runner import checkpoint as mme_checkpoint
    from mmengine.runner import runner as mme_runner
    assert not hasattr(mme_checkpoint.save_checkpoint, '__wrapped__')
    assert mme_runner.save_checkpoint is mme_checkpoint.save_checkpoint
    method = CheckpointHook._save_checkpoint_with_step
    assert method.__module__ == 'mmengine.hooks.checkpoint_hook'
    assert HistoryBuffer.__getstate__.__module__ == \
        'mmengine.logging.history_buffer'
    loader = mme_checkpoint.CheckpointLoader._schemes['']
    assert loader.__module__ == 'mmengine.runner.checkpoint'


def _torch_without(monkeypatch, *names):
    """torch.serialization as an older torch has it (APIs removed)."""
    for name in names:
        monkeypatch.delattr(torch.serialization, name, raising=False)


def test_trusted_opt_in_loads_a_legacy_file_with_the_tools(tmp_path,
                                                            monkeypatch):
    path = str(tmp_path / 'legacy.pth')
    torch.save({'obj': _Custom()}, path)
    with ckpt.trusted_checkpoints():
        assert ckpt.safe_torch_load(path, 'cpu')['obj'].x == 1
    with pytest.raises(ckpt.UnsafeCheckpointError):
        ckpt.safe_torch_load(path, 'cpu')
    monkeypatch.setenv(ckpt.TRUST_ENV, '1')
    assert ckpt.safe_torch_load(path, 'cpu')['obj'].x == 1


def test_torch_before_2_4_loads_through_a_restricted_unpickler(
        tmp_path, monkeypatch):
    path = str(tmp_path / 'epoch_1.pth')
    ckpt.atomic_save(_mmengine_like_checkpoint(), path)
    _torch_without(monkeypatch, 'add_safe_globals')
    loaded = ckpt.safe_torch_load(path, map_location='cpu')
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))
    assert loaded['message_hub']['log_scalars']['train/loss'].mean() == \
        pytest.approx(0.375)
    evil = str(tmp_path / 'evil.pth')
    torch.save({'obj': _Custom()}, evil)
    with pytest.raises(ckpt.UnsafeCheckpointError, match='_Custom'):
        ckpt.safe_torch_load(evil, map_location='cpu')


def test_torch_before_2_4_runner_loads_warn_once(tmp_path, monkeypatch):
    _torch_without(monkeypatch, 'add_safe_globals')
    monkeypatch.setattr(ckpt, '_warned_old_torch', False)
    with pytest.warns(UserWarning, match='no allowlist'):
        with ckpt.safe_loading('x.pth'):
            pass
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # the second load stays quiet
        with ckpt.safe_loading('x.pth'):
            pass
