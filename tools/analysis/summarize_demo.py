"""Print the demo's result tables from the files tools/demo.sh writes, and
where this run lies relative to the interval the README states.

    python tools/analysis/summarize_demo.py --work work_dirs/demo \\
        [--reference docs/demo_reference.json]

The reference (written by ``tools/analysis/demo_seeds.py``) holds, for each
number, its mean ± 95 % confidence interval over several seeds of the same
command, the 95 % prediction interval of one more run and every seed's
value. A run inside the prediction interval is an ordinary run; a run of a
seed the reference contains should repeat that seed's value (the demo data
and CPU training are deterministic for a seed).
"""
import argparse
import importlib.util
import json
import os.path as osp
import sys

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
DEFAULT_REFERENCE = osp.join(REPO, 'docs', 'demo_reference.json')
# (method, metric key of tools/leaderboard.py, label)
DEMO_METRICS = (
    ('AVCL', 'linear_va', 'AVCL, linear probe on [v; a]'),
    ('AVCL', 'knn_va', 'AVCL, kNN on [v; a]'),
    ('AVCL', 'linear_neck', 'AVCL, linear probe on AMFM [f_v; f_a]'),
    ('AVCL', 'knn_neck', 'AVCL, kNN on AMFM [f_v; f_a]'),
    ('Random init', 'linear_va', 'random init, linear probe on [v; a]'),
    ('Random init', 'knn_va', 'random init, kNN on [v; a]'),
    ('AVCL', 'top1', 'AVCL finetuned, test top-1'),
)


def leaderboard():
    """tools/leaderboard.py as a module (its result-file reader)."""
    spec = importlib.util.spec_from_file_location(
        'avcl_leaderboard', osp.join(REPO, 'tools', 'leaderboard.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_values(work: str) -> dict:
    """``{(method, metric): value}`` and the run's seed, from one demo
    run's ``probe.json`` and ``test/test_metrics.json``."""
    lb = leaderboard()
    values, seed = {}, None
    for path in (osp.join(work, 'probe.json'),
                 osp.join(work, 'test', 'test_metrics.json')):
        if not osp.isfile(path):
            continue
        for entry in lb.entries_of_file(path) or []:
            if entry['method'] != 'Random init' and seed is None:
                seed = entry['seed']
            for metric, value in entry['metrics'].items():
                values[(entry['method'], metric)] = value
    return values, seed


def probe_table(probe: dict) -> list:
    results = probe['results']
    counts = next(iter(results.values()))
    lines = [f'Frozen features, top-1 % on '
             f'{" + ".join(probe.get("eval_splits", ["test"]))} '
             f'({counts.get("num_eval", "?")} clips; probes fitted on '
             f'{counts.get("num_train", "?")} train clips):', '',
             '| encoders | feature | kNN (k=10) | linear probe | '
             'retrieval R@1 / R@5 / R@10 |',
             '| --- | --- | --- | --- | --- |']
    for name, rows in results.items():
        for key, row in rows.items():
            if isinstance(row, dict):
                recall = ' / '.join(
                    f'{row[k]:.1f}' for k in
                    ('recall@1', 'recall@5', 'recall@10') if k in row)
                lines.append(f'| {name} | {key} | {row["knn_top1"]:.1f} | '
                             f'{row["linear_top1"]:.1f} | {recall or "-"} |')
    return lines + ['']


def placement(values: dict, seed, reference: dict) -> list:
    """Lines saying where each number lies relative to the reference."""
    seeds = reference.get('seeds', [])
    lines = [f'Where this run (seed {seed}) lies relative to '
             f'{len(seeds)} seeds of `{reference.get("command", "?")}` '
             f'(mean ± 95 % CI; a new run lands in the 95 % prediction '
             'interval):', '',
             '| number | this run | mean ± 95 % CI | prediction interval '
             '| seeds\' range | verdict |', '| --- | --- | --- | --- | --- '
             '| --- |']
    for ref in reference.get('metrics', []):
        value = values.get((ref['method'], ref['metric']))
        if value is None:
            continue
        inside_ci = ref['low'] <= value <= ref['high']
        inside_pred = ref['pred_low'] <= value <= ref['pred_high']
        same = ref['values'].get(str(seed))
        if same is not None and abs(same - value) < 1e-6:
            verdict = f'repeats seed {seed} of the reference exactly'
        elif inside_ci:
            verdict = 'inside the CI of the mean'
        elif inside_pred:
            verdict = 'inside the prediction interval'
        else:
            verdict = 'OUTSIDE the prediction interval'
        if same is not None and abs(same - value) >= 1e-6:
            verdict += f' (the reference seed {seed} gave {same:.1f})'
        lines.append(
            f'| {ref["label"]} | {value:.1f} | {ref["mean"]:.1f} ± '
            f'{ref["half_width"]:.1f} | [{ref["pred_low"]:.1f}, '
            f'{ref["pred_high"]:.1f}] | {min(ref["values"].values()):.1f}'
            f'–{max(ref["values"].values()):.1f} | {verdict} |')
    return lines + ['']


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work', default='work_dirs/demo',
                        help='work dir of tools/demo.sh, read for probe.json '
                        'and test/test_metrics.json (default: '
                        'work_dirs/demo)')
    parser.add_argument('--reference', default=DEFAULT_REFERENCE,
                        help='intervals of the demo over seeds (default: '
                        'docs/demo_reference.json; a missing file skips the '
                        'comparison)')
    args = parser.parse_args(argv)
    sys.path.insert(0, REPO)
    lines = ['', '## Demo results', '']
    probe_file = osp.join(args.work, 'probe.json')
    if osp.isfile(probe_file):
        with open(probe_file) as f:
            lines += probe_table(json.load(f))
    test_file = osp.join(args.work, 'test', 'test_metrics.json')
    if osp.isfile(test_file):
        with open(test_file) as f:
            test = json.load(f)
        m = test['metrics']
        lines += ['AVCL pretrain -> finetune, 3-clip test on the test split:',
                  '',
                  '| method | top-1 | top-5 | mean class acc. | checkpoint |',
                  '| --- | --- | --- | --- | --- |',
                  f'| AVCL R3D (demo) | {100 * m.get("acc/top1", 0):.1f} | '
                  f'{100 * m.get("acc/top5", 0):.1f} | '
                  f'{100 * m.get("acc/mean1", 0):.1f} | '
                  f'{osp.basename(test["checkpoint"])} |', '']
    if args.reference and osp.isfile(args.reference):
        with open(args.reference) as f:
            reference = json.load(f)
        values, seed = run_values(args.work)
        lines += placement(values, seed, reference)
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
