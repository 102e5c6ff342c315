from avcl_mm.utils.registration import import_submodules

from . import transforms  # noqa: F401

import_submodules(__name__, __path__)
