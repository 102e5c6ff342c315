"""Safe checkpoint loading and crash-proof writing, without patching
mmengine.

- **Loading.** torch >= 2.6 loads with ``weights_only=True`` by default and
  refuses the numpy arrays, numpy dtypes and ``HistoryBuffer`` objects that
  mmengine stores, so ``--resume``, ``load_from`` and testing failed.
  ``import avcl_mm`` allowlists exactly the classes mmengine and avcl_mm
  store (:data:`SAFE_GLOBALS`) through torch's own allowlist API
  (``torch.serialization.add_safe_globals``, torch >= 2.4), so safe loading
  stays on. :func:`safe_loading` makes a load safe whatever the torch
  default (``TORCH_FORCE_WEIGHTS_ONLY_LOAD``, torch's switch) and turns a
  refusal into :class:`UnsafeCheckpointError` naming the file, the refused
  class and the opt-in for trusted legacy files; ``AVRunner`` loads through
  it, and so do avcl_mm's tools (:func:`safe_torch_load`). torch < 2.4 has
  no allowlist: :func:`safe_torch_load` unpickles through its own
  restricted unpickler there, and the Runner's loads are plain mmengine's
  (full unpickling, one warning).
- **Saving.** ``HistoryBuffer`` pickles its statistics methods through
  ``getattr``, which no safe loader may allow. ``import avcl_mm`` registers
  with ``copyreg`` (the standard library's pickling registry) that a
  ``HistoryBuffer`` is saved as its data alone.
- **Atomic writes.** :func:`atomic_save` / :func:`atomic_write_text` write
  to a hidden temporary file beside the target (``.epoch_3.pth.<random>
  .tmp``: never a ``*.pth``), flush it to disk and rename it into place, so
  a run killed while saving never leaves a half-written file; ``AVRunner``
  and ``SafeCheckpointHook`` write checkpoints this way.

Opt-in for trusted legacy files (e.g. checkpoints written by plain mmaction2
with a ``HistoryBuffer`` pickled through ``getattr``): set the environment
variable ``AVCL_TRUST_CHECKPOINTS=1`` or wrap the load in
``with trusted_checkpoints(): ...``. Only do this for files you made yourself.
"""
import contextlib
import copyreg
import os
import os.path as osp
import pickle
import tempfile
import threading
import warnings
from typing import Callable, Iterator, List

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

TRUST_ENV = 'AVCL_TRUST_CHECKPOINTS'
_FORCE_SAFE, _FORCE_FULL = ('TORCH_FORCE_WEIGHTS_ONLY_LOAD',
                            'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD')
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


def _torch_has_allowlist() -> bool:
    return hasattr(torch.serialization, 'add_safe_globals')


def add_safe_globals(objs: List[object]) -> None:
    """Allowlist more classes (e.g. a custom hook's state) for loading."""
    new = [o for o in objs if o not in SAFE_GLOBALS]
    SAFE_GLOBALS.extend(new)
    if _torch_has_allowlist():
        torch.serialization.add_safe_globals(new)


def _reduce_history_buffer(buffer: HistoryBuffer):
    """Pickle a ``HistoryBuffer`` as its data (no statistics methods)."""
    state = dict(max_length=buffer.max_length,
                 _log_history=buffer._log_history,
                 _count_history=buffer._count_history)
    return copyreg.__newobj__, (HistoryBuffer, ), state


def register() -> None:
    """Allowlist :data:`SAFE_GLOBALS` with torch and register the data-only
    pickling of ``HistoryBuffer`` (done once, by ``import avcl_mm``)."""
    if _torch_has_allowlist():
        torch.serialization.add_safe_globals(list(SAFE_GLOBALS))
    copyreg.pickle(HistoryBuffer, _reduce_history_buffer)


def _trusted() -> bool:
    return os.environ.get(TRUST_ENV, '') not in ('', '0') or \
        getattr(_state, 'trusted', 0) > 0


@contextlib.contextmanager
def trusted_checkpoints() -> Iterator[None]:
    """Load checkpoints in full (``weights_only=False``) inside this block;
    for trusted files only."""
    _state.trusted = getattr(_state, 'trusted', 0) + 1
    try:
        yield
    finally:
        _state.trusted -= 1


def _refusal(err: Exception, filename) -> UnsafeCheckpointError:
    msg = str(err)
    reason = msg.split('WeightsUnpickler error:')[-1].strip().split('\n')[0]
    return UnsafeCheckpointError(
        f'Refusing to unpickle checkpoint "{filename}": {reason}. '
        'avcl_mm loads checkpoints safely (weights_only=True) with an '
        'allowlist of the classes mmengine and avcl_mm store. If you made '
        'this file yourself (e.g. an older mmaction2 checkpoint), set '
        f'{TRUST_ENV}=1 or use '
        '`avcl_mm.engine.checkpoint.trusted_checkpoints()`; to allow one '
        'more class safely, call '
        '`avcl_mm.engine.checkpoint.add_safe_globals([cls])`.')


def _is_refusal(err: Exception) -> bool:
    msg = str(err)
    return 'Weights only load failed' in msg or 'WeightsUnpickler' in msg


_warned_old_torch = False


def _warn_old_torch() -> None:
    global _warned_old_torch
    if not _warned_old_torch:
        _warned_old_torch = True
        warnings.warn(
            f'torch {torch.__version__} has no allowlist for safe checkpoint '
            'loading (torch >= 2.4 has): mmengine loads checkpoints in full '
            "here, as it always does; avcl_mm's tools use their own "
            'restricted unpickler. Load only files you trust, or upgrade '
            'torch.', stacklevel=3)


@contextlib.contextmanager
def safe_loading(filename='checkpoint') -> Iterator[None]:
    """Every ``torch.load`` inside this block that leaves ``weights_only``
    unset loads safely (``weights_only=True`` with the allowlist), or in
    full under :func:`trusted_checkpoints` / ``AVCL_TRUST_CHECKPOINTS``;
    a refused file raises :class:`UnsafeCheckpointError` naming
    ``filename`` and the fixes. torch < 2.4: no effect (one warning)."""
    if not _torch_has_allowlist():
        _warn_old_torch()
        yield
        return
    key, other = (_FORCE_FULL, _FORCE_SAFE) if _trusted() else \
        (_FORCE_SAFE, _FORCE_FULL)
    saved = {k: os.environ.pop(k, None) for k in (key, other)}
    os.environ[key] = '1'
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', message='Environment variable '
                                    'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD')
            yield
    except Exception as err:  # torch raises UnpicklingError/RuntimeError
        if _is_refusal(err):
            raise _refusal(err, filename) from None
        raise
    finally:
        for k, value in saved.items():
            if value is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = value


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickler of torch < 2.4 that takes only torch's own weights-only
    globals and :data:`SAFE_GLOBALS`."""

    def find_class(self, module: str, name: str):
        from torch import _weights_only_unpickler as wou
        allowed = dict(wou._get_allowed_globals())
        allowed.update({f'{o.__module__}.{o.__qualname__}': o
                        for o in SAFE_GLOBALS})
        allowed['_codecs.encode'] = __import__('codecs').encode
        key = f'{module}.{name}'
        if key not in allowed:
            raise pickle.UnpicklingError(
                f'Weights only load failed. WeightsUnpickler error: '
                f'Unsupported global: GLOBAL {key}')
        return allowed[key]


class _RestrictedPickle:
    """A ``pickle_module`` for ``torch.load`` (torch < 2.4)."""
    Unpickler = _RestrictedUnpickler
    load = staticmethod(lambda f, **kw: _RestrictedUnpickler(f, **kw).load())
    __name__ = 'avcl_restricted_pickle'


def safe_torch_load(filename, map_location=None):
    """``torch.load`` of a checkpoint, safely: ``weights_only=True`` with the
    avcl_mm allowlist (a restricted unpickler on torch < 2.4), or in full
    for trusted files (see :func:`trusted_checkpoints`).

    Raises:
        UnsafeCheckpointError: the file needs a class outside the allowlist.
    """
    if _trusted():
        return torch.load(filename, map_location=map_location,
                          weights_only=False)
    if _torch_has_allowlist():
        with safe_loading(filename):
            return torch.load(filename, map_location=map_location,
                              weights_only=True)
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=False, pickle_module=_RestrictedPickle)
    except pickle.UnpicklingError as err:
        raise _refusal(err, filename) from None


def _temp_prefix(filename: str) -> str:
    return f'.{osp.basename(filename)}.'


def remove_stale_temps(filename: str, older_than: float) -> None:
    """Remove temporaries of ``filename`` left by killed writes: those not
    modified since ``older_than`` (a write still in progress keeps touching
    its file)."""
    folder, prefix = osp.dirname(osp.abspath(filename)), _temp_prefix(filename)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith('.tmp')):
            continue
        path = osp.join(folder, name)
        try:
            if os.stat(path).st_mtime < older_than:
                os.remove(path)
        except OSError:  # gone already, or not ours to remove
            pass


def temp_path(filename: str) -> str:
    """A fresh hidden temporary path beside ``filename`` (created empty, with
    the usual permissions)."""
    folder = osp.dirname(osp.abspath(filename))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(filename), suffix='.tmp',
                               dir=folder)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; keep usual perms
    return tmp


def replace_atomically(tmp: str, filename: str) -> None:
    """Flush ``tmp`` to disk and rename it to ``filename``; remove the
    leftovers of earlier killed writes of ``filename``."""
    started = os.stat(tmp).st_mtime
    with open(tmp, 'rb+') as f:
        os.fsync(f.fileno())
    os.replace(tmp, filename)
    remove_stale_temps(filename, older_than=started)


def _atomic_write(filename: str, write: Callable) -> None:
    """Call ``write(file_object)`` on a temporary file beside ``filename``,
    then rename it into place."""
    tmp = temp_path(filename)
    try:
        with open(tmp, 'wb') as f:
            write(f)
        replace_atomically(tmp, filename)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def atomic_save(obj, filename: str) -> None:
    """``torch.save`` to ``filename`` through a temporary file + rename."""
    _atomic_write(str(filename), lambda f: torch.save(obj, f))


def atomic_write_text(filename: str, text: str) -> None:
    """Write ``text`` to ``filename`` through a temporary file + rename."""
    _atomic_write(str(filename), lambda f: f.write(text.encode('utf-8')))
