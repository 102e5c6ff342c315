"""Run the demo (``bash tools/demo.sh``) once per seed and state its numbers
as mean ± 95 % confidence interval over the seeds: the command behind the
demo numbers of README.md and docs/demo.md.

    python tools/analysis/demo_seeds.py --seeds 0 1 2 3 4

Each seed runs the unchanged demo (same data, same configs; ``SEED`` seeds
pretraining, the random-init probe and finetuning) in
``<out>/seed<k>`` (log: ``demo.log``); a seed whose results exist is not
run again. The runs are aggregated by tools/leaderboard.py (tables in
``<out>/leaderboard``) and summarised in ``--reference``
(docs/demo_reference.json): per number, the mean, the 95 % interval of
the mean, the 95 % prediction interval of one more run and every seed's
value. tools/analysis/summarize_demo.py (the end of tools/demo.sh) places a
new run against that file.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from summarize_demo import (DEFAULT_REFERENCE, DEMO_METRICS,  # noqa: E402
                            leaderboard)


def run_seed(seed: int, out: str) -> float:
    """``bash tools/demo.sh`` with ``SEED=seed`` into ``out/seed<k>``;
    its wall-clock seconds (0 when its results existed)."""
    work = osp.join(out, f'seed{seed}')
    if osp.isfile(osp.join(work, 'test', 'test_metrics.json')) and \
            osp.isfile(osp.join(work, 'probe.json')):
        print(f'[demo-seeds] seed {seed}: done before, kept', flush=True)
        return 0.0
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, WORK=work, SEED=str(seed))
    start = time.time()
    with open(osp.join(work, 'demo.log'), 'w') as log:
        proc = subprocess.run(['bash', 'tools/demo.sh'], cwd=REPO, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    seconds = time.time() - start
    if proc.returncode != 0:
        raise SystemExit(f'[demo-seeds] seed {seed} failed (exit '
                         f'{proc.returncode}); see {work}/demo.log')
    print(f'[demo-seeds] seed {seed}: {seconds:.0f} s', flush=True)
    return seconds


def reference(out: str, seeds, command: str, seconds: dict) -> dict:
    """The numbers of the demo over ``seeds``, from the leaderboard's
    groups of the runs in ``out``."""
    lb = leaderboard()
    groups = lb.build([osp.join(out, f'seed{s}') for s in seeds])['groups']
    by = {}
    for g in groups:
        by[(g['method'], 'top1' if g['protocol'] != 'frozen' else
            'probe')] = g
    metrics = []
    for method, metric, label in DEMO_METRICS:
        group = by.get((method, 'top1' if metric == 'top1' else 'probe'))
        if group is None or metric not in group['stats']:
            continue
        s = group['stats'][metric]
        metrics.append(dict(
            method=method, metric=metric, label=label, n=s['n'],
            mean=s['mean'], half_width=s['half_width'], low=s['low'],
            high=s['high'], pred_low=s['mean'] - s['pred_half_width'],
            pred_high=s['mean'] + s['pred_half_width'],
            values={str(k): v for k, v in group['values'][metric].items()}))
    return dict(command=command, seeds=list(seeds),
                date=time.strftime('%Y-%m-%d'),
                demo_seconds={str(k): round(v) for k, v in seconds.items()
                              if v}, metrics=metrics)


def markdown(ref: dict) -> str:
    lines = [f'{len(ref["seeds"])} seeds ({", ".join(map(str, ref["seeds"]))})'
             f' of `bash tools/demo.sh`, made by `{ref["command"]}`:', '',
             '| number | mean ± 95 % CI | one run: 95 % prediction interval '
             '| per seed |', '| --- | --- | --- | --- |']
    for m in ref['metrics']:
        per_seed = ', '.join(f'{m["values"][str(s)]:.1f}'
                             for s in ref['seeds'] if str(s) in m['values'])
        lines.append(f'| {m["label"]} | {m["mean"]:.1f} ± '
                     f'{m["half_width"]:.1f} | [{m["pred_low"]:.1f}, '
                     f'{m["pred_high"]:.1f}] | {per_seed} |')
    return '\n'.join(lines) + '\n'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--seeds', nargs='+', type=int,
                        default=[0, 1, 2, 3, 4],
                        help='seeds of the demo runs, at least 3 (default: '
                        '0 1 2 3 4)')
    parser.add_argument('--out', default='work_dirs/demo_seeds',
                        help='folder of the runs (default: '
                        'work_dirs/demo_seeds)')
    parser.add_argument('--reference', default=DEFAULT_REFERENCE,
                        help='where to write the intervals (default: '
                        'docs/demo_reference.json)')
    args = parser.parse_args(argv)
    if len(set(args.seeds)) < 3:
        parser.error('--seeds needs at least 3 different seeds')
    out = osp.abspath(args.out)
    seconds = {seed: run_seed(seed, out) for seed in args.seeds}
    command = 'python tools/analysis/demo_seeds.py --seeds ' + \
        ' '.join(map(str, args.seeds))
    ref = reference(out, args.seeds, command, seconds)
    with open(args.reference, 'w') as f:
        json.dump(ref, f, indent=2)
        f.write('\n')
    subprocess.run([sys.executable, 'tools/leaderboard.py', '--work-dirs',
                    *[osp.join(out, f'seed{s}') for s in args.seeds],
                    '--out', osp.join(out, 'leaderboard'), '--title',
                    'Demo over seeds'], cwd=REPO, check=False,
                   stdout=subprocess.DEVNULL)
    print(markdown(ref))
    print(f'[demo-seeds] wrote {args.reference} and '
          f'{osp.join(out, "leaderboard")}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
