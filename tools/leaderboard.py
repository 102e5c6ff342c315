"""Aggregate benchmark results over seeds into ranked tables with 95 %
confidence intervals, and compare a reference method with every other one
on the seeds both ran.

    python tools/leaderboard.py --work-dirs work_dirs/bench \\
        --out work_dirs/bench/leaderboard [--reference AVCL] [--paper]

Reads every self-describing result under the folders (it runs nothing):

- ``test_metrics.json`` of ``tools/test.py`` (finetuned or from-scratch
  classifiers: top-1, top-5, mean class accuracy);
- probe JSONs of ``tools/analysis/probe_features.py`` (frozen features:
  linear probe and kNN on ``[v; a]`` and on the method's neck output; their
  ``random`` rows become the ``Random init`` reference).

Each file's ``run`` entry says what it is (method, backbone, protocol,
dataset, epochs, seed: ``avcl_mm.evaluation.run_info``); files without one
(older tools) are skipped and counted. Results are grouped by (method,
backbone, protocol, dataset); a group reports mean ± half-width of the
Student-t 95 % interval over its seeds and every per-seed value.

Outputs in ``--out``: ``table.md`` (frozen-feature probes, the primary
ranking of self-supervised methods; finetuning, the second table; paired
comparisons), ``table.csv`` (one line per group and metric),
``table.json`` (groups, per-seed values, comparisons) and ``table.png``
(bars with 95 % error bars and the seeds as dots). Paired comparisons: for
the reference method (``--reference``, default AVCL) against each other
group of the same table and dataset, on their common seeds: the mean
difference with its 95 % interval and a paired t-test p-value (raw, and
Holm-adjusted over the comparisons of one metric). ``--paper`` also writes
the paper's reported top-1 (AVCL Table IV) to ``paper_table.md``, apart
from every measured number.
"""
import argparse
import csv
import json
import math
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..'))
sys.path.insert(0, REPO)

from avcl_mm.evaluation.stats import mean_ci, paired_test  # noqa: E402

# (metric key, column header, where it comes from)
PROBE_METRICS = (
    ('linear_va', 'linear [v; a]', ('fused', 'linear_top1')),
    ('knn_va', 'kNN [v; a]', ('fused', 'knn_top1')),
    ('linear_neck', 'linear neck', ('neck fused', 'linear_top1')),
    ('knn_neck', 'kNN neck', ('neck fused', 'knn_top1')),
    ('recall1_va', 'R@1 [v; a]', ('fused', 'recall@1')),
    ('linear_v', 'linear v', ('video', 'linear_top1')),
    ('linear_a', 'linear a', ('audio', 'linear_top1')))
TEST_METRICS = (('top1', 'top-1', 'acc/top1'),
                ('top5', 'top-5', 'acc/top5'),
                ('mean_class_acc', 'mean class acc.', 'acc/mean1'))
# table -> (protocols, metrics shown, ranking metric, compared metrics)
TABLES = {
    'probe': (('frozen', ),
              ('linear_va', 'knn_va', 'linear_neck', 'knn_neck',
               'recall1_va', 'linear_v', 'linear_a'),
              'linear_va', ('linear_va', 'knn_va')),
    'finetune': (('finetune', 'from scratch'),
                 ('top1', 'top5', 'mean_class_acc'), 'top1', ('top1', ))}
HEADERS = {k: h for k, h, _ in PROBE_METRICS + TEST_METRICS}
KEY = ('method', 'backbone', 'protocol', 'dataset')

# The paper's reported top-1 (%) on K32 / K100 (AVCL Table IV): only
# for the separate paper table, never mixed with measured rows.
PAPER_TOP1 = (
    ('Baseline-R (RGB, supervised)', 'R3D', 60.4, 53.6),
    ('Baseline-A (audio, supervised)', 'R3D', 52.9, 40.9),
    ('Baseline-R+A (supervised)', 'R3D', 73.9, 61.3),
    ('IIC', 'R3D', 60.5, 46.4),
    ('SimCLR', 'R3D', 69.7, 59.1),
    ('MoCo', 'R3D', 68.2, 58.2),
    ('BYOL', 'R3D', 73.3, 61.4),
    ('SimSiam', 'R3D', 72.9, 60.8),
    ('Barlow Twins', 'R3D', 69.6, 59.3),
    ('AVCL', 'R3D', 75.6, 64.4),
    ('AVCL', 'C3D', 74.0, 61.3),
    ('AVCL', 'R(2+1)D', 77.2, 67.1),
)


# --------------------------------------------------------------------------
# reading


def _entry(run: dict, source: str, metrics: dict, **over) -> dict:
    entry = {k: run.get(k) for k in KEY}
    entry.update(seed=run.get('seed'), source=source, metrics=metrics,
                 pretrain_epochs=run.get('pretrain_epochs'),
                 finetune_epochs=run.get('finetune_epochs'))
    entry.update(over)
    return entry


def entries_of_file(path: str) -> Optional[List[dict]]:
    """Result entries of one JSON file: ``[]`` when it is no result file,
    ``None`` when it is one without a ``run`` description."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict):
        return []
    is_test = osp.basename(path) == 'test_metrics.json'
    is_probe = isinstance(data.get('results'), dict)
    if not (is_test or is_probe):
        return []
    run = data.get('run')
    if not isinstance(run, dict) or not run.get('method'):
        return None
    if is_test:
        raw = data.get('metrics', {})
        metrics = {key: 100.0 * raw[src] for key, _, src in TEST_METRICS
                   if src in raw}
        return [_entry(run, path, metrics)]
    out = []
    for name, rows in data['results'].items():
        metrics = {}
        for key, _, (row, field) in PROBE_METRICS:
            value = rows.get(row, {}).get(field) \
                if isinstance(rows.get(row), dict) else None
            if value is not None:
                metrics[key] = float(value)
        if name == 'random':
            out.append(_entry(run, path, metrics, method='Random init',
                              protocol='frozen', pretrain_epochs=0,
                              seed=data.get('random_seed', run.get('seed'))))
        elif name == 'pretrained':
            out.append(_entry(run, path, metrics, protocol='frozen'))
    return out


def collect(work_dirs: Sequence[str]) -> tuple:
    """``(entries, skipped)``: every result entry under the folders, and
    the result files that carry no ``run`` description."""
    entries, skipped = [], []
    for root in work_dirs:
        if not osp.isdir(root):
            raise FileNotFoundError(f'work dir "{root}" does not exist')
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                if not name.endswith('.json'):
                    continue
                found = entries_of_file(osp.join(folder, name))
                if found is None:
                    skipped.append(osp.join(folder, name))
                else:
                    entries += found
    return entries, skipped


# --------------------------------------------------------------------------
# aggregating


def aggregate(entries: List[dict], level: float = 0.95) -> List[dict]:
    """One group per (method, backbone, protocol, dataset): per metric the
    values by seed and :func:`mean_ci` over them. A seed seen twice in a
    group keeps its first value (``duplicates`` counts the others and
    ``duplicate_sources`` names them; the tool warns)."""
    groups: Dict[tuple, dict] = {}
    for e in entries:
        key = tuple(e[k] for k in KEY)
        group = groups.setdefault(key, dict(
            zip(KEY, key), values={}, sources=[], duplicates=0,
            duplicate_sources=[], pretrain_epochs=set(),
            finetune_epochs=set()))
        seed = e['seed']
        if any(seed in v for v in group['values'].values()):
            group['duplicates'] += 1
            group['duplicate_sources'].append(e['source'])
            continue
        for metric, value in e['metrics'].items():
            group['values'].setdefault(metric, {})[seed] = value
        group['sources'].append(e['source'])
        for k in ('pretrain_epochs', 'finetune_epochs'):
            if e.get(k) is not None:
                group[k].add(e[k])
    out = []
    for group in groups.values():
        group['stats'] = {m: mean_ci(list(v.values()), level)
                          for m, v in group['values'].items()}
        group['seeds'] = sorted({s for v in group['values'].values()
                                 for s in v}, key=str)
        for k in ('pretrain_epochs', 'finetune_epochs'):
            group[k] = sorted(group[k])
        out.append(group)
    return out


def table_groups(groups: List[dict], table: str, dataset) -> List[dict]:
    """The groups of one table and dataset, ranked by the table's ranking
    metric (mean, descending; equal means share a rank)."""
    protocols, _, metric, _ = TABLES[table]
    rows = [g for g in groups if g['protocol'] in protocols and
            g['dataset'] == dataset and metric in g['stats']]
    rows.sort(key=lambda g: (-g['stats'][metric]['mean'], g['method']))
    for i, g in enumerate(rows):
        same = i and rows[i - 1]['stats'][metric]['mean'] == \
            g['stats'][metric]['mean']
        g.setdefault('rank', {})[table] = rows[i - 1]['rank'][table] \
            if same else i + 1
    return rows


def holm(pvalues: List[float]) -> List[float]:
    """Holm-Bonferroni adjusted p-values (``nan`` stays ``nan``)."""
    valid = sorted((p, i) for i, p in enumerate(pvalues) if not
                   math.isnan(p))
    adjusted = [math.nan] * len(pvalues)
    running = 0.0
    for rank, (p, i) in enumerate(valid):
        running = max(running, min(1.0, (len(valid) - rank) * p))
        adjusted[i] = running
    return adjusted


def compare(rows: List[dict], table: str, reference: str,
            level: float = 0.95) -> List[dict]:
    """Paired comparisons of ``reference`` with every other group of one
    table (same dataset) on their common seeds, per compared metric."""
    out = []
    for metric in TABLES[table][3]:
        refs = [g for g in rows if g['method'] == reference and
                metric in g['values']]
        found = []
        for ref in refs:
            for other in rows:
                if other is ref or metric not in other['values']:
                    continue
                seeds = sorted(set(ref['values'][metric]) &
                               set(other['values'][metric]), key=str)
                a = [ref['values'][metric][s] for s in seeds]
                b = [other['values'][metric][s] for s in seeds]
                test = paired_test(a, b, level)
                found.append(dict(
                    table=table, metric=metric, dataset=ref['dataset'],
                    reference=ref['method'], method=other['method'],
                    protocol=other['protocol'], seeds=seeds,
                    reference_mean=sum(a) / len(a) if a else math.nan,
                    other_mean=sum(b) / len(b) if b else math.nan, **test))
        for c, p in zip(found, holm([c['p'] for c in found])):
            c['p_holm'] = p
            c['verdict'] = verdict(c)
        out += found
    return out


def verdict(c: dict) -> str:
    if c['n'] < 2 or math.isnan(c['p']):
        return 'too few common seeds'
    if c['p'] >= 0.05:
        return 'no significant difference'
    side = 'higher' if c['mean_diff'] > 0 else 'lower'
    holm_note = '' if c['p_holm'] < 0.05 else ' (not after Holm)'
    return f'{c["reference"]} {side}{holm_note}'


# --------------------------------------------------------------------------
# writing


def _ci(stats: Optional[dict]) -> str:
    if stats is None:
        return '-'
    if math.isnan(stats['half_width']):
        return f'{stats["mean"]:.1f}'
    return f'{stats["mean"]:.1f} ± {stats["half_width"]:.1f}'


def _per_seed(values: dict) -> str:
    return ', '.join(f'{values[s]:.1f}' for s in sorted(values, key=str))


def _epochs(g: dict) -> str:
    pre = '/'.join(str(e) for e in g['pretrain_epochs'])
    fine = '/'.join(str(e) for e in g['finetune_epochs'])
    if g['protocol'] == 'frozen':
        return pre or '-'
    return f'{pre} + {fine}' if pre else fine or '-'


def _p(p: float) -> str:
    return '-' if math.isnan(p) else ('< 0.001' if p < 0.001 else
                                      f'{p:.3f}')


def markdown(tables: Dict[tuple, List[dict]], comparisons: List[dict],
             title: str, level: float, skipped: Sequence[str]) -> str:
    pct = f'{100 * level:g} %'
    lines = [f'# {title}', '',
             f'Mean ± half-width of the {pct} Student-t interval over seeds '
             '(n = number of seeds); per-seed values in seed order. Top-1 '
             '(%).', '']
    for (table, dataset), rows in tables.items():
        _, metrics, ranked_by, _ = TABLES[table]
        metrics = [m for m in metrics if any(m in g['stats'] for g in rows)]
        if table == 'probe':
            lines += [f'## Frozen-feature probes ({dataset}): the primary '
                      'ranking', '',
                      'Linear probe and kNN (k=10) fitted on the train '
                      'clips; `[v; a]` = the encoders\' pooled outputs, '
                      '`neck` = the method\'s neck output (AVCL: AMFM '
                      '`[f_v; f_a]`; others: their projector; none: '
                      '`-`). Ranked by the mean linear probe on `[v; a]`.',
                      '']
        else:
            lines += [f'## Finetuning ({dataset})', '',
                      'Whole model trained with labels, from the '
                      'pretrained encoders (finetune) or from random '
                      'initialisation (from scratch); tested on the test '
                      'split. Ranked by mean top-1.', '']
        head = ['rank', 'method', 'backbone', 'protocol', 'n'] + \
            [HEADERS[m] for m in metrics] + \
            [f'per seed ({HEADERS[ranked_by]})', 'epochs']
        lines += ['| ' + ' | '.join(head) + ' |',
                  '| ' + ' | '.join('---' for _ in head) + ' |']
        for g in rows:
            cells = [str(g['rank'][table]), g['method'], g['backbone'] or
                     '?', g['protocol'], str(len(g['seeds']))]
            cells += [_ci(g['stats'].get(m)) for m in metrics]
            cells += [_per_seed(g['values'][ranked_by]), _epochs(g)]
            lines.append('| ' + ' | '.join(cells) + ' |')
        lines.append('')
    if comparisons:
        lines += ['## Paired comparisons', '',
                  f'Reference minus method on the seeds both ran: mean '
                  f'difference ± {pct} interval, paired t-test p (two-sided) '
                  'and p adjusted (Holm) over the comparisons of one metric. '
                  '"no significant difference" means the data do not '
                  'separate the two at this number of seeds, not that they '
                  'are equal.', '',
                  '| metric | dataset | reference − method | n | difference '
                  f'| {pct} interval | p | p (Holm) | verdict |',
                  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |']
        for c in comparisons:
            interval = '-' if math.isnan(c['half_width']) else \
                f'[{c["low"]:.1f}, {c["high"]:.1f}]'
            who = c['method'] + (' (from scratch)' if
                                 c['protocol'] == 'from scratch' else '')
            lines.append(
                f'| {HEADERS[c["metric"]]} | {c["dataset"]} | '
                f'{c["reference"]} − {who} | {c["n"]} | '
                f'{c["mean_diff"]:+.1f} | {interval} | {_p(c["p"])} | '
                f'{_p(c["p_holm"])} | {c["verdict"]} |')
        lines.append('')
    if skipped:
        lines += [f'{len(skipped)} result file(s) without a `run` '
                  'description (written by older tools) were skipped.', '']
    return '\n'.join(lines)


def write_csv(groups: List[dict], path: str) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['method', 'backbone', 'protocol', 'dataset',
                         'metric', 'n', 'mean', 'half_width', 'low', 'high',
                         'std', 'per_seed'])
        for g in groups:
            for metric, s in sorted(g['stats'].items()):
                values = g['values'][metric]
                writer.writerow(
                    [g['method'], g['backbone'], g['protocol'],
                     g['dataset'], metric, s['n'], f'{s["mean"]:.4f}'] +
                    ['' if math.isnan(s[k]) else f'{s[k]:.4f}'
                     for k in ('half_width', 'low', 'high', 'std')] +
                    [' '.join(f'{k}:{values[k]:.4f}'
                              for k in sorted(values, key=str))])


def _clean(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and math.isinf(value):
        return 'inf' if value > 0 else '-inf'
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def write_json(groups: List[dict], comparisons: List[dict], path: str,
               title: str, level: float, skipped: Sequence[str]) -> None:
    keep = KEY + ('seeds', 'values', 'stats', 'rank', 'pretrain_epochs',
                  'finetune_epochs', 'sources', 'duplicates',
                  'duplicate_sources')
    with open(path, 'w') as f:
        json.dump(_clean(dict(
            title=title, level=level, measured=True, units='top-1 %',
            groups=[{k: g.get(k) for k in keep} for g in groups],
            comparisons=comparisons, skipped=list(skipped))), f, indent=2)


def plot(tables: Dict[tuple, List[dict]], path: str, title: str) -> None:
    """One panel per table: the ranking metric's mean with its interval as
    an error bar and each seed's value as a dot."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    panels = [(k, rows) for k, rows in tables.items() if rows]
    height = 1.5 + 0.32 * max([len(r) for _, r in panels] or [1])
    fig, axes = plt.subplots(1, max(len(panels), 1), squeeze=False,
                             figsize=(6.5 * max(len(panels), 1), height))
    for ax, ((table, dataset), rows) in zip(axes[0], panels):
        metric = TABLES[table][2]
        y = list(range(len(rows)))[::-1]
        means = [g['stats'][metric]['mean'] for g in rows]
        errs = [0.0 if math.isnan(g['stats'][metric]['half_width']) else
                g['stats'][metric]['half_width'] for g in rows]
        colours = ['#C44E52' if g['method'] == 'AVCL' else
                   '#8C8C8C' if g['protocol'] in ('from scratch', ) or
                   g['method'] == 'Random init' else '#4C72B0' for g in rows]
        ax.barh(y, means, xerr=errs, color=colours, alpha=0.8,
                error_kw=dict(ecolor='black', capsize=3, lw=1))
        for yi, g in zip(y, rows):
            vals = list(g['values'][metric].values())
            ax.plot(vals, [yi] * len(vals), 'k.', ms=4)
        ax.set_yticks(y)
        ax.set_yticklabels([g['method'] + (' (scratch)' if g['protocol'] ==
                                           'from scratch' else '')
                            for g in rows], fontsize=8)
        ax.set_xlim(0, 100)
        ax.set_xlabel('test top-1 (%)' if metric == 'top1' else
                      f'{HEADERS[metric]}: top-1 (%)')
        ax.set_title(f'{"probe" if table == "probe" else "finetune"} '
                     f'({dataset})', fontsize=10)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches='tight')
    plt.close(fig)


def paper_markdown() -> str:
    """The paper's reported numbers, clearly marked as not measured."""
    lines = ["## The paper's reported top-1 (%) (AVCL Table IV; NOT measured "
             'here)', '',
             'Kinetics-Sounds (K32) and K100, full schedules (300 pretraining '
             '+ 150 finetuning epochs on 8 GPUs). Reference only: not '
             'comparable with the measured tables.', '',
             '| method | backbone | K32 top-1 (paper) | K100 top-1 (paper) |',
             '| --- | --- | --- | --- |']
    for name, backbone, k32, k100 in PAPER_TOP1:
        lines.append(f'| {name} | {backbone} | {k32:.1f} | {k100:.1f} |')
    return '\n'.join(lines) + '\n'


def build(work_dirs: Sequence[str], reference: str = 'AVCL',
          level: float = 0.95) -> dict:
    """Everything the outputs show: ``groups``, ``tables`` ((table,
    dataset) -> ranked groups), ``comparisons`` and ``skipped`` files."""
    entries, skipped = collect(work_dirs)
    groups = aggregate(entries, level)
    tables, comparisons = {}, []
    datasets = sorted({g['dataset'] for g in groups}, key=str)
    for table in TABLES:
        for dataset in datasets:
            rows = table_groups(groups, table, dataset)
            if rows:
                tables[(table, dataset)] = rows
                comparisons += compare(rows, table, reference, level)
    return dict(groups=groups, tables=tables, comparisons=comparisons,
                skipped=skipped)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work-dirs', nargs='+', required=True,
                        help='folders searched (recursively) for '
                        'test_metrics.json and probe JSON files')
    parser.add_argument('--out', default='work_dirs/leaderboard',
                        help='output folder (default: work_dirs/leaderboard)')
    parser.add_argument('--reference', default='AVCL',
                        help='method compared with every other one (default: '
                        'AVCL)')
    parser.add_argument('--level', type=float, default=0.95,
                        help='confidence level of the intervals (default: '
                        '0.95)')
    parser.add_argument('--title', default='Leaderboard',
                        help='title of the tables (default: Leaderboard)')
    parser.add_argument('--paper', action='store_true',
                        help="also write the paper's reported Table IV "
                        'numbers to paper_table.md (never into the measured '
                        'tables)')
    args = parser.parse_args(argv)
    if not 0 < args.level < 1:
        parser.error('--level must be in (0, 1)')
    result = build(args.work_dirs, args.reference, args.level)
    if not result['groups']:
        print(f'[leaderboard] no results with a run description under '
              f'{", ".join(args.work_dirs)}', file=sys.stderr)
        return 1
    for g in result['groups']:
        for source in g['duplicate_sources']:
            print(f'[leaderboard] WARNING: {g["method"]} ({g["protocol"]}) '
                  f'has this seed twice; ignored {source} (one result per '
                  'seed: remove the copy or fix its run description)',
                  file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    md = markdown(result['tables'], result['comparisons'], args.title,
                  args.level, result['skipped'])
    with open(osp.join(args.out, 'table.md'), 'w') as f:
        f.write(md)
    write_csv(result['groups'], osp.join(args.out, 'table.csv'))
    write_json(result['groups'], result['comparisons'],
               osp.join(args.out, 'table.json'), args.title, args.level,
               result['skipped'])
    plot(result['tables'], osp.join(args.out, 'table.png'), args.title)
    print(md)
    if args.paper:
        text = paper_markdown()
        with open(osp.join(args.out, 'paper_table.md'), 'w') as f:
            f.write(text)
        print(text)
    names = ('table.md', 'table.csv', 'table.json', 'table.png')
    print(f'[leaderboard] wrote {", ".join(osp.join(args.out, n) for n in names)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
