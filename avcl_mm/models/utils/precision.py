"""Numerical precision helpers shared by the losses."""
import contextlib

import torch

# devices whose autocast torch < 2.4 knows (it has no is_autocast_available)
_AUTOCAST_DEVICES = ('cpu', 'cuda', 'xpu', 'hpu')


def autocast_available(device_type: str) -> bool:
    """Whether ``torch.autocast`` supports ``device_type`` on this torch."""
    check = getattr(torch.amp, 'is_autocast_available', None)
    if check is not None:  # torch >= 2.4
        return bool(check(device_type))
    return device_type in _AUTOCAST_DEVICES


def float32_region(tensor: torch.Tensor):
    """A context that turns autocast off for ``tensor``'s device.

    Under ``torch.autocast`` (``--amp``) the matrix products of a loss would
    run in float16 / bfloat16 even on float32 inputs (measured on CPU: 2 %
    error on a small loss, results returned in bfloat16); losses compute in
    float32 inside this region instead.
    """
    device = tensor.device.type
    if autocast_available(device):
        return torch.autocast(device_type=device, enabled=False)
    return contextlib.nullcontext()
