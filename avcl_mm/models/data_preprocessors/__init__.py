from avcl_mm.utils.registration import import_submodules

import_submodules(__name__, __path__)
