"""Rank methods by their test results: a Markdown, CSV and JSON table and a
PNG bar chart.

Three ways in (they combine; every row is a *measured* result)::

    # read results already on disk: every test_metrics.json (tools/test.py)
    # and probe JSON (tools/analysis/probe_features.py) under the folders
    python tools/leaderboard.py --work-dirs work_dirs/demo work_dirs/x \\
        --out work_dirs/leaderboard

    # test (config, checkpoint) pairs with tools/test.py first (an optional
    # third value names the method); pairs already tested are read back
    python tools/leaderboard.py --out work_dirs/leaderboard \\
        --run configs/demo/avcl_r3d_demo_finetune.py ckpt.pth AVCL

    # the demo leaderboard: every method on the demo dataset, short
    # schedules (pretrain -> finetune -> test; supervised: train -> test)
    python tools/leaderboard.py --demo --out work_dirs/leaderboard_demo

The demo is resumable: a method whose ``<out>/<method>/test/
test_metrics.json`` exists is skipped, a finished stage is not rerun and an
interrupted one resumes from its last checkpoint. Each stage's output goes
to ``<out>/<method>/<stage>.log``.

Outputs in ``--out``: ``table.md``, ``table.csv``, ``table.json`` and
``table.png``. Rows are ranked within a protocol group (end-to-end
training: ``finetune`` and supervised ``from scratch``; ``linear probe``;
``kNN``) by top-1, then top-5, then mean class accuracy. ``--paper`` also
writes the paper's reported K32/K100 top-1 (AVCL Table IV) to a separate
``paper_table.md``; those numbers never enter the measured table.
"""
import argparse
import csv
import gc
import glob
import json
import logging
import os
import os.path as osp
import re
import subprocess
import sys
import time
from typing import Dict, Iterable, List, Optional, Sequence

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..'))
sys.path.insert(0, REPO)

# (name tokens, display name, kind); the first match wins, so longer
# token sequences come before their prefixes ('baseline_ra' before
# 'baseline_r', 'cmac' before 'cma').
METHODS = (
    (('avcl', ), 'AVCL', 'ssl'),
    (('simclr', ), 'SimCLR', 'ssl'),
    (('moco', ), 'MoCo', 'ssl'),
    (('byol', ), 'BYOL', 'ssl'),
    (('simsiam', ), 'SimSiam', 'ssl'),
    (('barlowtwins', ), 'Barlow Twins', 'ssl'),
    (('barlow', 'twins'), 'Barlow Twins', 'ssl'),
    (('iic', ), 'IIC', 'ssl'),
    (('invclust', ), 'InvClust', 'ssl'),
    (('baseline', 'ra'), 'Baseline-R+A', 'supervised'),
    (('baseline', 'r'), 'Baseline-R', 'supervised'),
    (('baseline', 'a'), 'Baseline-A', 'supervised'),
    (('avid', 'cross'), 'Cross-AVID', 'ssl'),
    (('avid', 'self'), 'Self-AVID', 'ssl'),
    (('avid', 'joint'), 'Joint-AVID', 'ssl'),
    (('cmac', ), 'CMAC', 'ssl'),
    (('cma', ), 'AVID+CMA', 'ssl'),
)
BACKBONES = {'r3d': 'R3D', 'c3d': 'C3D', 'r2plus1d': 'R(2+1)D'}
# protocol -> ranking group (rows are ranked only within their group)
PROTOCOL_GROUPS = {'finetune': 0, 'from scratch': 0, 'linear probe': 1,
                   'kNN': 2}
COLUMNS = (  # (CSV / JSON key, Markdown header)
    ('rank', 'rank'), ('method', 'method'), ('backbone', 'backbone'),
    ('protocol', 'protocol'), ('top1', 'top-1 (%)'), ('top5', 'top-5 (%)'),
    ('mean_class_acc', 'mean class acc. (%)'), ('params_m', 'params (M)'),
    ('epochs', 'epochs (pretrain + train)'), ('source', 'source'))

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
# naming


def _tokens(text: str) -> List[str]:
    return [t for t in re.split(r'[^a-z0-9]+', text.lower()) if t]


def _contains(tokens: Sequence[str], pattern: Sequence[str]) -> bool:
    n = len(pattern)
    return any(tuple(tokens[i:i + n]) == tuple(pattern)
               for i in range(len(tokens) - n + 1))


def identify(*hints: Optional[str]) -> Optional[dict]:
    """``dict(name, kind)`` of the first known method named in the hints
    (config names, work-dir paths, checkpoint paths), else ``None``."""
    for hint in hints:
        if not hint:
            continue
        tokens = _tokens(hint)
        for pattern, name, kind in METHODS:
            if _contains(tokens, pattern):
                return dict(name=name, kind=kind)
    return None


def backbone_of(*hints: Optional[str]) -> str:
    """The backbone named in the hints (``R3D``, ``C3D``, ``R(2+1)D``)."""
    for hint in hints:
        for token in _tokens(hint or ''):
            if token in BACKBONES:
                return BACKBONES[token]
    return '?'


# --------------------------------------------------------------------------
# parameters


_PARAM_CACHE: Dict[str, Optional[float]] = {}
_BUFFER_SUFFIXES = ('running_mean', 'running_var', 'num_batches_tracked')


def params_from_config(config: str) -> Optional[float]:
    """Trainable + frozen parameters (millions) of the model a config
    builds, or ``None`` when it cannot be built."""
    if config in _PARAM_CACHE:
        return _PARAM_CACHE[config]
    value = None
    try:
        from mmengine.config import Config
        from mmengine.logging import MMLogger
        from mmengine.registry import init_default_scope
        import avcl_mm  # noqa: F401
        from mmaction.registry import MODELS
        init_default_scope('mmaction')
        logger = MMLogger.get_current_instance()
        level = logger.level
        logger.setLevel(logging.WARNING)
        try:
            model = MODELS.build(Config.fromfile(config).model)
        finally:
            logger.setLevel(level)
        value = sum(p.numel() for p in model.parameters()) / 1e6
    except Exception as err:  # a missing plugin, a moved config, ...
        print(f'[leaderboard] params: cannot build {config}: {err}',
              file=sys.stderr)
    _PARAM_CACHE[config] = value
    return value


def params_from_checkpoint(checkpoint: str,
                           prefixes: Sequence[str] = ()) -> Optional[float]:
    """Parameters (millions) in a checkpoint's state dict (BN statistics
    left out), optionally only under the given key prefixes."""
    try:
        from avcl_mm.engine.checkpoint import safe_torch_load
        state = safe_torch_load(checkpoint, map_location='cpu')
    except Exception as err:  # unreadable or refused: no parameter count
        print(f'[leaderboard] {checkpoint}: no parameter count ({err})',
              file=sys.stderr)
        return None
    state = state.get('state_dict', state)
    total = 0
    for key, value in state.items():
        if key.endswith(_BUFFER_SUFFIXES) or not hasattr(value, 'numel'):
            continue
        if prefixes and not key.startswith(tuple(prefixes)):
            continue
        total += value.numel()
    return total / 1e6 if total else None


# --------------------------------------------------------------------------
# reading results


def _resolve(path: Optional[str], *roots: str) -> Optional[str]:
    if not path:
        return None
    if osp.isabs(path):
        return path
    for root in roots:
        if osp.exists(osp.join(root, path)):
            return osp.join(root, path)
    return path


def _method_meta(folder: str, stop: str) -> dict:
    """The ``method.json`` in ``folder`` or its parents up to ``stop``."""
    folder, stop = osp.abspath(folder), osp.abspath(stop)
    while True:
        meta = osp.join(folder, 'method.json')
        if osp.isfile(meta):
            with open(meta) as f:
                return json.load(f)
        if folder == stop or osp.dirname(folder) == folder:
            return {}
        folder = osp.dirname(folder)


def _percent(value: Optional[float], fraction: bool) -> Optional[float]:
    if value is None:
        return None
    return 100.0 * float(value) if fraction else float(value)


def _dumped_configs(folder: str) -> List[str]:
    return sorted(glob.glob(osp.join(folder, '*.py')))


def _chain(folder: Optional[str], depth: int = 4) -> List[dict]:
    """Work dirs linked by ``load_from``: for each, the configs mmengine
    dumped there, their ``max_epochs`` and ``load_from`` (e.g. test ->
    finetune -> pretraining)."""
    chain, seen = [], set()
    while folder and len(chain) < depth and osp.isdir(folder) \
            and folder not in seen:
        seen.add(folder)
        link = dict(folder=folder, configs=[], max_epochs=None,
                    load_from=None)
        for path in _dumped_configs(folder):
            link['configs'].append(osp.basename(path))
            with open(path) as f:
                text = f.read()
            load = re.search(r"^load_from\s*=\s*'([^']*)'", text,
                             re.MULTILINE)
            if load and link['load_from'] is None:
                link['load_from'] = _resolve(load.group(1), REPO,
                                             os.getcwd())
            epochs = re.search(r'^train_cfg\s*=\s*dict\([^)]*?max_epochs='
                               r'(\d+)', text, re.MULTILINE)
            if epochs and link['max_epochs'] is None:
                link['max_epochs'] = int(epochs.group(1))
        chain.append(link)
        folder = osp.dirname(link['load_from']) if link['load_from'] \
            else None
    return chain


def lineage(folder: str, depth: int = 4) -> List[str]:
    """Names that tell where a result came from: the folder names and
    dumped config names along the ``load_from`` chain of :func:`_chain`
    (e.g. test -> finetune -> ``simclr_..._pretrain``)."""
    hints = []
    for link in _chain(folder, depth):
        hints.append(osp.basename(osp.normpath(link['folder'])))
        hints += link['configs']
    return hints


def schedule(test_folder: str, checkpoint: Optional[str]) -> tuple:
    """``(pretrain_epochs, train_epochs)`` of a tested checkpoint, read
    from the configs dumped in its training folder and in the folder of
    the checkpoint that training started from (``None`` when unknown)."""
    chain = _chain(test_folder)
    train = chain[1:] if len(chain) > 1 else \
        _chain(osp.dirname(checkpoint)) if checkpoint else []
    if not train:
        return None, None
    pretrain = train[1]['max_epochs'] if len(train) > 1 else None
    return pretrain, train[0]['max_epochs']


def rows_from_test_metrics(path: str, root: str) -> List[dict]:
    """One row from a ``tools/test.py`` ``test_metrics.json``."""
    with open(path) as f:
        data = json.load(f)
    folder = osp.dirname(path)
    meta = _method_meta(folder, root)
    config = _resolve(data.get('config'), REPO, os.getcwd())
    checkpoint = _resolve(data.get('checkpoint'), REPO, os.getcwd())
    rel = osp.relpath(folder, root)
    # relative names only: a parent folder (e.g. a checkout named avcl_mm)
    # must not name the method
    hints = (meta.get('name'), osp.basename(config or ''), rel,
             *lineage(folder))
    found = identify(*hints) or dict(name=meta.get('name') or rel,
                                     kind='ssl')
    kind = meta.get('kind', found['kind'])
    metrics = data.get('metrics', {})
    pretrain_epochs, train_epochs = (meta.get('pretrain_epochs'),
                                     meta.get('train_epochs'))
    if 'train_epochs' not in meta:
        pretrain_epochs, train_epochs = schedule(folder, checkpoint)
    params = meta.get('params_m')
    if params is None and config and osp.isfile(config):
        params = params_from_config(config)
    if params is None and checkpoint and osp.isfile(checkpoint):
        params = params_from_checkpoint(checkpoint)
    return [dict(
        method=meta.get('name') or found['name'],
        backbone=meta.get('backbone') or backbone_of(*hints),
        protocol=meta.get('protocol') or (
            'from scratch' if kind == 'supervised' else 'finetune'),
        top1=_percent(metrics.get('acc/top1'), True),
        top5=_percent(metrics.get('acc/top5'), True),
        mean_class_acc=_percent(metrics.get('acc/mean1'), True),
        params_m=params,
        pretrain_epochs=pretrain_epochs, train_epochs=train_epochs,
        source=path, config=data.get('config'),
        checkpoint=data.get('checkpoint'))]


def rows_from_probe(path: str, root: str,
                    features: Sequence[str] = ('fused', )) -> List[dict]:
    """kNN and linear-probe rows (pretrained encoders, the given feature
    rows) from a ``tools/analysis/probe_features.py`` JSON."""
    with open(path) as f:
        data = json.load(f)
    results = data.get('results', {}).get('pretrained')
    if not isinstance(results, dict):
        return []
    folder = osp.dirname(path)
    meta = _method_meta(folder, root)
    checkpoint = _resolve(data.get('checkpoint'), REPO, os.getcwd())
    rel = osp.relpath(path, root)
    hints = (meta.get('name'), rel,
             *(lineage(osp.dirname(checkpoint)) if checkpoint else ()))
    found = identify(*hints) or dict(name=meta.get('name') or rel)
    pretrain_epochs = meta.get('pretrain_epochs')
    if pretrain_epochs is None and checkpoint:
        chain = _chain(osp.dirname(checkpoint), depth=1)
        pretrain_epochs = chain[0]['max_epochs'] if chain else None
    rows = []
    for feature in features:
        scores = results.get(feature)
        if not isinstance(scores, dict):
            continue
        prefixes = ['video_backbone.', 'audio_backbone.']
        if feature.startswith('neck'):
            prefixes.append('neck.')
        params = params_from_checkpoint(checkpoint, prefixes) \
            if checkpoint and osp.isfile(checkpoint) else None
        suffix = '' if feature == 'fused' else f', {feature}'
        for protocol, key in (('linear probe', 'linear_top1'),
                              ('kNN', 'knn_top1')):
            if key not in scores:
                continue
            rows.append(dict(
                method=(meta.get('name') or found['name']) + suffix,
                backbone=meta.get('backbone') or backbone_of(*hints),
                protocol=protocol, top1=float(scores[key]), top5=None,
                mean_class_acc=None, params_m=params,
                pretrain_epochs=pretrain_epochs,
                train_epochs=None, source=path, config=None,
                checkpoint=data.get('checkpoint')))
    return rows


def collect(work_dirs: Iterable[str],
            probe_features: Sequence[str] = ('fused', )) -> List[dict]:
    """Rows of every result file under the work dirs."""
    rows = []
    for root in work_dirs:
        if not osp.isdir(root):
            raise FileNotFoundError(f'work dir "{root}" does not exist')
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = osp.join(folder, name)
                if name == 'test_metrics.json':
                    rows += rows_from_test_metrics(path, root)
                elif name.endswith('.json') and 'probe' in name:
                    rows += rows_from_probe(path, root, probe_features)
    return rows


# --------------------------------------------------------------------------
# ranking and writing


def _key_value(value: Optional[float]) -> float:
    return -1.0 if value is None else value


def rank(rows: List[dict]) -> List[dict]:
    """Sort by protocol group, then top-1, top-5, mean class accuracy (all
    descending), then name; ``rank`` counts within a group and ties (all
    three equal) share one."""
    def score(row):
        return (_key_value(row['top1']), _key_value(row['top5']),
                _key_value(row['mean_class_acc']))

    def group(row):
        return PROTOCOL_GROUPS.get(row['protocol'], len(PROTOCOL_GROUPS))

    ordered = sorted(rows, key=lambda r: (
        group(r), tuple(-s for s in score(r)), r['method'], r['protocol']))
    out = []
    for i, row in enumerate(ordered):
        row = dict(row)
        prev = out[-1] if out else None
        if prev is None or group(prev) != group(row):
            first = i  # index of the group's first row
            row['rank'] = 1
        elif score(prev) == score(row):
            row['rank'] = prev['rank']
        else:
            row['rank'] = i - first + 1
        out.append(row)
    return out


def _epochs(row: dict) -> str:
    pre, train = row.get('pretrain_epochs'), row.get('train_epochs')
    if pre is None and train is None:
        return ''
    if pre is None:
        return f'{train}'
    if train is None:
        return f'{pre} (frozen)'
    return f'{pre} + {train}'


def _fmt(value, digits=1, empty='-') -> str:
    return empty if value is None else f'{value:.{digits}f}'


def _short_path(path: str, root: Optional[str]) -> str:
    """``path`` relative to ``root`` when inside it, else to the current
    folder when inside that, else absolute."""
    path = osp.abspath(path)
    for base in (root, os.getcwd()):
        if base and path.startswith(osp.abspath(base) + os.sep):
            return osp.relpath(path, base)
    return path


def _cells(row: dict, source_root: Optional[str]) -> dict:
    source = row.get('source') or ''
    if source:
        source = _short_path(source, source_root)
    return dict(rank=str(row['rank']), method=row['method'],
                backbone=row['backbone'], protocol=row['protocol'],
                top1=_fmt(row['top1']), top5=_fmt(row['top5']),
                mean_class_acc=_fmt(row['mean_class_acc']),
                params_m=_fmt(row['params_m'], 2), epochs=_epochs(row),
                source=source)


def markdown(rows: List[dict], title: str, note: str = '',
             source_root: Optional[str] = None) -> str:
    """A ranked Markdown table (rows as :func:`rank` returns them)."""
    lines = [f'## {title}', '']
    if note:
        lines += [note, '']
    lines.append('| ' + ' | '.join(h for _, h in COLUMNS) + ' |')
    lines.append('| ' + ' | '.join('---' for _ in COLUMNS) + ' |')
    for row in rows:
        cells = _cells(row, source_root)
        lines.append('| ' + ' | '.join(cells[k] for k, _ in COLUMNS) + ' |')
    return '\n'.join(lines) + '\n'


def paper_markdown() -> str:
    """The paper's reported numbers, clearly marked as not measured."""
    lines = ["## The paper's reported top-1 (%) (AVCL Table IV; NOT measured "
             'here)', '',
             'Kinetics-Sounds (K32) and K100, full schedules (300 pretraining '
             '+ 150 finetuning epochs on 8 GPUs). Reference only: not '
             'comparable with the measured demo table.', '',
             '| method | backbone | K32 top-1 (paper) | K100 top-1 (paper) |',
             '| --- | --- | --- | --- |']
    for name, backbone, k32, k100 in PAPER_TOP1:
        lines.append(f'| {name} | {backbone} | {k32:.1f} | {k100:.1f} |')
    return '\n'.join(lines) + '\n'


def write_csv(rows: List[dict], path: str,
              source_root: Optional[str] = None) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow([k for k, _ in COLUMNS])
        for row in rows:
            cells = _cells(row, source_root)
            writer.writerow(['' if cells[k] == '-' else cells[k]
                             for k, _ in COLUMNS])


def write_json(rows: List[dict], path: str, title: str, note: str) -> None:
    keys = ('rank', 'method', 'backbone', 'protocol', 'top1', 'top5',
            'mean_class_acc', 'params_m', 'pretrain_epochs', 'train_epochs',
            'source', 'config', 'checkpoint')
    with open(path, 'w') as f:
        json.dump(dict(title=title, note=note, measured=True,
                       units=dict(top1='%', top5='%', mean_class_acc='%',
                                  params_m='millions'),
                       rows=[{k: row.get(k) for k in keys} for row in rows]),
                  f, indent=2)


PROTOCOL_COLOURS = {'finetune': '#4C72B0', 'from scratch': '#8C8C8C',
                    'linear probe': '#DD8452', 'kNN': '#55A868'}


def plot(rows: List[dict], path: str, title: str) -> None:
    """Horizontal top-1 bars in table order, coloured by protocol."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    labels = [f'{r["rank"]}. {r["method"]} ({r["protocol"]})' for r in rows]
    values = [r['top1'] or 0.0 for r in rows]
    colours = [PROTOCOL_COLOURS.get(r['protocol'], '#8172B3') for r in rows]
    fig, ax = plt.subplots(figsize=(8, 1.4 + 0.35 * max(len(rows), 1)))
    y = list(range(len(rows)))[::-1]
    bars = ax.barh(y, values, color=colours)
    for bar, value in zip(bars, values):
        ax.text(bar.get_width() + 0.5, bar.get_y() + bar.get_height() / 2,
                f'{value:.1f}', va='center', fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlim(0, 110)
    ax.set_xlabel('top-1 accuracy (%)')
    ax.set_title(title, fontsize=10)
    shown = [p for p in PROTOCOL_COLOURS if any(r['protocol'] == p
                                                for r in rows)]
    if shown:
        ax.legend(handles=[Patch(color=PROTOCOL_COLOURS[p], label=p)
                           for p in shown], fontsize=8, loc='upper left',
                  bbox_to_anchor=(1.01, 1.0), title='protocol',
                  title_fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches='tight')
    plt.close(fig)


def write_outputs(rows: List[dict], out: str, title: str, note: str = '',
                  paper: bool = False) -> List[dict]:
    """Rank the rows and write ``table.{md,csv,json,png}`` (and
    ``paper_table.md`` with ``paper``) into ``out``."""
    os.makedirs(out, exist_ok=True)
    ranked = rank(rows)
    md = markdown(ranked, title, note, source_root=out)
    with open(osp.join(out, 'table.md'), 'w') as f:
        f.write(md)
    write_csv(ranked, osp.join(out, 'table.csv'), source_root=out)
    write_json(ranked, osp.join(out, 'table.json'), title, note)
    plot(ranked, osp.join(out, 'table.png'), title)
    print(md)
    if paper:
        text = paper_markdown()
        with open(osp.join(out, 'paper_table.md'), 'w') as f:
            f.write(text)
        print(text)
    names = ('table.md', 'table.csv', 'table.json', 'table.png')
    print(f'[leaderboard] wrote {", ".join(osp.join(out, n) for n in names)}')
    return ranked


# --------------------------------------------------------------------------
# running tools


# Run the tools inside this process (one import of torch / mmaction for
# the whole leaderboard: on 2 busy CPU cores a fresh interpreter costs
# 10-30 s) unless --subprocess asks for one process per stage.
SUBPROCESS = False


def _run(args: List[str], log: str, label: str = '') -> None:
    """Run a repository script (``args[0]``, relative to the repository)
    with its arguments, all output appended to ``log``."""
    os.makedirs(osp.dirname(log), exist_ok=True)
    with open(log, 'a') as f:
        f.write(f'\n$ {" ".join(args)}\n')
    if SUBPROCESS:
        _run_subprocess(args, log, label)
    else:
        _run_inline(args, log)


def _run_inline(args: List[str], log: str) -> None:
    """``main(argv)`` of the script, in this process."""
    import contextlib
    import importlib.util
    import traceback
    path = osp.join(REPO, args[0])
    name = '_leaderboard_' + re.sub(r'\W', '_', args[0])
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    cwd = os.getcwd()
    error = None
    with open(log, 'a') as f, contextlib.redirect_stdout(f), \
            contextlib.redirect_stderr(f):
        try:
            os.chdir(REPO)  # as a subprocess would run
            status = module.main(args[1:])
            if isinstance(status, int) and status != 0:
                error = f'exit status {status}'
        except SystemExit as err:
            if err.code not in (0, None):
                error = f'exit status {err.code}'
        except Exception as err:  # noqa: B902 - reported with the log
            traceback.print_exc()
            error = f'{type(err).__name__}: {err}'
        finally:
            os.chdir(cwd)
            f.flush()
            _detach_loggers(f)
            _stop_loader_workers()
            gc.collect()  # the finished runner
    if error:
        with open(log) as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f'{" ".join(args[:2])} failed ({error}); see '
                           f'{log}:\n{tail}')


def _stop_loader_workers() -> None:
    """Shut down the workers of the finished run's dataloaders (persistent
    ones live on in the runner) while their queues still work: left to
    the garbage collector, each worker waits out a 5 s join timeout."""
    try:
        from torch.utils.data.dataloader import \
            _MultiProcessingDataLoaderIter as LoaderIter
    except ImportError:
        return
    for obj in gc.get_objects():
        if isinstance(obj, LoaderIter):
            obj._shutdown_workers()


def _detach_loggers(stream) -> None:
    """Drop the handlers mmengine's loggers opened on ``stream`` (and the
    runners' log files) once a run is over."""
    try:
        from mmengine.logging import MMLogger
    except ImportError:
        return
    for logger in list(MMLogger._instance_dict.values()):
        for handler in list(logger.handlers):
            if getattr(handler, 'stream', None) is stream or \
                    isinstance(handler, logging.FileHandler):
                logger.removeHandler(handler)
                if getattr(handler, 'stream', None) is not stream:
                    handler.close()


def _run_subprocess(args: List[str], log: str, label: str = '') -> None:
    """The script in a fresh interpreter; report its epochs while it
    runs."""
    start, shown = time.time(), None
    with open(log, 'a') as f:
        proc = subprocess.Popen([sys.executable, *args], cwd=REPO, stdout=f,
                                stderr=subprocess.STDOUT)
        while proc.poll() is None:
            time.sleep(2)
            epoch = _last_epoch(log)
            if label and epoch and epoch != shown:
                shown = epoch
                print(f'      {label}: epoch {epoch} '
                      f'({time.time() - start:.0f} s)', flush=True)
    if proc.returncode != 0:
        with open(log) as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f'{" ".join(args[:2])} failed '
                           f'({proc.returncode}); see {log}:\n{tail}')


def _last_epoch(log: str) -> Optional[str]:
    try:
        with open(log, 'rb') as f:
            f.seek(max(0, osp.getsize(log) - 4000))
            text = f.read().decode(errors='replace')
    except OSError:
        return None
    found = re.findall(r'Epoch\(train\)\s*\[(\d+)\]\[(\d+)/(\d+)\]', text)
    if not found:
        return None
    epoch, it, total = found[-1]
    return epoch if it == total else None


def test_pairs(pairs: List[List[str]], out: str,
               cfg_options: Sequence[str] = ()) -> List[str]:
    """Run tools/test.py for each ``(config, checkpoint[, name])``; return
    the folders holding their test_metrics.json (kept when present)."""
    folders = []
    for i, pair in enumerate(pairs, 1):
        if len(pair) not in (2, 3):
            raise ValueError(f'--run takes CONFIG CHECKPOINT [NAME], got '
                             f'{pair}')
        config, checkpoint = (osp.abspath(p) for p in pair[:2])
        name = pair[2] if len(pair) == 3 else None
        key = re.sub(r'[^A-Za-z0-9_.+-]+', '_', name or osp.splitext(
            osp.basename(config))[0] + '-' + osp.splitext(
                osp.basename(checkpoint))[0])
        folder = osp.abspath(osp.join(out, 'runs', key))
        os.makedirs(folder, exist_ok=True)
        if name:
            found = identify(name, config, checkpoint) or {}
            with open(osp.join(folder, 'method.json'), 'w') as f:
                json.dump(dict(name=name, kind=found.get('kind', 'ssl')), f)
        if osp.isfile(osp.join(folder, 'test_metrics.json')):
            print(f'[{i}/{len(pairs)}] {key}: tested before, kept')
        else:
            print(f'[{i}/{len(pairs)}] {key}: testing {checkpoint}',
                  flush=True)
            opts = ['--cfg-options', *cfg_options] if cfg_options else []
            _run(['tools/test.py', config, checkpoint, '--work-dir', folder,
                  *opts], osp.join(folder, 'test.log'))
        folders.append(folder)
    return folders


# --------------------------------------------------------------------------
# the demo leaderboard

# Demo schedule: 4 pretraining + 4 finetuning epochs per method. Measured
# on 2 CPU cores shared with other jobs (load ~4): 2 + 2 epochs took 13.5
# min for the 15 methods, each further epoch of both stages ~4 min, so
# 4 + 4 takes ~22 min.
DEMO_EPOCHS = 4
DEMO_DIR = 'configs/baselines/demo'
RELATED_DIR = 'configs/related/demo'
# (key, name, kind, pretrain config, train / finetune config, needs)
DEMO_METHODS = (
    ('avcl', 'AVCL', 'ssl', 'configs/demo/avcl_r3d_demo_pretrain.py',
     'configs/demo/avcl_r3d_demo_finetune.py', None),
    *[(key, name, 'ssl', f'{DEMO_DIR}/{key}_r3d_demo_pretrain.py',
       f'{DEMO_DIR}/concat_r3d_demo_finetune.py', None)
      for key, name in (('simclr', 'SimCLR'), ('moco', 'MoCo'),
                        ('byol', 'BYOL'), ('simsiam', 'SimSiam'),
                        ('barlowtwins', 'Barlow Twins'), ('iic', 'IIC'),
                        ('invclust', 'InvClust'))],
    *[(key, name, 'supervised', None, f'{DEMO_DIR}/{key}_r3d_demo.py', None)
      for key, name in (('baseline_r', 'Baseline-R'),
                        ('baseline_a', 'Baseline-A'),
                        ('baseline_ra', 'Baseline-R+A'))],
    # configs/related (AVID, CMA, CMAC): used when their files exist
    *[(key, name, 'ssl', f'{RELATED_DIR}/{key}_r3d_demo_pretrain.py',
       f'{RELATED_DIR}/related_r3d_demo_finetune.py', needs)
      for key, name, needs in (('avid_self', 'Self-AVID', None),
                               ('avid_cross', 'Cross-AVID', None),
                               ('avid_joint', 'Joint-AVID', None),
                               ('cma', 'AVID+CMA', 'avid_cross'),
                               ('cmac', 'CMAC', None))],
)


def data_options(root: str, splits: Sequence[str], workers: int,
                 classes: bool = True) -> List[str]:
    """--cfg-options pointing the loaders of the given splits at the demo
    dataset in ``root`` (``classes=False`` keeps the config's classes, e.g.
    ``None`` in pretraining)."""
    opts = []
    for split in splits:
        loader = f'{split}_dataloader'
        opts += [f'{loader}.dataset.ann_file={root}/{split}.txt',
                 f'{loader}.dataset.data_prefix.video={root}/videos',
                 f'{loader}.num_workers={workers}',
                 f'{loader}.persistent_workers={workers > 0}']
        if classes:
            opts.append(f'{loader}.dataset.classes={root}/classes.txt')
    return opts


def _checkpoint_in(folder: str) -> Optional[str]:
    """The best-validation checkpoint of a folder, else its last one."""
    best = sorted(glob.glob(osp.join(folder, 'best_*.pth')))
    if best:
        return best[-1]
    last = osp.join(folder, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            path = f.read().strip()
        if osp.isfile(path):
            return path
    return None


class DemoLeaderboard:
    """Runs the demo methods stage by stage, resumably."""

    def __init__(self, args) -> None:
        self.args = args
        self.out = osp.abspath(args.out)
        self.root = osp.abspath(args.data_root)
        self.started = time.time()

    def _train(self, key: str, stage: str, config: str, epochs: int,
               extra: Sequence[str] = ()) -> str:
        """Train one stage unless done; return its checkpoint."""
        folder = osp.join(self.out, key, stage)
        done = osp.join(folder, 'stage.done')
        if osp.isfile(done):
            with open(done) as f:
                ckpt = f.read().strip()
            if osp.isfile(ckpt):
                print(f'      {stage}: done before, kept')
                return ckpt
        resume = ['--resume'] if osp.isfile(
            osp.join(folder, 'last_checkpoint')) else []
        splits = ('train', ) if stage == 'pretrain' else \
            ('train', 'val', 'test')
        opts = [*data_options(self.root, splits, self.args.workers,
                              classes=stage != 'pretrain'),
                f'train_cfg.max_epochs={epochs}', *extra,
                *(self.args.cfg_options or [])]
        print(f'      {stage}: {osp.basename(config)}, {epochs} epochs'
              f'{" (resumed)" if resume else ""}', flush=True)
        t0 = time.time()
        _run(['tools/train.py', config, '--work-dir', folder, '--seed',
              str(self.args.seed), *resume, '--cfg-options', *opts],
             osp.join(self.out, key, f'{stage}.log'), label=stage)
        ckpt = _checkpoint_in(folder) if stage != 'pretrain' else \
            osp.join(folder, f'epoch_{epochs}.pth')
        if not ckpt or not osp.isfile(ckpt):
            raise RuntimeError(f'{stage} of {key} wrote no checkpoint in '
                               f'{folder}')
        with open(done, 'w') as f:
            f.write(ckpt)
        print(f'      {stage}: {time.time() - t0:.0f} s', flush=True)
        self._timing(key, stage, t0)
        return ckpt

    def _test(self, key: str, config: str, ckpt: str) -> None:
        folder = osp.join(self.out, key, 'test')
        opts = [*data_options(self.root, ('test', ), self.args.workers),
                *(self.args.cfg_options or [])]
        t0 = time.time()
        _run(['tools/test.py', config, ckpt, '--work-dir', folder,
              '--cfg-options', *opts], osp.join(self.out, key, 'test.log'))
        print(f'      test: {time.time() - t0:.0f} s', flush=True)
        self._timing(key, 'test', t0)

    def _timing(self, key: str, stage: str, t0: float) -> None:
        """Append the stage's wall time to ``<out>/timing.jsonl``."""
        with open(osp.join(self.out, 'timing.jsonl'), 'a') as f:
            f.write(json.dumps(dict(method=key, stage=stage,
                                    wall_s=round(time.time() - t0, 1),
                                    cpu_s=round(_cpu_seconds(), 1),
                                    epochs=self.args.epochs,
                                    train_epochs=self.args.train_epochs,
                                    time=time.strftime('%H:%M:%S'))) + '\n')

    def run_method(self, method: tuple) -> None:
        key, name, kind, pretrain, train, needs = method
        args = self.args
        meta = dict(name=name, kind=kind, backbone='R3D',
                    protocol='finetune' if pretrain else 'from scratch',
                    pretrain_epochs=args.epochs if pretrain else None,
                    train_epochs=args.train_epochs,
                    pretrain_config=pretrain, train_config=train)
        os.makedirs(osp.join(self.out, key), exist_ok=True)
        extra = []
        if needs:
            start = self._pretrain_of(needs)
            extra.append(f'load_from={start}')
            meta['pretrain_epochs'] = 2 * args.epochs
            meta['note'] = (f'starts from the {needs} pretraining '
                            f'({args.epochs} epochs)')
        meta['params_m'] = params_from_config(osp.join(REPO, train))
        with open(osp.join(self.out, key, 'method.json'), 'w') as f:
            json.dump(meta, f, indent=2)
        load = []
        if pretrain:
            ckpt = self._train(key, 'pretrain', pretrain, args.epochs, extra)
            load = [f'load_from={ckpt}']
        stage = 'finetune' if pretrain else 'train'
        best = self._train(key, stage, train, args.train_epochs, load)
        self._test(key, train, best)

    def _pretrain_of(self, key: str) -> str:
        for method in DEMO_METHODS:
            if method[0] == key:
                print(f'      needs the {key} pretraining', flush=True)
                return self._train(key, 'pretrain', method[3],
                                   self.args.epochs)
        raise KeyError(key)

    def methods(self) -> List[tuple]:
        chosen = []
        for method in DEMO_METHODS:
            key, _, _, pretrain, train, _ = method
            if self.args.methods and key not in self.args.methods:
                continue
            configs = [c for c in (pretrain, train) if c]
            if not all(osp.isfile(osp.join(REPO, c)) for c in configs):
                if key.startswith(('avid', 'cma')):
                    continue  # configs/related not there: skipped quietly
                raise FileNotFoundError(f'{key}: missing config {configs}')
            chosen.append(method)
        unknown = set(self.args.methods or ()) - {m[0] for m in DEMO_METHODS}
        if unknown:
            raise ValueError(f'unknown --methods {sorted(unknown)}; choose '
                             f'from {[m[0] for m in DEMO_METHODS]}')
        return chosen

    def run(self) -> List[str]:
        """Run every method not tested yet; return the failed keys."""
        self._check_data()
        methods = self.methods()
        self._check_schedule(methods)
        failed, fresh, fresh_time = [], 0, 0.0
        print(f'[leaderboard] demo: {len(methods)} methods, '
              f'{self.args.epochs} pretraining + {self.args.train_epochs} '
              f'(finetune / supervised) epochs, data {self.root}, '
              f'out {self.out}', flush=True)
        for i, method in enumerate(methods, 1):
            key, name = method[:2]
            metrics = osp.join(self.out, key, 'test', 'test_metrics.json')
            head = f'[{i}/{len(methods)}] {name} ({key})'
            if osp.isfile(metrics):
                print(f'{head}: tested before, skipped', flush=True)
                continue
            print(f'{head}', flush=True)
            t0, cpu0 = time.time(), _cpu_seconds()
            try:
                self.run_method(method)
            except Exception as err:
                failed.append(key)
                print(f'{head}: FAILED: {err}', flush=True)
                continue
            fresh, fresh_time = fresh + 1, fresh_time + time.time() - t0
            left = sum(1 for m in methods[i:] if not osp.isfile(
                osp.join(self.out, m[0], 'test', 'test_metrics.json')))
            eta = fresh_time / fresh * left
            print(f'{head}: done in {time.time() - t0:.0f} s '
                  f'(CPU {_cpu_seconds() - cpu0:.0f} s); elapsed '
                  f'{_clock(time.time() - self.started)}, about '
                  f'{_clock(eta)} left', flush=True)
        return failed

    def _check_schedule(self, methods: List[tuple]) -> None:
        """Refuse to mix schedules: results in ``out`` made with other
        epochs would be kept as they are."""
        for method in methods:
            meta = osp.join(self.out, method[0], 'method.json')
            if not osp.isfile(meta):
                continue
            with open(meta) as f:
                meta = json.load(f)
            want = (self.args.epochs if method[3] else None,
                    self.args.train_epochs)
            have = (meta.get('pretrain_epochs'), meta.get('train_epochs'))
            if method[5]:  # starts from another pretraining
                have = (have[0] // 2 if have[0] else None, have[1])
            if have != want:
                raise SystemExit(
                    f'[leaderboard] {self.out}/{method[0]} was made with '
                    f'{have[0]} pretraining + {have[1]} training epochs, not '
                    f'{want[0]} + {want[1]}: use another --out (or delete '
                    'it) to change the schedule.')

    def _check_data(self) -> None:
        if osp.isfile(osp.join(self.root, 'train.txt')):
            return
        default = osp.abspath(osp.join(REPO, 'data', 'demo'))
        if self.root != default:
            raise FileNotFoundError(f'no demo dataset in {self.root}')
        print('[leaderboard] building the demo dataset in data/demo',
              flush=True)
        _run(['tools/data/make_demo_dataset.py', '--out', self.root,
              '--seed', '0'], osp.join(self.out, 'make_demo_dataset.log'))


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (user + sys)."""
    import resource
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f'{seconds // 60}:{seconds % 60:02d}'


# --------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__[:__doc__.index('Three ways')].strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__[__doc__.index('Three ways'):])
    parser.add_argument('--work-dirs', nargs='+', default=[],
                        help='folders to search for test_metrics.json and '
                        'probe JSON files')
    parser.add_argument('--run', nargs='+', action='append', default=[],
                        metavar='CONFIG CHECKPOINT [NAME]',
                        help='test a checkpoint with tools/test.py and rank '
                        'it (repeatable)')
    parser.add_argument('--demo', action='store_true',
                        help='train and test every method on the demo '
                        'dataset first')
    parser.add_argument('--out', default=None,
                        help='output folder (default: work_dirs/leaderboard,'
                        ' or work_dirs/leaderboard_demo with --demo)')
    parser.add_argument('--epochs', type=int, default=DEMO_EPOCHS,
                        help='demo pretraining epochs (default: '
                        f'{DEMO_EPOCHS})')
    parser.add_argument('--train-epochs', type=int, default=DEMO_EPOCHS,
                        help='demo finetuning / supervised epochs (default: '
                        f'{DEMO_EPOCHS})')
    parser.add_argument('--methods', nargs='+', default=None,
                        help='demo methods to run (keys: avcl simclr moco '
                        'byol simsiam barlowtwins iic invclust baseline_r '
                        'baseline_a '
                        'baseline_ra avid_self avid_cross avid_joint cma '
                        'cmac); default: all whose configs exist')
    parser.add_argument('--data-root', default=osp.join(REPO, 'data', 'demo'),
                        help='demo dataset folder (default: data/demo, built'
                        ' when missing)')
    parser.add_argument('--workers', type=int, default=2,
                        help='dataloader workers in the demo (default: 2)')
    parser.add_argument('--seed', type=int, default=0,
                        help='--seed passed to every demo tools/train.py '
                        'stage (default: 0)')
    parser.add_argument('--probe-features', nargs='+', default=['fused'],
                        help='probe JSON feature rows to rank (video, audio,'
                        ' fused, "neck fused"; default: fused)')
    parser.add_argument('--title', default=None,
                        help='table title (default: "Leaderboard (measured)"'
                        ', or "Demo leaderboard (measured)" with --demo)')
    parser.add_argument('--paper', action='store_true',
                        help="also write the paper's reported numbers "
                        '(separate paper_table.md)')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch / OpenMP threads (default: 1; measured '
                        'on 2 busy CPU cores: 1 thread ~2.5 s per demo '
                        'pretraining step, 2 threads 10-19 s, as OpenMP '
                        'threads wait on each other when the cores are '
                        'shared with the loader workers or other jobs)')
    parser.add_argument('--subprocess', action='store_true',
                        help='run every train / test stage in its own '
                        'interpreter (default: in this process)')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        help='extra key=value overrides for every '
                        'tools/train.py and tools/test.py call')
    args = parser.parse_args(argv)
    if not (args.work_dirs or args.run or args.demo):
        parser.error('give --work-dirs, --run or --demo')
    if args.epochs < 1 or args.train_epochs < 1:
        parser.error('--epochs and --train-epochs must be >= 1')
    if args.out is None:
        args.out = osp.join('work_dirs', 'leaderboard_demo' if args.demo
                            else 'leaderboard')
    return args


def main(argv=None) -> int:
    global SUBPROCESS
    args = parse_args(argv)
    SUBPROCESS = args.subprocess
    os.environ['OMP_NUM_THREADS'] = str(args.threads)  # for subprocesses
    os.environ['MKL_NUM_THREADS'] = str(args.threads)
    import torch
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    folders, failed = list(args.work_dirs), []
    note = ''
    if args.demo:
        failed = DemoLeaderboard(args).run()
        folders.append(args.out)
        note = (f'Measured on the demo dataset ({args.data_root}; 6 classes, '
                f'96 train / 24 val / 24 test clips) with short schedules: '
                f'{args.epochs} pretraining + {args.train_epochs} finetuning '
                'epochs (supervised baselines: '
                f'{args.train_epochs} epochs), 3-clip test of the best-val '
                'checkpoint. R3D encoders with 16 base channels.')
    if args.run:
        folders += test_pairs(args.run, args.out, args.cfg_options or ())
    rows, seen = [], set()
    for folder in folders:
        for row in collect([folder], args.probe_features):
            key = (osp.abspath(row['source']), row['method'],
                   row['protocol'])
            if key not in seen:  # a folder given twice, or inside another
                seen.add(key)
                rows.append(row)
    title = args.title or ('Demo leaderboard (measured)' if args.demo else
                           'Leaderboard (measured)')
    write_outputs(rows, args.out, title, note, paper=args.paper)
    if failed:
        print(f'[leaderboard] FAILED methods (not in the table): '
              f'{", ".join(failed)}; rerun the same command to retry',
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
