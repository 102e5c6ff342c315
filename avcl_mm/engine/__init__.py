"""Engine: the runner, hooks and optimizer wrappers avcl_mm configs choose,
and safe, crash-proof checkpoints (no patching of mmengine)."""
from . import checkpoint
from .amfm_monitor_hook import AMFMMonitorHook
from .amp_optim_wrapper import FiniteLossAmpOptimWrapper
from .bad_sample_hook import BadSampleReportHook
from .channels_last_hook import ChannelsLast3dHook
from .cma_positive_hook import CMAPositiveSetHook
from .epoch_seed_hook import EpochSeedHook
from .finite_optim_wrapper import FiniteLossOptimWrapper
from .memory_bank_hook import MemoryBankSizeHook
from .runner import AVRunner
from .safe_checkpoint_hook import SafeCheckpointHook
from .validation import (ConfigValidationError, ConfigValidationWarning,
                         validate_config, validate_keys)

# torch's allowlist for what mmengine stores, and data-only pickling of
# mmengine's HistoryBuffer (see avcl_mm.engine.checkpoint)
checkpoint.register()

__all__ = [
    'AVRunner', 'SafeCheckpointHook', 'EpochSeedHook', 'AMFMMonitorHook',
    'BadSampleReportHook', 'MemoryBankSizeHook', 'CMAPositiveSetHook',
    'FiniteLossOptimWrapper', 'FiniteLossAmpOptimWrapper',
    'ChannelsLast3dHook', 'ConfigValidationError',
    'ConfigValidationWarning', 'validate_config', 'validate_keys',
    'checkpoint'
]
