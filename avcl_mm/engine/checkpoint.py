"""Safe, crash-proof checkpoints for mmengine 0.10.7 on torch >= 2.6.

Three problems are fixed here, on ``import avcl_mm``:

1. **Loading.** torch >= 2.6 loads with ``weights_only=True`` by default and
   refuses the numpy arrays, numpy dtypes and ``HistoryBuffer`` objects that
   mmengine stores, so ``--resume``, ``load_from`` and ``tools/test.py`` all
   failed. We keep safe loading on and allowlist exactly the classes mmengine
   and avcl_mm store (:data:`SAFE_GLOBALS`). A file that needs anything else
   raises :class:`UnsafeCheckpointError` naming the file, the refused global
   and the opt-in for trusted legacy files.
2. **Saving.** ``HistoryBuffer`` pickled its statistics methods through
   ``getattr``, which no safe loader may allow (``getattr`` reaches arbitrary
   code). We save only its data fields.
3. **Atomic writes.** A checkpoint is written to a temporary file in the same
   folder and renamed into place, so a run killed while saving never leaves a
   half-written ``.pth`` behind (the previous checkpoint stays intact).

Opt-in for trusted legacy files (e.g. checkpoints written by plain mmaction2
with a ``HistoryBuffer`` pickled through ``getattr``): set the environment
variable ``AVCL_TRUST_CHECKPOINTS=1`` or wrap the load in
``with trusted_checkpoints(): ...``. Only do this for files you made yourself.
"""
import contextlib
import os
import os.path as osp
import tempfile
import threading
from typing import Callable, Iterator, List

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import checkpoint as mme_checkpoint

TRUST_ENV = 'AVCL_TRUST_CHECKPOINTS'
_state = threading.local()


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint needs a class outside the allowlist to be unpickled."""


def _numpy_globals() -> List[object]:
    """numpy objects that appear in pickled arrays and scalars (numpy 1 and
    2 keep ``_reconstruct``/``scalar`` in different modules)."""
    objs: List[object] = [np.ndarray, np.dtype]
    for mod_name in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        try:
            mod = __import__(mod_name, fromlist=['_reconstruct'])
        except ImportError:
            continue
        objs += [mod._reconstruct, mod.scalar]
        break
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:  # numpy >= 1.25: one class per dtype
        objs += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return objs


SAFE_GLOBALS: List[object] = [HistoryBuffer] + _numpy_globals()
"""Everything besides tensors and plain containers that a checkpoint saved by
mmengine + avcl_mm may contain."""


def add_safe_globals(objs: List[object]) -> None:
    """Allowlist more classes (e.g. a custom hook's state) for loading."""
    SAFE_GLOBALS.extend(o for o in objs if o not in SAFE_GLOBALS)


def _trusted() -> bool:
    return (getattr(_state, 'trusted', False)
            or os.environ.get(TRUST_ENV, '') in ('1', 'true', 'yes'))


@contextlib.contextmanager
def trusted_checkpoints() -> Iterator[None]:
    """Load checkpoints with full unpickling inside this block.

    This executes code stored in the file: use it only for files you trust.
    """
    previous = getattr(_state, 'trusted', False)
    _state.trusted = True
    try:
        yield
    finally:
        _state.trusted = previous


def safe_torch_load(filename, map_location=None):
    """``torch.load`` with ``weights_only=True`` and the avcl_mm allowlist.

    Raises:
        UnsafeCheckpointError: the file needs a class outside the allowlist.
    """
    if _trusted():
        return torch.load(filename, map_location=map_location,
                          weights_only=False)
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.load(filename, map_location=map_location,
                              weights_only=True)
    except Exception as err:  # torch raises UnpicklingError/RuntimeError
        msg = str(err)
        if 'Weights only load failed' not in msg and \
                'WeightsUnpickler' not in msg:
            raise
        reason = msg.split('WeightsUnpickler error:')[-1].strip()
        reason = reason.split('\n')[0]
        raise UnsafeCheckpointError(
            f'Refusing to unpickle checkpoint "{filename}": {reason}. '
            'avcl_mm loads checkpoints safely (weights_only=True) with an '
            'allowlist of the classes mmengine and avcl_mm store. If you '
            'made this file yourself (e.g. an older mmaction2 checkpoint), '
            f'set {TRUST_ENV}=1 or use '
            '`avcl_mm.engine.checkpoint.trusted_checkpoints()`; to allow one '
            'more class safely, call '
            '`avcl_mm.engine.checkpoint.add_safe_globals([cls])`.') from None


def _load_from_local(filename, map_location):
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return safe_torch_load(filename, map_location=map_location)


def _history_buffer_getstate(self) -> dict:
    # Only data: the class-level statistics methods must not be pickled.
    return dict(max_length=self.max_length,
                _log_history=self._log_history,
                _count_history=self._count_history)


def atomic_save(obj, filename: str) -> None:
    """``torch.save`` to ``filename`` through a temporary file + rename."""
    folder = osp.dirname(osp.abspath(filename))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.tmp_', suffix='.pth', dir=folder)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; keep usual perms
    try:
        with os.fdopen(fd, 'wb') as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filename)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def _make_atomic_save_checkpoint(original: Callable) -> Callable:

    def save_checkpoint(checkpoint, filename, file_client_args=None,
                        backend_args=None):
        is_local = '://' not in str(filename)
        if is_local and file_client_args is None and backend_args is None:
            atomic_save(checkpoint, str(filename))
        else:
            original(checkpoint, filename, file_client_args=file_client_args,
                     backend_args=backend_args)

    save_checkpoint.__wrapped__ = original
    save_checkpoint.__doc__ = original.__doc__
    return save_checkpoint


def install() -> None:
    """Patch mmengine once: safe local loading, clean ``HistoryBuffer``
    pickling, atomic checkpoint writes. Idempotent."""
    if getattr(install, '_done', False):
        return
    mme_checkpoint.CheckpointLoader.register_scheme(
        prefixes='', loader=_load_from_local, force=True)
    HistoryBuffer.__getstate__ = _history_buffer_getstate
    from mmengine.runner import runner as mme_runner
    patched = _make_atomic_save_checkpoint(mme_checkpoint.save_checkpoint)
    mme_checkpoint.save_checkpoint = patched
    mme_runner.save_checkpoint = patched
    install._done = True


install()
