"""Test (evaluate) a checkpoint with an avcl_mm or mmaction2 config.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--dump FILE.pkl]
        [--cfg-options k=v ...] [--launcher pytorch]

Writes ``<work-dir>/test_metrics.json``: the metrics and, under ``run``, what
was tested (avcl_mm.evaluation.run_info.describe_run): method, backbone,
protocol (finetune / from scratch), dataset, pretraining and finetuning
epochs and seeds, read from the checkpoint's stored config and seed and
from the pretraining checkpoint its ``load_from`` names.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..')))

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='folder for the test logs and test_metrics.json (default: '
        'work_dir of the config, else ./work_dirs/CONFIG_NAME)')
    parser.add_argument('--dump', type=str,
                        help='dump predictions to a pickle file (.pkl)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. test_dataloader.batch_size=4')
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


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must end with .pkl, got {args.dump}')
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        evaluators = cfg.test_evaluator
        if isinstance(evaluators, dict):
            evaluators = [evaluators]
        cfg.test_evaluator = list(evaluators) + [dump_metric]
    import avcl_mm  # noqa: F401
    from avcl_mm.engine.validation import validate_config
    validate_config(cfg, mode='test')  # every problem at once, up front
    if 'runner_type' in cfg:  # AVRunner: checks, gloo on CPU, safe loading
        from mmaction.registry import RUNNERS
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if runner.rank == 0:
        import json
        from avcl_mm.evaluation.run_info import describe_run, jsonable
        ann_file = cfg.get('test_dataloader', {}).get('dataset', {}).get(
            'ann_file')
        run = jsonable(describe_run(cfg, args.checkpoint, ann_file))
        out = osp.join(cfg.work_dir, 'test_metrics.json')
        with open(f'{out}.tmp', 'w') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                           metrics={k: float(v) for k, v in metrics.items()},
                           run=run), f, indent=2)
        os.replace(f'{out}.tmp', out)
        print(f'[avcl_mm] test metrics of {run["method"]} '
              f'({run["protocol"]}, seed {run["seed"]}) written to {out}')
    # a finished distributed rank exits 0 without the interpreter teardown
    from avcl_mm.engine.runtime import end_distributed_process
    end_distributed_process(runner)
    return metrics


if __name__ == '__main__':
    main()
