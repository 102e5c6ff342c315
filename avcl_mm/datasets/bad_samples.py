"""Bookkeeping of bad input files: one warning per file, a count at the end.

Data loading runs in dataloader worker processes, so reports go to an
append-only text file named by the environment variable
``AVCL_BAD_SAMPLE_LOG`` (set by :class:`avcl_mm.engine.BadSampleReportHook`
to ``<work_dir>/bad_samples.txt`` before the workers start) as well as to an
in-process set that keeps warnings to one per file and process.
"""
import os
import warnings
from typing import Dict

ENV_LOG = 'AVCL_BAD_SAMPLE_LOG'
_seen: Dict[str, str] = {}


def report_bad_sample(path: str, reason: str) -> None:
    """Record that ``path`` could not be used as is, warning once per file."""
    reason = ' '.join(str(reason).split())[:300]
    if path in _seen:
        return
    _seen[path] = reason
    warnings.warn(f'[avcl_mm] bad input "{path}": {reason}', stacklevel=2)
    log = os.environ.get(ENV_LOG)
    if log:
        line = f'{path}\t{reason}\n'.encode('utf-8', 'replace')
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)  # one small O_APPEND write: atomic
        finally:
            os.close(fd)


def bad_sample_summary(log_file: str = None) -> Dict[str, str]:
    """All bad files reported so far (``path -> reason``), from this process
    and, when a log file is given or set, from the worker processes."""
    found = dict(_seen)
    log_file = log_file or os.environ.get(ENV_LOG)
    if log_file and os.path.isfile(log_file):
        with open(log_file, encoding='utf-8', errors='replace') as f:
            for line in f:
                path, _, reason = line.rstrip('\n').partition('\t')
                if path:
                    found.setdefault(path, reason)
    return found


def reset_bad_samples() -> None:
    """Forget the files reported in this process (tests, new runs)."""
    _seen.clear()
