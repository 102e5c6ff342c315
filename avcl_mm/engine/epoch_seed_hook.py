"""Reseed at every training epoch, so that a resumed epoch repeats exactly.

mmengine's ``--resume`` restarts an interrupted epoch from its beginning with
the weights, optimizer and scheduler state of the last checkpoint, and its
``DefaultSampler`` shuffles by ``seed + epoch``, so the *order* of the
samples repeats. The random augmentations (crops, flips, spectrogram crops
and masks) do not: they draw from the global ``random`` / ``numpy`` /
``torch`` generators, whose state after a restart is the one of a fresh
process, not the one the uninterrupted run had reached after the previous
epochs. Measured on the demo config: the weights after a resumed epoch were
up to 0.35 away from the uninterrupted run's.

:class:`EpochSeedHook` makes every epoch a function of ``(seed, epoch)``
only: before each training epoch it seeds ``random``, ``numpy`` and
``torch`` (all devices) from ``(seed, epoch[, rank])`` and, for dataloaders
whose workers start afresh every epoch (``persistent_workers=False``), gives
the workers seeds derived from the same pair (mmengine's workers otherwise
repeat the same random streams in every epoch). With deterministic
algorithms (``randomness.deterministic=True``) a run killed in epoch ``k``
and resumed ends with the same weights as an uninterrupted one.

Not covered: persistent workers keep their generator state across epochs,
which a restart cannot restore (a one-time warning says so; use
``persistent_workers=False`` or ``num_workers=0`` where bit-exact resumes
matter).

Every avcl_mm config has it (``default_hooks.epoch_seed`` in
``configs/_base_/default_runtime.py``), so ``tools/train.py``, mmaction2's
``train.py`` and ``mim train`` run it; :func:`add_epoch_seed_hook` adds it to
another config.
"""
import random
from functools import partial

import numpy as np
import torch
from mmengine.dataset import worker_init_fn as mme_worker_init_fn
from mmengine.hooks import Hook
from mmaction.registry import HOOKS


def epoch_seed(seed: int, epoch: int, rank: int = 0) -> int:
    """A 32-bit seed that depends on ``seed``, ``epoch`` and ``rank`` only
    (well mixed: neighbouring epochs give unrelated streams)."""
    entropy = [int(seed) % 2**32, int(epoch), int(rank)]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Seed all random generators from ``(seed, epoch)`` before each
    training epoch (see the module docstring).

    Args:
        diff_rank_seed (bool, optional): Give each rank its own main-process
            seed. ``None`` follows ``randomness.diff_rank_seed``. Worker
            seeds always differ by rank and worker (as in mmengine).
            Defaults to ``None``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, diff_rank_seed=None) -> None:
        self.diff_rank_seed = diff_rank_seed
        self._warned = False

    def before_train(self, runner) -> None:
        """Log the run's seed and give it to the sampler.

        Runs after ``--resume`` has restored the seed stored in the
        checkpoint. mmengine builds the train dataloader (and its sampler's
        shuffling seed) *before* resuming, so a resumed run that drew a fresh
        seed would shuffle differently from the interrupted one; the sampler
        gets the restored seed here.
        """
        seed = runner.seed
        if seed is None:
            return
        given = (runner.cfg.get('randomness', None) or {}).get('seed')
        if given is None:
            runner.logger.info(
                f'Random seed: {seed} (no seed in the config or on the '
                f'command line: drawn for this run, or restored from the '
                f'resumed checkpoint; every checkpoint stores it; repeat the '
                f'run with --seed {seed})')
        else:
            runner.logger.info(f'Random seed: {seed}')
        diff = getattr(runner, '_randomness_cfg', {}).get(
            'diff_rank_seed', False)
        sampler = getattr(runner.train_loop.dataloader, 'sampler', None)
        if not diff and sampler is not None and hasattr(sampler, 'seed') \
                and sampler.seed != seed:
            sampler.seed = seed

    def before_train_epoch(self, runner) -> None:
        base = runner.seed
        if base is None:  # never with mmengine's Runner, which draws one
            return
        diff = self.diff_rank_seed
        if diff is None:
            diff = bool(runner._randomness_cfg.get('diff_rank_seed', False)) \
                if hasattr(runner, '_randomness_cfg') else False
        rank = runner.rank if diff else 0
        seed = epoch_seed(base, runner.epoch, rank)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)  # every device
        self._seed_workers(runner, epoch_seed(base, runner.epoch, 0))

    def _seed_workers(self, runner, seed: int) -> None:
        loader = runner.train_loop.dataloader
        if not getattr(loader, 'num_workers', 0):
            return
        if getattr(loader, 'persistent_workers', False):
            if not self._warned:
                runner.logger.warning(
                    'EpochSeedHook: persistent dataloader workers keep their '
                    'random state across epochs, so an epoch restarted by '
                    '--resume draws other augmentations than the '
                    'interrupted run would have. Set '
                    'train_dataloader.persistent_workers=False for '
                    'bit-reproducible resumes.')
                self._warned = True
            return
        init_fn = loader.worker_init_fn
        # only mmengine's default (per-worker seed = seed + offset) is
        # re-seeded; a custom worker_init_fn is left alone
        if isinstance(init_fn, partial) and \
                init_fn.func is mme_worker_init_fn:
            loader.worker_init_fn = partial(
                init_fn.func, *init_fn.args, **dict(init_fn.keywords,
                                                    seed=seed))


def add_epoch_seed_hook(cfg) -> bool:
    """Append ``EpochSeedHook`` to ``cfg.custom_hooks`` unless present.

    Returns:
        bool: whether it was added.
    """
    hooks = list(cfg.get('custom_hooks', None) or [])
    if any(isinstance(h, dict) and h.get('type') in
           ('EpochSeedHook', EpochSeedHook) for h in hooks):
        return False
    hooks.append(dict(type='EpochSeedHook'))
    cfg.custom_hooks = hooks
    return True
