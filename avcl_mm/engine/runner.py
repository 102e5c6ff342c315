"""``AVRunner``: mmengine's Runner with avcl_mm's launch-time behaviour,
chosen in config (``runner_type = 'AVRunner'``, set by
``configs/_base_/default_runtime.py``): ``tools/train.py`` /
``tools/test.py`` and mmaction2 1.2's own ``train.py`` (``mim train``) build
it from the config. (mmaction2 1.1's ``train.py`` builds a plain ``Runner``;
the config's hooks still apply there: ``EpochSeedHook``,
``SafeCheckpointHook``.)"""
import atexit
import sys

from mmengine.config import Config
from mmengine.runner import Runner
from mmaction.registry import RUNNERS

from .checkpoint import safe_loading
from .runtime import shutdown_distributed, use_gloo_without_gpu
from .validation import validate_config, validate_keys

_SHUTDOWN_REGISTERED = False


def _shutdown_at_exit() -> None:
    """End the process group before the interpreter tears down (a gloo group
    left to it can abort a finished rank with SIGABRT); after an uncaught
    exception, without waiting for the other ranks."""
    shutdown_distributed(wait=not hasattr(sys, 'last_value'))


@RUNNERS.register_module()
class AVRunner(Runner):
    """mmengine ``Runner`` that

    - checks the config before anything is built (unknown types and keys
      with the closest valid name, missing data and checkpoint files, class
      lists that disagree) and names every problem at once
      (:mod:`avcl_mm.engine.validation`);
    - runs GPU configs on a machine without GPUs: the ``gloo`` backend,
      ``sync_bn`` off with one warning, DDP without device ids
      (:func:`use_gloo_without_gpu`);
    - loads checkpoints safely (``weights_only=True`` with avcl_mm's
      allowlist, :func:`safe_loading`);
    - ends the process group cleanly when the process exits.
    """

    @classmethod
    def from_cfg(cls, cfg: Config) -> 'AVRunner':
        """Validate and adapt ``cfg``, then build the runner."""
        global _SHUTDOWN_REGISTERED
        cfg = cfg.copy()
        validate_keys(cfg)
        use_gloo_without_gpu(cfg)
        if not _SHUTDOWN_REGISTERED:
            atexit.register(_shutdown_at_exit)
            _SHUTDOWN_REGISTERED = True
        return super().from_cfg(cfg)

    def train(self):
        """Check the training data, then train."""
        validate_config(self.cfg, mode='train', keys=False)
        return super().train()

    def test(self):
        """Check the test data, then test."""
        validate_config(self.cfg, mode='test', keys=False)
        return super().test()

    def load_checkpoint(self, filename: str, *args, **kwargs):
        """:meth:`Runner.load_checkpoint` with safe unpickling (``resume``
        loads through it too)."""
        with safe_loading(filename):
            return super().load_checkpoint(filename, *args, **kwargs)
