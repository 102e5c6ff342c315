"""Find the modules of a (possibly DDP-wrapped) model that offer an
interface, for hooks that act on whichever module owns a state."""
from typing import List, Sequence

from torch import nn


def modules_with(model: nn.Module, interface: Sequence[str], owner: str,
                 hint: str) -> List[nn.Module]:
    """Modules of ``model`` (DDP unwrapped through ``.module``) that have
    every attribute of ``interface``; a ``RuntimeError`` from ``owner``
    ending in ``hint`` when there is none."""
    model = getattr(model, 'module', model)
    found = [m for m in model.modules()
             if all(hasattr(m, key) for key in interface)]
    if not found:
        raise RuntimeError(f'{owner}: no module of the model has '
                           f'{", ".join(interface)}; {hint}')
    return found
