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


def upcast(x: torch.Tensor) -> torch.Tensor:
    """``x`` in float32, or in its own dtype when that is wider (float64):
    half-precision inputs (AMP) are upcast for the exponentials."""
    return x.to(torch.promote_types(x.dtype, torch.float32))


def unit_rows(x: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """Rows of ``x`` ``(N, D)`` scaled to unit L2 norm; a row whose norm is
    at most ``eps`` becomes 0 *with zero gradient* (``F.normalize`` would
    give it a ``1 / eps`` gradient, which overflows float16 gradients and
    makes mixed-precision training skip every step)."""
    return unit_slices(x, dim=1, eps=eps)


def unit_slices(x: torch.Tensor, dim: int, eps: float,
                floor: torch.Tensor = None) -> torch.Tensor:
    """``x`` scaled to unit norm along ``dim``; a slice whose norm is at
    most ``eps`` (or at most ``floor``), e.g. a channel that a ReLU switched
    off for the whole batch, becomes 0 with zero gradient."""
    norm = torch.linalg.vector_norm(x, dim=dim, keepdim=True)
    live = norm > eps
    if floor is not None:
        live = live & (norm > floor.detach())
    return torch.where(live, x / norm.clamp_min(eps), x.new_zeros(()))
