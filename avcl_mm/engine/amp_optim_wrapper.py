"""``FiniteLossAmpOptimWrapper``: bf16 autocast with the non-finite guard."""
from contextlib import contextmanager
from typing import Union

import torch
import torch.nn as nn
from mmaction.registry import OPTIM_WRAPPERS

from .finite_optim_wrapper import FiniteLossOptimWrapper


@OPTIM_WRAPPERS.register_module()
class FiniteLossAmpOptimWrapper(FiniteLossOptimWrapper):
    """``FiniteLossOptimWrapper`` whose forward runs under bf16 autocast.

    The paper configs use ``FiniteLossOptimWrapper`` (a NaN or Inf loss or
    gradient skips the update); mmengine's ``AmpOptimWrapper(dtype=
    'bfloat16')`` would drop that guard, refuses to start without a GPU and
    scales the loss with a ``GradScaler`` that bf16 (float32's exponent
    range) does not need. This wrapper autocasts the model's forward (data
    preprocessor, encoders, losses) to bfloat16 on the device of the model's
    parameters (CUDA or CPU), keeps the weights, gradients and SGD state in
    float32, and keeps the guard. The AVCL losses and the device log-mel
    (``LogMelDataPreprocessor``) compute in float32 inside.

    float16 needs loss scaling: use mmengine's ``AmpOptimWrapper`` for it.

    Use in a config::

        optim_wrapper = dict(type='FiniteLossAmpOptimWrapper',
                             dtype='bfloat16')

    Args:
        dtype (str | torch.dtype): Autocast type; only ``'bfloat16'``.
            Defaults to ``'bfloat16'``.
        **kwargs: Passed to :class:`FiniteLossOptimWrapper`.
    """

    def __init__(self, dtype: Union[str, torch.dtype] = 'bfloat16',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype, None)
        if dtype != torch.bfloat16:
            raise ValueError(
                f'FiniteLossAmpOptimWrapper autocasts to bfloat16 only, got '
                f'{dtype}; float16 needs a loss scaler: use '
                "dict(type='AmpOptimWrapper', dtype='float16').")
        self.cast_dtype = dtype

    @contextmanager
    def optim_context(self, model: nn.Module):
        """The parent's context (gradient accumulation) under autocast on
        the device type of ``model``'s parameters."""
        param = next(model.parameters(), None)
        device = param.device.type if param is not None else 'cpu'
        with super().optim_context(model), \
                torch.autocast(device_type=device, dtype=self.cast_dtype):
            yield
