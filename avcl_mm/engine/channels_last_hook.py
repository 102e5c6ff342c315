"""``ChannelsLast3dHook``: 3D convolutions in the ``channels_last_3d``
memory format."""
from typing import List

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmaction.registry import HOOKS

FORMAT = torch.channels_last_3d


def _to_channels_last(module: nn.Module, args: tuple) -> tuple:
    """Forward pre-hook: 5-D tensor inputs in ``channels_last_3d``."""
    return tuple(a.contiguous(memory_format=FORMAT)
                 if isinstance(a, torch.Tensor) and a.dim() == 5 else a
                 for a in args)


def convert_channels_last_3d(model: nn.Module) -> List[nn.Module]:
    """Put the 5-D weights of ``model`` (a wrapper's ``module``) in
    ``channels_last_3d`` and make every ``nn.Conv3d`` convert its input the
    same way; returns the convolutions hooked (each is hooked once)."""
    module = model.module if is_model_wrapper(model) else model
    # ``Module.to(memory_format=...)`` also converts 4-D tensors (and fails
    # on them with the 3D format), e.g. the preprocessors' mean/std buffers
    module._apply(lambda t: t.contiguous(memory_format=FORMAT)
                  if t.dim() == 5 else t)
    hooked = []
    for sub in module.modules():
        if isinstance(sub, nn.Conv3d) and \
                not getattr(sub, '_avcl_channels_last', False):
            sub.register_forward_pre_hook(_to_channels_last)
            sub._avcl_channels_last = True
            hooked.append(sub)
    return hooked


@HOOKS.register_module()
class ChannelsLast3dHook(Hook):
    """Run the model's 3D convolutions in ``torch.channels_last_3d``.

    cuDNN's fastest 3D convolution kernels on tensor-core GPUs (bf16/fp16)
    take channels-last (NDHWC) tensors; in the default NCDHW layout every
    convolution pays a transposition. Before training (and before a
    validation or test run) this hook converts the model's 5-D parameters
    and buffers and hooks every ``nn.Conv3d`` so that its input is converted
    too (a no-op for an input already in that format). Values do not change:
    only strides (tests/engine/test_gpu_paths.py compares losses on CPU).

    Under DDP the conversion happens after wrapping; the gradient buckets are
    rebuilt with the new strides after the first iteration (PyTorch may warn
    once that the grad strides do not match the bucket view strides).

    Use in a config::

        custom_hooks = [..., dict(type='ChannelsLast3dHook')]
    """

    priority = 'VERY_HIGH'

    def _convert(self, runner) -> None:
        hooked = convert_channels_last_3d(runner.model)
        if hooked:
            runner.logger.info(f'ChannelsLast3dHook: {len(hooked)} Conv3d '
                               'modules in channels_last_3d')

    def before_train(self, runner) -> None:
        self._convert(runner)

    def before_val(self, runner) -> None:
        self._convert(runner)

    def before_test(self, runner) -> None:
        self._convert(runner)
