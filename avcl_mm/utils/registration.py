"""Import every module of a sub-package so that its ``@register_module``
decorators run. Used by the ``__init__`` files of the component folders:
adding a file to a folder is enough to register what it defines."""
import importlib
import pkgutil
from typing import List


def import_submodules(package_name: str, package_path: List[str]) -> list:
    """Import all direct submodules of ``package_name``; return their names."""
    names = []
    for info in sorted(pkgutil.iter_modules(package_path), key=lambda i: i.name):
        if info.name.startswith('_'):
            continue
        importlib.import_module(f'{package_name}.{info.name}')
        names.append(info.name)
    return names
