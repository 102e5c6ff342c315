"""Repeat a short two-process CPU run and count the runs that did not exit 0.

A distributed run that finished its work must exit 0 on every rank: a
scheduler marks a multi-day job failed otherwise. This script runs
``tools/dist_train.sh CONFIG NPROC`` (gloo on CPU, tiny data, a couple of
iterations: the ``--cfg-options`` of ``smoke_configs.py``) ``--runs`` times
and reports every exit code and every abort message (``terminate called``,
``Aborted``, ``core dumped``) seen in the output.

    python tools/analysis/stress_dist_runs.py --runs 30 \\
        --config configs/avcl_r2plus1d_k100.py --json work_dirs/stress.json

Arguments after ``--`` go to ``tools/train.py`` after the smoke
``--cfg-options`` (e.g. ``-- --seed 0``). Exit status 1 when any run failed.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import socket
import subprocess
import sys
import time

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.abspath(osp.join(HERE, '..', '..'))
sys.path.insert(0, HERE)

ABORT_SIGNS = ('terminate called', 'Aborted', 'core dumped', 'SIGABRT',
               'Signal 6')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--config', default='configs/avcl_r2plus1d_k100.py',
                   help='training config to run (default: '
                   'configs/avcl_r2plus1d_k100.py)')
    p.add_argument('--runs', type=int, default=15,
                   help='how many times to run it (default: 15)')
    p.add_argument('--nproc', type=int, default=2,
                   help='processes per run (default: 2)')
    p.add_argument('--iters', type=int, default=2,
                   help='training iterations per run (default: 2)')
    p.add_argument('--data-root', help='demo-layout dataset; default: a '
                   'tiny one made in WORK_DIR')
    p.add_argument('--work-dir', default='work_dirs/stress_dist_runs',
                   help='where runs and logs go (each run starts afresh; '
                   'default: work_dirs/stress_dist_runs)')
    p.add_argument('--timeout', type=float, default=300,
                   help='seconds one run may take before it is killed and '
                   'counted as failed (default: 300)')
    p.add_argument('--json', help='write the per-run results here')
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index('--') + 1:] if '--' in argv else []
    argv = argv[:argv.index('--')] if '--' in argv else argv
    args = p.parse_args(argv)
    args.extra = extra  # after "--": more tools/train.py arguments
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmengine.config import Config
    from smoke_configs import ensure_data, plan_options
    work_dir = osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    data_root = ensure_data(args.data_root, work_dir)
    run_dir = osp.join(work_dir, 'run')
    options = plan_options(Config.fromfile(args.config), data_root, run_dir,
                           iters=args.iters, world_size=args.nproc)['train']
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1',
               PYTHON=sys.executable)
    rows = []
    for i in range(args.runs):
        shutil.rmtree(run_dir, ignore_errors=True)
        env['PORT'] = str(free_port())
        start = time.time()
        try:
            proc = subprocess.run(
                ['bash', osp.join(REPO, 'tools', 'dist_train.sh'),
                 args.config, str(args.nproc), '--cfg-options', *options,
                 *args.extra],
                cwd=REPO, env=env, capture_output=True, text=True,
                timeout=args.timeout)
            code, out = proc.returncode, proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as err:
            code = 'timeout'
            out = (err.stdout or b'').decode(errors='replace') + \
                (err.stderr or b'').decode(errors='replace')
        signs = sorted({s for s in ABORT_SIGNS if s in out})
        saved = osp.isfile(osp.join(run_dir, 'last_checkpoint'))
        rows.append(dict(run=i, exit_code=code, abort_signs=signs,
                         checkpoint_saved=saved,
                         seconds=round(time.time() - start, 1)))
        if code != 0 or signs:
            with open(osp.join(work_dir, f'failed_run_{i}.log'), 'w') as f:
                f.write(out)
        print(f'[stress] run {i + 1}/{args.runs}: exit {code}'
              f'{" " + ", ".join(signs) if signs else ""}'
              f'{"" if saved else " (no checkpoint)"} '
              f'{rows[-1]["seconds"]} s', flush=True)
    bad = [r for r in rows if r['exit_code'] != 0 or r['abort_signs']
           or not r['checkpoint_saved']]
    print(f'[stress] {len(rows) - len(bad)} of {len(rows)} runs of '
          f'{args.config} ({args.nproc} processes) exited 0 cleanly; '
          f'{len(bad)} failed')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(config=args.config, nproc=args.nproc, runs=rows,
                           failed=len(bad)), f, indent=2)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
