"""Run the seeded benchmark on the bench data: every method x seed, each
stage in its own process, then the leaderboard (tools/leaderboard.py).

    python tools/analysis/run_benchmark.py --preset quick      # ~15 min
    python tools/analysis/run_benchmark.py --preset full --jobs 2
    python tools/analysis/run_benchmark.py --methods avcl simclr --seeds 0 1 2 3

Stages (``<out>/<method>/seed<k>/``, one process each, ``<stage>.log``):

- self-supervised methods: ``pretrain`` (tools/train.py) -> ``probe``
  (tools/analysis/probe_features.py: linear / kNN / retrieval on frozen
  features, scored on the test split) -> ``finetune`` (tools/train.py from
  the pretraining checkpoint, best val top-1 kept) -> ``test``
  (tools/test.py on the test split); AVID+CMA pretrains from the same
  seed's Cross-AVID checkpoint at half the schedule;
- supervised baselines: ``train`` (from scratch) -> ``test``;
- ``random``: ``probe`` of the encoders at random initialisation.

Every process runs with ``OMP_NUM_THREADS=1`` (``--threads``) and
``--jobs`` of them at once. Resumable: a stage with a ``<stage>.done``
file is skipped, an interrupted training resumes from its last checkpoint,
and a failed stage stops only the stages that need it (its log's last
lines are printed; the exit status is 1). First the data: the bench set is
generated when ``<data-root>/train.txt`` is missing and its audio is
cached beside the videos (tools/data/cache_audio.py); the decoded probe
inputs are cached in ``<out>/.input_cache``. At the end the leaderboard of
everything under ``<out>`` is written to ``<out>/leaderboard`` and the run's
wall-clock and CPU times to ``<out>/benchmark.json``.

Presets: ``full`` = every method (random init; AVCL, SimCLR, MoCo, BYOL,
SimSiam, Barlow Twins, IIC, InvClust, Cross-/Self-/Joint-AVID, AVID+CMA,
CMAC; Baseline-R, -A, -R+A), seeds 0 1 2, the bench configs' schedules (40
pretraining, 20 finetuning epochs; about an hour on 2 cores with --jobs
2); ``quick`` = random init, AVCL, SimCLR and Baseline-R+A, seeds 0 1 2,
15 + 8 epochs (about 6 minutes). ``--methods``,
``--seeds``, ``--pretrain-epochs`` and ``--finetune-epochs`` override them.
"""
import argparse
import json
import os
import os.path as osp
import platform
import shlex
import subprocess
import sys
import time
from typing import Dict, List, Optional

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
BENCH = 'configs/bench'
CONCAT = f'{BENCH}/concat_r3d_bench_finetune.py'

# name -> (kind, pretraining / training config, finetuning config)
METHODS = {
    'random': ('random', CONCAT, None),
    'avcl': ('ssl', f'{BENCH}/avcl_r3d_bench_pretrain.py',
             f'{BENCH}/avcl_r3d_bench_finetune.py'),
    'simclr': ('ssl', f'{BENCH}/simclr_r3d_bench_pretrain.py', CONCAT),
    'moco': ('ssl', f'{BENCH}/moco_r3d_bench_pretrain.py', CONCAT),
    'byol': ('ssl', f'{BENCH}/byol_r3d_bench_pretrain.py', CONCAT),
    'simsiam': ('ssl', f'{BENCH}/simsiam_r3d_bench_pretrain.py', CONCAT),
    'barlowtwins': ('ssl', f'{BENCH}/barlowtwins_r3d_bench_pretrain.py',
                    CONCAT),
    'iic': ('ssl', f'{BENCH}/iic_r3d_bench_pretrain.py', CONCAT),
    'invclust': ('ssl', f'{BENCH}/invclust_r3d_bench_pretrain.py', CONCAT),
    'avid_cross': ('ssl', f'{BENCH}/avid_cross_r3d_bench_pretrain.py',
                   CONCAT),
    'avid_self': ('ssl', f'{BENCH}/avid_self_r3d_bench_pretrain.py', CONCAT),
    'avid_joint': ('ssl', f'{BENCH}/avid_joint_r3d_bench_pretrain.py',
                   CONCAT),
    'cma': ('ssl', f'{BENCH}/cma_r3d_bench_pretrain.py', CONCAT),
    'cmac': ('ssl', f'{BENCH}/cmac_r3d_bench_pretrain.py', CONCAT),
    'baseline_r': ('supervised', f'{BENCH}/baseline_r_r3d_bench.py', None),
    'baseline_a': ('supervised', f'{BENCH}/baseline_a_r3d_bench.py', None),
    'baseline_ra': ('supervised', f'{BENCH}/baseline_ra_r3d_bench.py', None),
}
PRESETS = dict(
    full=dict(methods=list(METHODS), pretrain_epochs=40,
              finetune_epochs=20),
    quick=dict(methods=['random', 'avcl', 'simclr', 'baseline_ra'],
               pretrain_epochs=15, finetune_epochs=8))
STAGES = dict(ssl=('pretrain', 'probe', 'finetune', 'test'),
              supervised=('train', 'test'), random=('probe', ))


class Task:
    """One stage of one (method, seed): a command, its log and ``.done``
    file, and the tasks it waits for."""

    def __init__(self, method: str, seed: Optional[int], stage: str,
                 folder: str, deps: List['Task']) -> None:
        self.method, self.seed, self.stage = method, seed, stage
        self.folder, self.deps = folder, deps
        self.done_file = osp.join(folder, f'{stage}.done')
        self.log = osp.join(folder, f'{stage}.log')
        self.state = 'done' if osp.isfile(self.done_file) else 'pending'
        self.proc = None
        self.start = self.cpu = None

    @property
    def name(self) -> str:
        seed = '' if self.seed is None else f' seed{self.seed}'
        return f'{self.method}{seed} {self.stage}'


def _cfg_data(root: str, loaders=('train', 'val', 'test')) -> List[str]:
    """Data overrides; a classifying run (one with a val or test split)
    also gets the class list and its length as the head's class count."""
    opts = []
    classify = any(split != 'train' for split in loaders)
    for split in loaders:
        loader = f'{split}_dataloader'
        opts += [f'{loader}.dataset.ann_file={root}/{split}.txt',
                 f'{loader}.dataset.data_prefix.video={root}/videos']
        if classify:
            opts.append(f'{loader}.dataset.classes={root}/classes.txt')
    names = osp.join(root, 'classes.txt')
    if classify and osp.isfile(names):  # written by the data stage
        with open(names) as f:
            count = sum(1 for line in f if line.strip())
        opts.append(f'model.cls_head.num_classes={count}')
    return opts


def _best(folder: str) -> Optional[str]:
    found = sorted(f for f in os.listdir(folder)
                   if f.startswith('best_') and f.endswith('.pth')) \
        if osp.isdir(folder) else []
    return osp.join(folder, found[-1]) if found else None


def command(task: Task, args) -> List[str]:
    """The command line of a task (files of earlier stages resolved now,
    when they exist)."""
    kind, config, finetune = METHODS[task.method]
    py, root, w = sys.executable, args.data_root, task.folder
    e_pre, e_fine = args.pretrain_epochs, args.finetune_epochs
    loader = [f'train_dataloader.num_workers={args.loader_workers}',
              f'train_dataloader.persistent_workers='
              f'{args.loader_workers > 0}']
    evals = [f'{s}_dataloader.{k}' for s in ('val', 'test') for k in
             (f'num_workers={args.loader_workers}',
              f'persistent_workers={args.loader_workers > 0}')]

    def train(cfg, work, extra, data_loaders):
        cmd = [py, 'tools/train.py', cfg, '--work-dir', work, '--seed',
               str(task.seed)]
        if osp.isfile(osp.join(work, 'last_checkpoint')):
            cmd.append('--resume')
        return cmd + ['--cfg-options', *_cfg_data(root, data_loaders),
                      *extra, *args.cfg_options]

    pretrain = osp.join(w, 'pretrain', f'epoch_{e_pre}.pth')
    if task.stage == 'pretrain':
        epochs = e_pre
        extra = [f'default_hooks.checkpoint.interval={e_pre // 2 or 1}',
                 'default_hooks.checkpoint.max_keep_ckpts=2']
        if task.method == 'cma':  # the second half, from Cross-AVID's first
            epochs = e_pre - e_pre // 2
            cross = osp.join(args.out, 'avid_cross', f'seed{task.seed}',
                             'pretrain', f'epoch_{e_pre // 2}.pth')
            extra = [f'load_from={cross}',
                     f'default_hooks.checkpoint.interval={epochs}']
            pretrain = osp.join(w, 'pretrain', f'epoch_{epochs}.pth')
        return train(config, osp.join(w, 'pretrain'),
                     [f'train_cfg.max_epochs={epochs}', *extra, *loader,
                      *args.pretrain_options], ('train', ))
    if task.method == 'cma':
        pretrain = osp.join(w, 'pretrain', f'epoch_{e_pre - e_pre // 2}.pth')
    if task.stage == 'probe':
        cmd = [py, 'tools/analysis/probe_features.py', config,
               '--data-root', root, '--eval-splits', 'test', '--workers',
               str(args.loader_workers), '--input-cache',
               osp.join(args.out, '.input_cache'), '--out',
               osp.join(w, 'probe.json'), '--seed', str(task.seed)]
        if kind != 'random':
            cmd += ['--checkpoint', pretrain, '--no-random']
        return cmd
    if task.stage in ('finetune', 'train'):
        cfg = finetune if task.stage == 'finetune' else config
        extra = [f'train_cfg.max_epochs={e_fine}', *loader, *evals]
        if task.stage == 'finetune':
            extra.append(f'load_from={pretrain}')
        return train(cfg, osp.join(w, task.stage), extra,
                     ('train', 'val', 'test'))
    # test: the best validation checkpoint of the training before it
    trained = osp.join(w, 'finetune' if kind == 'ssl' else 'train')
    cfg = finetune if kind == 'ssl' else config
    best = _best(trained) or osp.join(trained, 'best_acc_top1_*.pth')
    return [py, 'tools/test.py', cfg, best, '--work-dir',
            osp.join(w, 'test'), '--cfg-options',
            *_cfg_data(root, ('test', )), *evals[2:]]


def plan(args) -> List[Task]:
    """Every task, in the order they are started (seed by seed), with
    their dependencies."""
    data = Task('data', None, 'prepare', args.out, [])
    data.state = 'pending'  # always: idempotent, and quick once done
    tasks = [data]
    pretrains: Dict[tuple, Task] = {}
    for seed in args.seeds:
        for method in args.methods:
            kind = METHODS[method][0]
            folder = osp.join(args.out, method, f'seed{seed}')
            prev = data
            for stage in STAGES[kind]:
                deps = [prev]
                if method == 'cma' and stage == 'pretrain':
                    deps.append(pretrains[('avid_cross', seed)])
                if stage == 'finetune':  # needs the pretraining, not probe
                    deps = [pretrains[(method, seed)]]
                task = Task(method, seed, stage, folder, deps)
                if stage == 'pretrain':
                    pretrains[(method, seed)] = task
                tasks.append(task)
                if stage != 'probe':
                    prev = task
    return tasks


def _prepare_data(args) -> List[List[str]]:
    py, root = sys.executable, args.data_root
    cmds = []
    if not osp.isfile(osp.join(root, 'train.txt')):
        cmds.append([py, 'tools/data/make_demo_dataset.py', '--preset',
                     'bench', '--out', root, '--seed', '0', '--workers',
                     str(args.jobs)])
    for split in ('train', 'val', 'test'):
        cmds.append([py, 'tools/data/cache_audio.py',
                     osp.join(root, f'{split}.txt'), '--data-prefix',
                     osp.join(root, 'videos'), '--workers', str(args.jobs)])
    return cmds


def _env(args) -> dict:
    env = dict(os.environ)
    for key in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        env[key] = str(args.threads)
    env.setdefault('PYTHONUNBUFFERED', '1')
    return env


def start(task: Task, args) -> None:
    os.makedirs(task.folder, exist_ok=True)
    if task.method == 'data':
        lines = ' && '.join(shlex.join(c) for c in _prepare_data(args))
        cmd = ['bash', '-c', f'set -e; {lines}']
    else:
        cmd = command(task, args)
    with open(task.log, 'a') as log:
        log.write(f'\n$ {shlex.join(cmd)}\n')
        log.flush()
        task.proc = subprocess.Popen(cmd, cwd=REPO, env=_env(args),
                                     stdout=log, stderr=subprocess.STDOUT)
    task.start, task.state = time.time(), 'running'


def poll(task: Task) -> Optional[int]:
    """Exit status of a finished task's process (its CPU time, children
    included, in ``task.cpu``), else ``None``."""
    pid, status, usage = os.wait4(task.proc.pid, os.WNOHANG)
    if pid == 0:
        return None
    task.proc.returncode = os.waitstatus_to_exitcode(status)
    task.cpu = usage.ru_utime + usage.ru_stime
    return task.proc.returncode


def _tail(path: str, lines: int = 15) -> str:
    try:
        with open(path, errors='replace') as f:
            text = f.read().replace('\r', '\n')
    except OSError:
        return ''
    return '\n'.join(text.strip().splitlines()[-lines:])


def run(tasks: List[Task], args) -> dict:
    """Run the pending tasks, ``--jobs`` at a time; return timing."""
    begin = time.time()
    todo = [t for t in tasks if t.state == 'pending']
    total, finished = len(todo), 0
    print(f'[bench] {total} stages to run, {len(tasks) - total} done before; '
          f'{args.jobs} at a time', flush=True)
    running: List[Task] = []
    cpu = 0.0
    while todo or running:
        for task in list(todo):
            if len(running) >= args.jobs:
                break
            if any(d.state in ('failed', 'skipped') for d in task.deps):
                task.state = 'skipped'
                todo.remove(task)
                finished += 1
                print(f'[bench] [{finished}/{total}] skipped {task.name} '
                      '(an earlier stage failed)', flush=True)
            elif all(d.state == 'done' for d in task.deps):
                start(task, args)
                todo.remove(task)
                running.append(task)
        time.sleep(0.5)
        for task in list(running):
            code = poll(task)
            if code is None:
                continue
            running.remove(task)
            finished += 1
            cpu += task.cpu
            seconds = time.time() - task.start
            stamp = time.strftime('%H:%M:%S')
            if code == 0:
                task.state = 'done'
                with open(task.done_file, 'w') as f:
                    json.dump(dict(seconds=round(seconds, 1),
                                   cpu_seconds=round(task.cpu, 1),
                                   finished=stamp), f)
                print(f'[bench] [{finished}/{total}] {stamp} {task.name}: '
                      f'{seconds:.0f} s (CPU {task.cpu:.0f} s)', flush=True)
            else:
                task.state = 'failed'
                print(f'[bench] [{finished}/{total}] {stamp} FAILED '
                      f'{task.name} (exit {code}); {task.log} ends:\n'
                      f'{_tail(task.log)}', flush=True)
    return dict(wall_seconds=round(time.time() - begin, 1),
                cpu_seconds=round(cpu, 1))


def _machine() -> dict:
    model = platform.processor() or '?'
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return dict(cpu=model, cores=os.cpu_count(),
                platform=platform.platform())


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--preset', choices=sorted(PRESETS), default='full',
                        help='methods and schedules (default: full)')
    parser.add_argument('--methods', nargs='+', choices=list(METHODS),
                        help='methods to run (default: the preset\'s)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2],
                        help='seeds, at least 3 for an interval (default: '
                        '0 1 2)')
    parser.add_argument('--jobs', type=int, default=2,
                        help='processes at once (default: 2)')
    parser.add_argument('--threads', type=int, default=1,
                        help='OMP/MKL threads per process (default: 1)')
    parser.add_argument('--out', default=None,
                        help='output folder (default: work_dirs/bench_PRESET)')
    parser.add_argument('--data-root', default='data/bench',
                        help='bench dataset folder, generated when missing '
                        '(default: data/bench)')
    parser.add_argument('--pretrain-epochs', type=int,
                        help='pretraining epochs (default: the preset\'s)')
    parser.add_argument('--finetune-epochs', type=int,
                        help='finetuning / supervised epochs (default: the '
                        'preset\'s)')
    parser.add_argument('--loader-workers', type=int, default=0,
                        help='dataloader workers per process (default: 0; '
                        'the --jobs processes already fill the cores)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='more key=value overrides for every training')
    parser.add_argument('--pretrain-options', nargs='+', default=[],
                        help='key=value overrides for the pretrainings only, '
                        'e.g. model.head.loss_cor.center=True (a variant: '
                        'give it its own --out)')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the pending stages\' commands, run '
                        'nothing')
    parser.add_argument('--no-leaderboard', action='store_true',
                        help='skip tools/leaderboard.py at the end')
    args = parser.parse_args(argv)
    preset = PRESETS[args.preset]
    args.methods = args.methods or list(preset['methods'])
    if 'cma' in args.methods and 'avid_cross' not in args.methods:
        args.methods.insert(args.methods.index('cma'), 'avid_cross')
    args.pretrain_epochs = args.pretrain_epochs or preset['pretrain_epochs']
    args.finetune_epochs = args.finetune_epochs or preset['finetune_epochs']
    args.out = args.out or f'work_dirs/bench_{args.preset}'
    if args.jobs < 1 or args.threads < 1:
        parser.error('--jobs and --threads must be >= 1')
    if min(args.pretrain_epochs, args.finetune_epochs) < 2:
        parser.error('--pretrain-epochs and --finetune-epochs must be >= 2')
    if len(set(args.seeds)) != len(args.seeds):
        parser.error('--seeds must differ')
    if len(args.seeds) < 3:
        print('[bench] warning: fewer than 3 seeds give no useful interval',
              file=sys.stderr)
    args.out = osp.abspath(args.out)
    args.data_root = osp.abspath(args.data_root)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    tasks = plan(args)
    if args.dry_run:
        for task in tasks:
            if task.state != 'pending':
                continue
            cmds = _prepare_data(args) if task.method == 'data' else \
                [command(task, args)]
            for cmd in cmds:
                print(f'# {task.name}\n{shlex.join(cmd)}')
        return 0
    os.makedirs(args.out, exist_ok=True)
    print(f'[bench] {len(args.methods)} methods x {len(args.seeds)} seeds '
          f'({" ".join(args.methods)}; seeds {args.seeds}), '
          f'{args.pretrain_epochs} + {args.finetune_epochs} epochs -> '
          f'{args.out}', flush=True)
    timing = run(tasks, args)
    failed = [t.name for t in tasks if t.state in ('failed', 'skipped')]
    summary = dict(preset=args.preset, methods=args.methods,
                   seeds=args.seeds, jobs=args.jobs, threads=args.threads,
                   pretrain_epochs=args.pretrain_epochs,
                   finetune_epochs=args.finetune_epochs,
                   machine=_machine(), failed=failed, **timing)
    path = osp.join(args.out, 'benchmark.json')
    sessions = []
    if osp.isfile(path):  # a resumed run: keep the earlier sessions' times
        with open(path) as f:
            sessions = json.load(f).get('sessions', [])
    sessions.append(summary)
    with open(path, 'w') as f:
        json.dump(dict(sessions=sessions,
                       wall_seconds=sum(s['wall_seconds'] for s in sessions),
                       cpu_seconds=sum(s['cpu_seconds'] for s in sessions)),
                  f, indent=2)
    print(f'[bench] wall {timing["wall_seconds"] / 60:.1f} min, CPU of the '
          f'stages {timing["cpu_seconds"] / 60:.1f} min '
          f'({_machine()["cores"]} cores)', flush=True)
    if not args.no_leaderboard:
        subprocess.run([sys.executable, 'tools/leaderboard.py',
                        '--work-dirs', args.out, '--out',
                        osp.join(args.out, 'leaderboard'), '--title',
                        f'Bench leaderboard ({args.preset})'],
                       cwd=REPO, env=_env(args), check=False)
    if failed:
        print(f'[bench] {len(failed)} stages failed or were skipped: '
              f'{", ".join(failed)}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
