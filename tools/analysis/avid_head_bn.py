"""BatchNorm in AVID's projection MLPs: pretrain Self-/Cross-AVID on the demo
with the four ``(with_bn, last_bn)`` settings of the AVID MLPs (the
``AVProjection`` neck of configs/_base_/models/avid_r3d.py) and several
seeds, probe the frozen encoders, and tabulate (docs/avid_head_bn.md).

    python tools/analysis/avid_head_bn.py train  [--seeds 0 1 2] [--epochs N]
    python tools/analysis/avid_head_bn.py probe  [--seeds 0 1 2]
    python tools/analysis/avid_head_bn.py table  [--seeds 0 1 2] [--per-run]
    # side check with the paper's optimiser (Adam, lr 1e-4, wd 1e-5)
    python tools/analysis/avid_head_bn.py train --adam --bn nobn bothbn

``train`` runs ``tools/train.py`` once per (variant, BN setting, seed), one
run at a time, into ``work_dirs/avidbn/<variant>_<bn>_s<seed>`` (a run with a
final checkpoint is skipped). ``probe`` scores every final checkpoint, and
the randomly initialised encoders once per seed, with the frozen-feature
probe of ``tools/analysis/probe_features.py`` (same loaders, kNN k=10 and
L-BFGS linear probe, fitted on train, scored on val + test); that tool
itself refuses models without a fusion neck, so only its encoder rows
(``video``, ``audio``, ``fused`` = ``[l2(v); l2(a)]``) are computed here.
It also records collapse statistics of the encoder features and of the
head's L2-normalised embeddings ``z_v``, ``z_a`` (what the NCE loss sees).
``table`` prints the Markdown table (mean ± 95 % t-interval over seeds) and
the differences between BN settings paired by seed.
"""
import argparse
import glob
import json
import logging
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))

VARIANTS = {
    'cross': 'configs/related/demo/avid_cross_r3d_demo_pretrain.py',
    'self': 'configs/related/demo/avid_self_r3d_demo_pretrain.py',
}
# name: (with_bn, last_bn)
BN = {
    'nobn': (False, False),     # the paper / official AVID-CMA code
    'hidbn': (True, False),
    'lastbn': (False, True),
    'bothbn': (True, True),     # AVIDHead's defaults
}
OUT = 'work_dirs/avidbn'
# two-sided 95 % t quantiles by degrees of freedom
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571}


# the paper's optimiser (AVID Sec. 4 "Pre-training details"), for --adam
ADAM = ['optim_wrapper.optimizer._delete_=True',
        'optim_wrapper.optimizer.type=Adam', 'optim_wrapper.optimizer.lr=1e-4',
        'optim_wrapper.optimizer.weight_decay=1e-5']
SUFFIX = ''


def run_name(variant, bn, seed):
    return f'{variant}_{bn}{SUFFIX}_s{seed}'


def final_ckpt(work_dir, epochs=None):
    """The run's last checkpoint if it is that of epoch ``epochs`` (default
    30, the configs' schedule), else ``None`` (a run still going)."""
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        ckpt = f.read().strip()
    if osp.basename(ckpt) != f'epoch_{epochs or 30}.pth':
        return None
    return ckpt if osp.isfile(ckpt) else None


def cmd_train(args):
    for seed in args.seeds:
        for variant in args.variants:
            config = VARIANTS[variant]
            for bn in args.bn:
                with_bn, last_bn = BN[bn]
                name = run_name(variant, bn, seed)
                work_dir = osp.join(OUT, name)
                if final_ckpt(work_dir, args.epochs):
                    print(f'{name}: done, skipped', flush=True)
                    continue
                cmd = [sys.executable, 'tools/train.py', config,
                       '--seed', str(seed), '--work-dir', work_dir,
                       '--cfg-options',
                       f'model.neck.video.with_bn={with_bn}',
                       f'model.neck.audio.with_bn={with_bn}',
                       f'model.neck.video.last_bn={last_bn}',
                       f'model.neck.audio.last_bn={last_bn}']
                if args.epochs:
                    cmd.append(f'train_cfg.max_epochs={args.epochs}')
                if args.adam:
                    cmd += ADAM
                os.makedirs(OUT, exist_ok=True)
                start = time.time()
                with open(osp.join(OUT, name + '.log'), 'w') as log:
                    rc = subprocess.call(cmd, stdout=log,
                                         stderr=subprocess.STDOUT)
                print(f'{name}: rc {rc}, {time.time() - start:.0f} s',
                      flush=True)


# ------------------------------------------------------------------ probes
def _effective_rank(x):
    """exp(entropy) of the normalised singular values of centred ``x``."""
    import torch
    s = torch.linalg.svdvals(x - x.mean(0, keepdim=True))
    if float(s.sum()) <= 1e-12:
        return 0.0
    p = s / s.sum()
    p = p[p > 0]
    return float(torch.exp(-(p * p.log()).sum()))


def collapse_stats(x):
    """Of the L2-normalised rows of ``x``: mean per-dimension std, mean
    pairwise cosine (off-diagonal) and effective rank."""
    import torch
    import torch.nn.functional as F
    z = F.normalize(x.float(), dim=1)
    n = z.shape[0]
    cos = z @ z.t()
    off = (cos.sum() - cos.diagonal().sum()) / (n * (n - 1))
    return dict(std=float(z.std(0).mean()), mean_cos=float(off),
                eff_rank=_effective_rank(z))


def _wrapper(model):
    import torch
    import torch.nn.functional as F
    from torch import nn

    class _Feats(nn.Module):
        """Encoder features and head embeddings as ``mode='tensor'``."""

        def __init__(self):
            super().__init__()
            self.model = model
            self.data_preprocessor = model.data_preprocessor

        def forward(self, inputs, data_samples=None, mode='tensor'):
            v, a = self.model.encode(inputs, fuse=False)
            z_v, z_a = self.model.neck((v, a))  # the AVID MLPs
            norm = F.normalize
            return dict(video=v, audio=a,
                        fused=torch.cat([norm(v.float(), dim=1),
                                         norm(a.float(), dim=1)], 1),
                        z_video=z_v, z_audio=z_a,
                        z_fused=torch.cat([norm(z_v.float(), dim=1),
                                           norm(z_a.float(), dim=1)], 1))
    return _Feats()


def probe_model(model, loaders, num_classes):
    import torch
    from avcl_mm.evaluation.feature_extraction import extract_features
    from avcl_mm.evaluation.knn import knn_classify
    from avcl_mm.evaluation.linear_probe import linear_probe
    wrapped = _wrapper(model)
    train = extract_features(wrapped, loaders['train'])
    evals = [extract_features(wrapped, ld) for ld in loaders['eval']]
    test = {k: torch.cat([e[k] for e in evals]) for k in train}
    rows = {}
    for key in ('video', 'audio', 'fused', 'z_fused'):
        pred, _ = knn_classify(train[key], train['labels'], test[key], k=10,
                               num_classes=num_classes)
        knn = float((pred.reshape(-1) == test['labels']).float().mean())
        lin = linear_probe(train[key], train['labels'], test[key],
                           test['labels'], num_classes=num_classes)
        rows[key] = dict(knn_top1=100 * knn, linear_top1=100 * lin['top1'])
    allf = {k: torch.cat([train[k], test[k]]) for k in train}
    rows['collapse'] = {k: collapse_stats(allf[k]) for k in
                        ('video', 'audio', 'z_video', 'z_audio')}
    rows['num_train'] = int(train['labels'].numel())
    rows['num_eval'] = int(test['labels'].numel())
    return rows


def build_model(cfg, seed, ckpt=None):
    import torch
    from mmaction.registry import MODELS
    from mmengine.logging import MMLogger
    from mmengine.runner import load_checkpoint
    logger = MMLogger.get_current_instance()
    level = logger.level
    torch.manual_seed(seed)  # as probe_features.py
    logger.setLevel(logging.WARNING)
    try:
        model = MODELS.build(cfg.model)
        model.init_weights()
    finally:
        logger.setLevel(level)
    if ckpt:
        from avcl_mm.engine.checkpoint import safe_loading
        with safe_loading(ckpt):
            load_checkpoint(model, ckpt, map_location='cpu',
                            logger='silent')
    return model


def cmd_probe(args):
    import avcl_mm  # noqa: F401
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from probe_features import build_loader, resolve_inputs
    init_default_scope('mmaction')
    pargs = argparse.Namespace(train_ann=None, eval_ann=None,
                               data_root=args.data_root,
                               eval_splits=['val', 'test'], video_root=None,
                               classes=None)
    jobs = []
    for seed in args.seeds:
        jobs.append(('random', 'bothbn', seed))
        for variant in args.variants:
            for bn in args.bn:
                jobs.append((variant, bn, seed))
    loaders = None
    for variant, bn, seed in jobs:
        name = ('random_s%d' % seed if variant == 'random' else
                run_name(variant, bn, seed))
        out = osp.join(OUT, name, 'probe.json')
        if osp.isfile(out):
            continue
        cfg = Config.fromfile(VARIANTS['cross' if variant == 'random'
                                       else variant])
        with_bn, last_bn = BN[bn]
        for side in ('video', 'audio'):
            cfg.model.neck[side].with_bn = with_bn
            cfg.model.neck[side].last_bn = last_bn
        ckpt = None
        if variant != 'random':
            ckpt = final_ckpt(osp.join(OUT, name), args.epochs)
            if ckpt is None:
                print(f'{name}: no checkpoint, skipped', flush=True)
                continue
        if loaders is None:
            train_ann, eval_anns, video_root, classes = resolve_inputs(
                pargs, cfg)
            loaders = dict(
                train=build_loader(cfg, train_ann, video_root, classes,
                                   args.workers),
                eval=[build_loader(cfg, f, video_root, classes,
                                   args.workers) for f in eval_anns])
        start = time.time()
        model = build_model(cfg, seed, ckpt)
        res = probe_model(model, loaders, cfg.get('num_classes'))
        os.makedirs(osp.dirname(out), exist_ok=True)
        with open(out, 'w') as f:
            json.dump(dict(checkpoint=ckpt, seed=seed, results=res), f,
                      indent=2)
        print(f'{name}: fused lin {res["fused"]["linear_top1"]:.1f} knn '
              f'{res["fused"]["knn_top1"]:.1f} ({time.time() - start:.0f} s)',
              flush=True)


# ------------------------------------------------------------------- table
def losses(work_dir):
    """(first, last) epoch loss of a run from its scalars.json."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not files:
        return None, None
    vals = []
    with open(files[-1]) as f:
        for line in f:
            rec = json.loads(line)
            if 'loss' in rec:
                vals.append(rec['loss'])
    return (vals[0], vals[-1]) if vals else (None, None)


# mean pairwise cosine of the L2-normalised embeddings above which every
# clip's z is (nearly) the same vector
COS_COLLAPSED = 0.99
# a linear probe within 2 eval clips (of 48) of chance (1/6)
CHANCE = 100 / 6 + 2 * 100 / 48


def collapsed_emb(r):
    return max(r['collapse'][k]['mean_cos'] for k in
               ('z_video', 'z_audio')) > COS_COLLAPSED


def at_chance(r):
    return min(r[k]['linear_top1'] for k in
               ('video', 'audio', 'fused')) <= CHANCE


def mean_ci(xs):
    import statistics
    m = statistics.mean(xs)
    if len(xs) < 2:
        return m, float('nan')
    return m, T95[len(xs) - 1] * statistics.stdev(xs) / len(xs) ** 0.5


def fmt(xs, digits=1):
    m, h = mean_ci(xs)
    return f'{m:.{digits}f} ± {h:.{digits}f}'


def cmd_table(args):
    def load(name):
        path = osp.join(OUT, name, 'probe.json')
        if not osp.isfile(path):
            return None
        with open(path) as f:
            return json.load(f)['results']

    cols = [('fused', 'linear_top1'), ('fused', 'knn_top1'),
            ('video', 'linear_top1'), ('video', 'knn_top1'),
            ('audio', 'linear_top1'), ('audio', 'knn_top1'),
            ('z_fused', 'linear_top1')]
    print('| variant | head BN (with_bn, last_bn) | [v; a] linear | '
          '[v; a] kNN | v linear | v kNN | a linear | a kNN | '
          '[z_v; z_a] linear | loss epoch 1 → last | mean cos z_v / z_a | '
          'embeddings collapsed (cos > 0.99) | a linear probe ≤ 20.8 |')
    print('| --- ' * 13 + '|')
    rand = [load(f'random_s{s}') for s in args.seeds]
    rand = [r for r in rand if r]
    if rand:
        cells = [fmt([r[k][m] for r in rand]) for k, m in cols[:-1]]
        cv = fmt([r['collapse']['z_video']['mean_cos'] for r in rand], 3)
        ca = fmt([r['collapse']['z_audio']['mean_cos'] for r in rand], 3)
        print('| random init | – | ' + ' | '.join(cells) +
              f' | – | – | {cv} / {ca} | – | – |')
    per_run = []
    for variant in args.variants:
        for bn in args.bn:
            setting = BN[bn]
            names = [run_name(variant, bn, s) for s in args.seeds]
            res = [(n, load(n)) for n in names]
            res = [(n, r) for n, r in res if r]
            if not res:
                continue
            cells = [fmt([r[k][m] for _, r in res]) for k, m in cols]
            ls = [losses(osp.join(OUT, n)) for n, _ in res]
            first = fmt([a for a, _ in ls if a is not None], 2)
            last = fmt([b for _, b in ls if b is not None], 2)
            cv = fmt([r['collapse']['z_video']['mean_cos'] for _, r in res],
                     3)
            ca = fmt([r['collapse']['z_audio']['mean_cos'] for _, r in res],
                     3)
            emb = [n[-2:] for n, r in res if collapsed_emb(r)]
            chance = [n[-2:] for n, r in res if at_chance(r)]
            print(f'| {variant}{SUFFIX} | {bn} {setting} | ' + ' | '.join(cells) +
                  f' | {first} → {last} | {cv} / {ca} | '
                  f'{len(emb)}/{len(res)} ({", ".join(emb) or "–"}) | '
                  f'{len(chance)}/{len(res)} ({", ".join(chance) or "–"}) |')
            for n, r in res:
                per_run.append((n, r, losses(osp.join(OUT, n))))
    # paired by seed (a seed fixes the encoders' init and the data order,
    # whatever the head)
    print('\nPaired differences (same seed), mean ± 95 % t-interval, '
          'points of top-1:\n')
    print('| variant | setting − reference | [v; a] linear | [v; a] kNN | '
          'v linear | a linear |')
    print('| --- ' * 6 + '|')
    pairs = [(b, 'nobn') for b in args.bn if b != 'nobn']
    pairs += [(b, 'bothbn') for b in args.bn if b not in ('nobn', 'bothbn')]
    for variant in args.variants:
        for bn, ref in pairs:
            if ref not in args.bn:
                continue
            diffs = {k: [] for k in ('fused', 'video', 'audio', 'knn')}
            for s_ in args.seeds:
                a, b = (load(run_name(variant, x, s_)) for x in (bn, ref))
                if not (a and b):
                    continue
                for k in ('fused', 'video', 'audio'):
                    diffs[k].append(a[k]['linear_top1'] -
                                    b[k]['linear_top1'])
                diffs['knn'].append(a['fused']['knn_top1'] -
                                    b['fused']['knn_top1'])
            if len(diffs['fused']) < 2:
                continue
            print(f'| {variant}{SUFFIX} | {bn} − {ref} | '
                  f'{fmt(diffs["fused"])} | {fmt(diffs["knn"])} | '
                  f'{fmt(diffs["video"])} | {fmt(diffs["audio"])} |')
    if args.per_run:
        print('\n| run | [v; a] linear | [v; a] kNN | v linear | a linear | '
              'loss first → last | cos v | cos a | cos z_v | cos z_a | '
              'rank z_v | rank z_a |')
        print('| --- ' * 12 + '|')
        for n, r, (a, b) in per_run:
            c = r['collapse']
            print(f'| {n} | {r["fused"]["linear_top1"]:.1f} | '
                  f'{r["fused"]["knn_top1"]:.1f} | '
                  f'{r["video"]["linear_top1"]:.1f} | '
                  f'{r["audio"]["linear_top1"]:.1f} | {a:.2f} → {b:.2f} | '
                  f'{c["video"]["mean_cos"]:.3f} | '
                  f'{c["audio"]["mean_cos"]:.3f} | '
                  f'{c["z_video"]["mean_cos"]:.4f} | '
                  f'{c["z_audio"]["mean_cos"]:.4f} | '
                  f'{c["z_video"]["eff_rank"]:.1f} | '
                  f'{c["z_audio"]["eff_rank"]:.1f} |')


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('step', choices=('train', 'probe', 'table'),
                        help='train the runs, probe their checkpoints, or '
                        'print the table')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2],
                        help='seeds of the runs (default: 0 1 2)')
    parser.add_argument('--epochs', type=int, default=None,
                        help='train_cfg.max_epochs for every run (default: '
                        "the configs' 30)")
    parser.add_argument('--data-root', default='data/demo',
                        help='the demo dataset (default: data/demo)')
    parser.add_argument('--workers', type=int, default=2,
                        help='dataloader workers of the probes (default: 2)')
    parser.add_argument('--variants', nargs='+', choices=list(VARIANTS),
                        default=list(VARIANTS),
                        help='AVID variants to run (default: all)')
    parser.add_argument('--bn', nargs='+', choices=list(BN),
                        default=list(BN),
                        help='BN settings of the MLPs to run (default: all '
                        'four)')
    parser.add_argument('--adam', action='store_true',
                        help="the paper's optimiser (Adam, lr 1e-4, weight "
                        "decay 1e-5) instead of the configs' SGD; runs are "
                        'named <variant>_<bn>_adam_s<seed>')
    parser.add_argument('--per-run', action='store_true',
                        help='table: also one row per run')
    args = parser.parse_args(argv)
    global SUFFIX
    SUFFIX = '_adam' if args.adam else ''
    dict(train=cmd_train, probe=cmd_probe, table=cmd_table)[args.step](args)


if __name__ == '__main__':
    main()
