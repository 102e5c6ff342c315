"""Train a model from an avcl_mm (or any mmaction2) config.

Same command line as mmaction2's ``tools/train.py``::

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--cfg-options k=v ...] [--launcher pytorch]

The runner comes from the config (``runner_type='AVRunner'`` in every
avcl_mm config): it checks the config before building anything, turns the
distributed backend to ``gloo`` and ``sync_bn`` off without a GPU (so
``tools/dist_train.sh CONFIG 2`` runs any config on CPU), loads checkpoints
safely and ends the process group cleanly. Without ``--seed`` a seed is
drawn, logged and stored in the checkpoints (``--resume`` continues with
it).
"""
import argparse
import os
import os.path as osp
import sys

# Runnable from a checkout without installing: make avcl_mm importable.
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..')))

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--work-dir',
        help='folder for logs and checkpoints (default: work_dir of the '
        'config, else ./work_dirs/CONFIG_NAME)')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or from the latest one in '
        'the work dir when no path is given')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision training')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip validation during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by total batch / base batch')
    parser.add_argument(
        '--seed', type=int, default=None,
        help='random seed; without it (and without randomness.seed in the '
        'config) a seed is drawn, logged and stored in every checkpoint, '
        'and --resume continues with the stored one')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic algorithms (for reproducibility)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. '
        'model.video_backbone.type=X3D train_dataloader.batch_size=4')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher (default: none)')
    parser.add_argument(
        '--local_rank', '--local-rank', type=int, default=0,
        help='rank of this process on its node; set by the launcher '
        '(torch.distributed), need not be passed by hand (default: 0)')
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args) -> Config:
    """Fold the command line into the config, as mmaction2 does."""
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume is not None and 'init_from' not in cfg:
        # --resume replaces load_from; the checkpoints of the resumed run
        # still say where its weights started (None: from scratch), for
        # avcl_mm.evaluation.run_info
        cfg.init_from = cfg.get('load_from')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', dict(base_batch_size=16))
        cfg.auto_scale_lr.enable = True
    # mmengine draws (and broadcasts to every rank) a seed when it is None;
    # EpochSeedHook (a default hook of every avcl_mm config) logs it,
    # checkpoints store it and --resume restores it
    randomness = dict(cfg.get('randomness', None) or dict())
    randomness.setdefault('seed', None)
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.deterministic:
        randomness['deterministic'] = True
    cfg.randomness = randomness
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)  # imports avcl_mm (custom_imports)
    cfg = merge_args(cfg, args)
    import avcl_mm  # noqa: F401
    from avcl_mm.engine.validation import validate_config
    validate_config(cfg, mode='train')  # every problem at once, up front
    if 'runner_type' in cfg:
        from mmaction.registry import RUNNERS
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    runner.train()
    # a finished distributed rank exits 0 without the interpreter teardown
    # (where gloo can abort it); nothing happens in a single process
    from avcl_mm.engine.runtime import end_distributed_process
    end_distributed_process(runner)


if __name__ == '__main__':
    main()
