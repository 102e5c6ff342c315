"""avcl_mm: audio-visual contrastive learning for action recognition.

Importing this package registers every component (datasets, transforms,
models, hooks, metrics) into mmaction2's own registries, so configs use
``custom_imports = dict(imports=['avcl_mm'], allow_failed_imports=False)``
together with ``default_scope = 'mmaction'``.
"""
from .version import __version__  # noqa: F401


def _check_mmcv() -> None:
    """mmaction2 1.x needs mmcv 2.x, which pip metadata cannot require (two
    packages provide it): say how to get it instead of a bare ImportError."""
    try:
        import mmcv
    except ImportError as err:
        raise ImportError(
            'avcl_mm needs mmcv 2.x as mmaction2 1.x does: '
            '`pip install "mmcv-lite>=2.0.0,<2.2.0"` (no CUDA ops, enough for '
            'avcl_mm) or `mim install "mmcv>=2.0.0,<2.2.0"` (with CUDA '
            'ops).') from err
    major = int(str(getattr(mmcv, '__version__', '2')).split('.')[0])
    if major < 2:
        raise ImportError(f'avcl_mm needs mmcv 2.x; found mmcv '
                          f'{mmcv.__version__} (mmcv 1.x is for mmaction2 '
                          '0.x).')


_check_mmcv()
from . import engine  # noqa: F401,E402  (checkpoint compatibility first)
from . import datasets  # noqa: F401,E402
from . import models  # noqa: F401,E402
from . import evaluation  # noqa: F401,E402

__all__ = ['__version__']
