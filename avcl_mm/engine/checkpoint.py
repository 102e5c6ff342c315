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
3. **Atomic writes.** A checkpoint is written to a hidden temporary file in
   the same folder (``.epoch_3.pth.<random>.tmp``: never a ``*.pth``) and
   renamed into place, so a run killed while saving never leaves a
   half-written ``.pth`` behind. The leftover of a killed write is removed by
   the next successful write of the same checkpoint.
4. **Checkpoint rotation.** mmengine's ``CheckpointHook`` with
   ``max_keep_ckpts`` deletes the oldest checkpoint *before* writing the new
   one and updates ``last_checkpoint`` after it: a run killed during the
   write (seconds for a large model) was left with no checkpoint at all and a
   ``last_checkpoint`` naming a deleted file, so ``--resume`` failed and the
   whole run was lost. The outdated checkpoint is now deleted only after the
   new one and ``last_checkpoint`` (also written atomically) are on disk.

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


_warned_old_torch = False


def _allowlisted_load(filename, map_location=None):
    """``torch.load(weights_only=True)`` with :data:`SAFE_GLOBALS` allowed,
    through the API this torch has: the scoped ``safe_globals`` context
    (torch >= 2.5) or the process-wide ``add_safe_globals`` (torch 2.4).
    torch < 2.4 has no allowlist, and its ``weights_only=True`` refuses the
    numpy objects every mmengine checkpoint holds: there torch's own default
    (full unpickling) is used, with one warning."""
    global _warned_old_torch
    ser = torch.serialization
    if hasattr(ser, 'safe_globals'):
        with ser.safe_globals(SAFE_GLOBALS):
            return torch.load(filename, map_location=map_location,
                              weights_only=True)
    if hasattr(ser, 'add_safe_globals'):
        ser.add_safe_globals(SAFE_GLOBALS)
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    if not _warned_old_torch:
        _warned_old_torch = True
        import warnings
        warnings.warn(
            f'torch {torch.__version__} has no allowlist for safe checkpoint '
            'loading (torch >= 2.4 has): checkpoints are unpickled in full, '
            'as plain mmengine does. Load only files you trust, or upgrade '
            'torch.', stacklevel=3)
    return torch.load(filename, map_location=map_location,
                      weights_only=False)


def safe_torch_load(filename, map_location=None):
    """``torch.load`` with ``weights_only=True`` and the avcl_mm allowlist.

    Raises:
        UnsafeCheckpointError: the file needs a class outside the allowlist.
    """
    if _trusted():
        return torch.load(filename, map_location=map_location,
                          weights_only=False)
    try:
        return _allowlisted_load(filename, map_location)
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


def _temp_prefix(filename: str) -> str:
    return f'.{osp.basename(filename)}.'


def _remove_stale_temps(filename: str, older_than: float) -> None:
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


def _atomic_write(filename: str, write: Callable) -> None:
    """Call ``write(file_object)`` on a hidden temporary file beside
    ``filename``, flush it to disk and rename it to ``filename``."""
    folder = osp.dirname(osp.abspath(filename))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(filename), suffix='.tmp',
                               dir=folder)
    started = os.stat(tmp).st_mtime
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; keep usual perms
    try:
        with os.fdopen(fd, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filename)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    _remove_stale_temps(filename, older_than=started)


def atomic_save(obj, filename: str) -> None:
    """``torch.save`` to ``filename`` through a temporary file + rename."""
    _atomic_write(str(filename), lambda f: torch.save(obj, f))


def atomic_write_text(filename: str, text: str) -> None:
    """Write ``text`` to ``filename`` through a temporary file + rename."""
    _atomic_write(str(filename), lambda f: f.write(text.encode('utf-8')))


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


def _save_checkpoint_then_rotate(self, runner, step: int, meta: dict):
    """``CheckpointHook._save_checkpoint_with_step`` of mmengine 0.10 with a
    crash-safe order: write the new checkpoint, then ``last_checkpoint``
    (atomically), and only then delete the checkpoint that ``max_keep_ckpts``
    pushed out. At every instant the work dir holds a complete checkpoint
    that ``last_checkpoint`` names."""
    from mmengine.dist import is_main_process
    outdated = None
    if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                        self.keep_ckpt_ids[-1] == step):
        if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
            outdated = self.keep_ckpt_ids.popleft()
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids',
                                       list(self.keep_ckpt_ids))
    filename = self.filename_tmpl.format(step)
    self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
    runner.message_hub.update_info('last_ckpt', self.last_ckpt)
    runner.save_checkpoint(
        self.out_dir, filename, self.file_client_args,
        save_optimizer=self.save_optimizer,
        save_param_scheduler=self.save_param_scheduler, meta=meta,
        by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)
    if not is_main_process():
        return
    atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'),
                      str(self.last_ckpt))
    if outdated is None or outdated == step:
        return
    old = self.file_backend.join_path(self.out_dir,
                                      self.filename_tmpl.format(outdated))
    if self.file_backend.isfile(old):
        self.file_backend.remove(old)
    elif self.file_backend.isdir(old):  # deepspeed saves folders
        self.file_backend.rmtree(old)


def install() -> None:
    """Patch mmengine once: safe local loading, clean ``HistoryBuffer``
    pickling, atomic checkpoint writes, crash-safe checkpoint rotation.
    Idempotent."""
    if getattr(install, '_done', False):
        return
    mme_checkpoint.CheckpointLoader.register_scheme(
        prefixes='', loader=_load_from_local, force=True)
    HistoryBuffer.__getstate__ = _history_buffer_getstate
    from mmengine.runner import runner as mme_runner
    patched = _make_atomic_save_checkpoint(mme_checkpoint.save_checkpoint)
    mme_checkpoint.save_checkpoint = patched
    mme_runner.save_checkpoint = patched
    from mmengine.hooks import CheckpointHook
    if hasattr(CheckpointHook, '_save_checkpoint_with_step'):
        CheckpointHook._save_checkpoint_with_step = \
            _save_checkpoint_then_rotate
    install._done = True


install()
