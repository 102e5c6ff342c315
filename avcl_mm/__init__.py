"""avcl_mm: audio-visual contrastive learning for action recognition.

Importing this package registers every component (datasets, transforms,
models, hooks, metrics) into mmaction2's own registries, so configs use
``custom_imports = dict(imports=['avcl_mm'], allow_failed_imports=False)``
together with ``default_scope = 'mmaction'``.
"""
from .version import __version__  # noqa: F401
from . import engine  # noqa: F401,E402  (checkpoint compatibility first)
from . import datasets  # noqa: F401,E402
from . import models  # noqa: F401,E402
from . import evaluation  # noqa: F401,E402

__all__ = ['__version__']
