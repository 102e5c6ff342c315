"""Which reading of AVCL Eq. 3-11 trains? The AMFM collapse experiment.

The paper's text leaves open how its AMFM gate, CGRA correlation and SelfCL
reduction are meant (README, "AMFM gate"). This script pretrains the paper's
R3D AVCL model (16 base channels, the demo config) on the demo dataset under
each reading, at the paper's lr (0.001) and the demo's (0.01), over several
seeds, and records for each run:

- the share of dead AMFM gate channels over training (``AMFMMonitorHook``),
- the raw L_cor and L_self curves,
- frozen-feature probes (linear / kNN, fitted on train, scored on val+test)
  on the encoders' ``[v; a]`` and on the neck output ``[f_v; f_a]``.

It writes ``OUT/results.json`` (every run, with its curves) and
``OUT/summary.md`` (mean ± 95 % t-interval over the seeds). Runs already
finished are kept (delete a run folder to redo it).

    python tools/analysis/amfm_readings.py --out work_dirs/amfm_readings \\
        --seeds 0 1 2 --epochs 20 --jobs 2
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, REPO)
BASE = osp.join(REPO, 'configs', 'demo', 'avcl_r3d_demo_pretrain.py')

# name -> (AMFM gate, CGRA centred, signed features, SelfCL reduction)
READINGS = {
    'text': ('relu', False, False, 'sum'),
    'relu_mean': ('relu', False, False, 'mean'),
    'relu_signed_sum': ('relu', False, True, 'sum'),
    'relu_signed_mean': ('relu', False, True, 'mean'),
    'relu_centred_sum': ('relu', True, False, 'sum'),
    'sigmoid_sum': ('sigmoid', False, False, 'sum'),
    'sigmoid_mean': ('sigmoid', False, False, 'mean'),
    'sigmoid_signed_sum': ('sigmoid', False, True, 'sum'),
}
DESCRIBE = {
    'text': 'every equation as printed: ReLU gate, uncentred C, SelfCL '
            'summed over samples',
    'relu_mean': 'as printed but SelfCL averaged (the configs before this '
                 'experiment)',
    'relu_signed_sum': 'as printed, features taken before the encoders\' '
                       'last ReLU (C in [-1, 1] as Eq. 6 states)',
    'relu_signed_mean': 'signed features, SelfCL averaged',
    'relu_centred_sum': 'as printed with centred (Pearson) C',
    'sigmoid_sum': 'sigmoid gate (SE excitation), the rest as printed',
    'sigmoid_mean': 'sigmoid gate, SelfCL averaged (the demo config before '
                    'this experiment)',
    'sigmoid_signed_sum': 'sigmoid gate and signed features, SelfCL summed',
}


def write_config(folder: str, reading: str, lr: float, epochs: int,
                 interval: int) -> str:
    gate, center, signed, reduction = READINGS[reading]
    path = osp.join(folder, f'{reading}_lr{lr:g}.py')
    os.makedirs(folder, exist_ok=True)
    with open(path, 'w') as f:
        f.write(f"""# written by tools/analysis/amfm_readings.py: reading {reading!r}
_base_ = [{BASE!r}]
model = dict(
    signed_features={signed},
    neck=dict(gate={gate!r}),
    head=dict(loss_cor=dict(center={center}),
              loss_self=dict(reduction={reduction!r})))
optim_wrapper = dict(optimizer=dict(lr={lr}))
train_cfg = dict(max_epochs={epochs})
default_hooks = dict(logger=dict(interval={interval}),
                     checkpoint=dict(interval={epochs}, max_keep_ckpts=1))
custom_hooks = [dict(type='BadSampleReportHook'),
                dict(type='AMFMMonitorHook', interval={interval})]
train_dataloader = dict(num_workers=1, persistent_workers=False)
""")
    return path


def curves(work: str) -> dict:
    """Logged scalars of the newest run: iteration -> values."""
    files = sorted(glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json')))
    keys = ('cor', 'selfcl', 'amfm_dead_share', 'cgra_diag_mean', 'loss')
    out = {k: [] for k in keys}
    out['iter'] = []
    for line in open(files[-1]):
        row = json.loads(line)
        if 'amfm_dead_share' not in row:
            continue
        out['iter'].append(row['step'])
        for k in keys:
            out[k].append(row.get(k))
    return out


def run_one(config: str, data: str, work: str, seed: int) -> dict:
    done = osp.join(work, 'run.json')
    if osp.isfile(done):
        return json.load(open(done))
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1')
    start = time.time()
    os.makedirs(work, exist_ok=True)
    log = open(osp.join(work, 'stdout.log'), 'w')
    subprocess.run([sys.executable, osp.join(REPO, 'tools', 'train.py'),
                    config, '--work-dir', work, '--seed', str(seed),
                    '--cfg-options', f'train_dataloader.dataset.ann_file='
                    f'{data}/train.txt',
                    f'train_dataloader.dataset.data_prefix.video='
                    f'{data}/videos'],
                   cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                   check=True)
    probe = osp.join(work, 'probe.json')
    subprocess.run([sys.executable,
                    osp.join(REPO, 'tools', 'analysis', 'probe_features.py'),
                    config, '--checkpoint', osp.join(work, 'last_checkpoint'),
                    '--data-root', data, '--workers', '0', '--no-random',
                    '--out', probe],
                   cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                   check=True)
    rows = json.load(open(probe))['results']['pretrained']
    result = dict(curves=curves(work), seconds=round(time.time() - start),
                  probe={row: {k: rows[row][k]
                               for k in ('linear_top1', 'knn_top1')}
                         for row in ('fused', 'neck fused')})
    with open(done, 'w') as f:
        json.dump(result, f)
    return result


def summarise(rows: list, seeds: list, epochs: int) -> str:
    from avcl_mm.evaluation.stats import format_ci, mean_ci

    def ci(values, digits=1):
        return format_ci(mean_ci(values), digits)

    lines = [
        f'Pretraining: paper R3D AVCL (16 base channels) on the demo data, '
        f'{epochs} epochs of 6 steps (batch 16), seeds {seeds}; mean ± 95 % '
        f't-interval over the {len(seeds)} seeds. Dead share: AMFM gate '
        f'channels that are 0 for every clip of a window (first window, '
        f'last window). L_cor / L_self: raw values in the last window. '
        f'Probes: top-1 % on val + test (48 clips), fitted on the 96 train '
        f'clips; `[v; a]` = encoders, `neck` = `[f_v; f_a]`.', '',
        '| reading | lr | dead share, first | dead share, last | '
        'diag(C), last | L_cor, last | L_self, last | linear [v; a] | '
        'kNN [v; a] | linear neck | kNN neck |',
        '| --- ' * 11 + '|']
    groups = {}
    for row in rows:
        groups.setdefault((row['reading'], row['lr']), []).append(row)
    for (reading, lr), runs in groups.items():
        c = [r['curves'] for r in runs]
        p = [r['probe'] for r in runs]
        lines.append(
            f'| {reading} | {lr:g} | '
            f'{ci([x["amfm_dead_share"][0] for x in c], 2)} | '
            f'{ci([x["amfm_dead_share"][-1] for x in c], 2)} | '
            f'{ci([x["cgra_diag_mean"][-1] for x in c], 2)} | '
            f'{ci([x["cor"][-1] for x in c])} | '
            f'{ci([x["selfcl"][-1] for x in c], 2)} | '
            f'{ci([q["fused"]["linear_top1"] for q in p])} | '
            f'{ci([q["fused"]["knn_top1"] for q in p])} | '
            f'{ci([q["neck fused"]["linear_top1"] for q in p])} | '
            f'{ci([q["neck fused"]["knn_top1"] for q in p])} |')
    # the dead share over training: mean over seeds at a few windows
    n_win = min(len(r['curves']['amfm_dead_share']) for r in rows)
    marks = sorted({0, n_win // 4, n_win // 2, 3 * n_win // 4, n_win - 1})
    iters = rows[0]['curves']['iter']
    lines += ['', 'Dead share over training (mean over the seeds), at '
              'iteration:', '',
              '| reading | lr | ' + ' | '.join(str(iters[m]) for m in marks)
              + ' |', '| --- ' * (2 + len(marks)) + '|']
    for (reading, lr), runs in groups.items():
        lines.append(f'| {reading} | {lr:g} | ' + ' | '.join(
            f'{sum(r["curves"]["amfm_dead_share"][m] for r in runs) / len(runs):.2f}'
            for m in marks) + ' |')
    lines += ['', 'Readings:'] + [f'- `{k}`: {v}.' for k, v in
                                  DESCRIBE.items()]
    return '\n'.join(lines) + '\n'


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default='work_dirs/amfm_readings',
                   help='output folder (runs, results.json, summary.md; '
                   'default: work_dirs/amfm_readings)')
    p.add_argument('--data', default='data/demo',
                   help='demo dataset (tools/data/make_demo_dataset.py; '
                   'default: data/demo)')
    p.add_argument('--readings', nargs='+', default=list(READINGS),
                   choices=list(READINGS),
                   help='readings to run (default: all)')
    p.add_argument('--lrs', nargs='+', type=float, default=[0.001, 0.01],
                   help='learning rates (0.001: paper; 0.01: demo; '
                   'default: both)')
    p.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2],
                   help='training seeds, one run per reading, lr and seed '
                   '(default: 0 1 2)')
    p.add_argument('--epochs', type=int, default=20,
                   help='pretraining epochs per run (default: 20)')
    p.add_argument('--interval', type=int, default=6,
                   help='monitor / log window in iterations (default: 6)')
    p.add_argument('--jobs', type=int, default=2,
                   help='runs at once (default: 2)')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    data = osp.abspath(args.data)
    if not osp.isfile(osp.join(data, 'train.txt')):
        raise SystemExit(f'{data}/train.txt not found: make the demo data '
                         f'with python tools/data/make_demo_dataset.py '
                         f'--out {args.data}')
    out = osp.abspath(args.out)
    jobs = []
    for reading in args.readings:
        for lr in args.lrs:
            config = write_config(osp.join(out, 'configs'), reading, lr,
                                  args.epochs, args.interval)
            for seed in args.seeds:
                work = osp.join(out, 'runs', f'{reading}_lr{lr:g}_s{seed}')
                jobs.append((reading, lr, seed, config, work))

    def task(job):
        reading, lr, seed, config, work = job
        try:
            result = run_one(config, data, work, seed)
        except subprocess.CalledProcessError as err:
            raise RuntimeError(f'{reading} lr={lr} seed={seed} failed '
                               f'({err}); see {work}/stdout.log') from err
        print(f'[amfm] {reading} lr={lr:g} seed={seed}: dead share '
              f'{result["curves"]["amfm_dead_share"][-1]:.2f}, linear neck '
              f'{result["probe"]["neck fused"]["linear_top1"]:.1f} '
              f'({result["seconds"]} s)', flush=True)
        return dict(reading=reading, lr=lr, seed=seed, **result)

    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(task, jobs))
    with open(osp.join(out, 'results.json'), 'w') as f:
        json.dump(dict(args=vars(args), runs=rows), f, indent=1)
    summary = summarise(rows, args.seeds, args.epochs)
    with open(osp.join(out, 'summary.md'), 'w') as f:
        f.write(summary)
    print(summary)
    return 0


if __name__ == '__main__':
    sys.exit(main())
