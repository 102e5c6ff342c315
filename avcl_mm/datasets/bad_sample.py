"""Process-wide registry of bad input files (the bad-input policy).

Transforms and :class:`~avcl_mm.datasets.AudioVisualDataset` call
:func:`report_bad_sample` when a file cannot be used as is (no audio track,
unreadable or truncated video, non-finite samples). Each file is warned about
once per process and remembered with its reason, so that a hook can print
the count at the end of a run and write the list to the work dir.

Dataloader workers are separate processes: when the environment variable
``AVCL_BAD_SAMPLE_LOG`` names a file (set it with :func:`set_bad_sample_log`
before the workers start), every first report of a file in any process is
also appended to it as one ``path<TAB>reason`` line, and
:func:`bad_sample_summary` merges that file in.

Strict mode (:func:`set_strict_bad_input`, environment variable
``AVCL_BAD_INPUT_STRICT=1``, inherited by workers started afterwards): a
report raises :class:`BadSampleError` naming the file instead of letting the
caller substitute silence or another sample, so that *every* kind of bad
file - including a video without audio, which the transforms would otherwise
read as silence - stops the run at the first one. ``BadSampleReportHook``
turns it on when the dataset has ``on_error='raise'``.
"""
import os
import os.path as osp
import threading
import warnings
from collections import Counter
from typing import Dict, Optional

ENV_LOG = 'AVCL_BAD_SAMPLE_LOG'
ENV_STRICT = 'AVCL_BAD_INPUT_STRICT'

_lock = threading.Lock()
_reasons: Dict[str, str] = {}
_counts: Counter = Counter()


class BadSampleWarning(UserWarning):
    """Warning category of bad input files (filter it with ``warnings``)."""


class BadSampleError(RuntimeError):
    """A bad input file in strict mode (see :func:`set_strict_bad_input`)."""


def set_strict_bad_input(strict: bool) -> None:
    """Make :func:`report_bad_sample` raise (``True``) or warn (``False``)
    in this process and in the processes it starts afterwards."""
    if strict:
        os.environ[ENV_STRICT] = '1'
    else:
        os.environ.pop(ENV_STRICT, None)


def strict_bad_input() -> bool:
    """Whether strict mode is on (see :func:`set_strict_bad_input`)."""
    return os.environ.get(ENV_STRICT, '') in ('1', 'true', 'yes')


def _one_line(text: str, limit: int = 300) -> str:
    return ' '.join(str(text).split())[:limit]


def report_bad_sample(path: str, reason: str, kind: str = 'bad_file') -> bool:
    """Record that ``path`` could not be used as is.

    Args:
        path (str): The offending file.
        reason (str): What went wrong and what was done about it.
        kind (str): Counter key, e.g. ``'no_audio'``, ``'unreadable'``,
            ``'nonfinite_audio'``. Defaults to ``'bad_file'``.

    Returns:
        bool: ``True`` the first time this process sees ``path`` (a warning
        was emitted), ``False`` for repeats (counted, not warned).

    Raises:
        BadSampleError: in strict mode, naming the file and the problem (the
            file is still recorded).
    """
    path, reason = str(path), f'{kind}: {_one_line(reason)}'
    if strict_bad_input():
        with _lock:
            _counts[kind] += 1
            _reasons.setdefault(path, reason)
        raise BadSampleError(
            f'bad input file "{path}": {reason.split("; ")[0]} (strict mode: '
            'on_error=\'raise\'; remove or fix the file, or use '
            "on_error='warn' to substitute and list bad files)")
    with _lock:
        _counts[kind] += 1
        first = path not in _reasons
        if first:
            _reasons[path] = reason
    if not first:
        return False
    warnings.warn(f'[avcl_mm] bad input "{path}": {reason}',
                  BadSampleWarning, stacklevel=2)
    log_file = os.environ.get(ENV_LOG)
    if log_file:
        line = f'{path}\t{reason}\n'.encode('utf-8', 'replace')
        fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)  # one short O_APPEND write: not interleaved
        finally:
            os.close(fd)
    return True


def count_event(kind: str, n: int = 1) -> None:
    """Add ``n`` to the process-wide counter ``kind`` (no file, no warning),
    e.g. the number of non-finite samples replaced by zeros."""
    with _lock:
        _counts[kind] += int(n)


def bad_sample_counts() -> Dict[str, int]:
    """Counters of this process: reports per kind (repeats included) and
    :func:`count_event` totals."""
    with _lock:
        return dict(_counts)


def bad_sample_summary(log_file: Optional[str] = None) -> Dict[str, str]:
    """All bad files known (``path -> reason``): this process's reports plus
    the lines of ``log_file`` (default: ``$AVCL_BAD_SAMPLE_LOG``)."""
    with _lock:
        found = dict(_reasons)
    log_file = log_file or os.environ.get(ENV_LOG)
    if log_file and osp.isfile(log_file):
        with open(log_file, encoding='utf-8', errors='replace') as f:
            for line in f:
                path, _, reason = line.rstrip('\n').partition('\t')
                if path:
                    found.setdefault(path, reason)
    return found


def reset_bad_samples() -> None:
    """Forget this process's reports and counters (not the log file)."""
    with _lock:
        _reasons.clear()
        _counts.clear()


def set_bad_sample_log(log_file: Optional[str]) -> None:
    """Route first reports of every process started after this call to
    ``log_file`` (``None`` stops it)."""
    if log_file is None:
        os.environ.pop(ENV_LOG, None)
    else:
        os.environ[ENV_LOG] = str(log_file)


def write_bad_sample_list(path: str, log_file: Optional[str] = None) -> int:
    """Write :func:`bad_sample_summary` as sorted ``path<TAB>reason`` lines
    to ``path`` (atomically) and return the number of files listed."""
    found = bad_sample_summary(log_file)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        for bad_path in sorted(found):
            f.write(f'{bad_path}\t{found[bad_path]}\n')
    os.replace(tmp, path)
    return len(found)
