"""Frozen-feature probes of any model: kNN, linear probe and retrieval,
fitted on the train split and scored on the evaluation splits, for the
pretrained encoders and (unless ``--no-random``) the same model at random
initialisation.

    python tools/analysis/probe_features.py CONFIG [--checkpoint CKPT] \\
        [--eval-splits val test] [--out probe.json] [--seed 0] \\
        [--no-random] [--input-cache DIR]

``CKPT`` may also be a ``last_checkpoint`` file holding the path; without
``--checkpoint`` only the random initialisation is probed (a reference
row, ``method: Random init``). Features come from the config's
deterministic val pipeline, all rows from ONE pass over the clips (each
clip is decoded once and given to every probed model):

- ``video``, ``audio``: the encoders' pooled outputs ``v``, ``a`` (what
  finetuning starts from); ``fused`` = ``[l2(v); l2(a)]``;
- ``neck fused``: the neck's outputs ``[l2(f_v); l2(f_a)]``: AVCL's AMFM
  (what its classifier sees), the projector of SimCLR, MoCo, BYOL, SimSiam,
  Barlow Twins, AVID and CMA, InvClust's cluster head. Models without a
  neck (IIC, CMAC, the supervised classifiers) have no such row.

``--input-cache DIR`` keeps the decoded, val-pipeline inputs of each
annotation file in ``DIR`` (one ``.pt`` file per file, keyed by the
annotation lines, the video files' sizes and times, the pipeline and the
class list): runs on the same clips skip decoding. Meant for small
evaluation sets (bench: 28 MB for 960 clips); on Kinetics-size sets it
would hold every clip in memory.

The JSON (``--out``) describes itself: ``run`` holds the method, backbone,
dataset, pretraining epochs and seed read from the checkpoint's stored
config (avcl_mm.evaluation.run_info), ``results`` the top-1 (%) of kNN
(k=10, cosine, weighted votes) and an L-BFGS linear probe and retrieval
Recall@1/5/10 per row, for ``pretrained`` and ``random``.

Annotation files are ``<data_root>/<split>.txt`` (``data_root`` from the
config, or ``--data-root``), or any files given with ``--train-ann`` and
``--eval-ann`` (with ``--video-root`` and ``--classes``), e.g. for
Kinetics-Sounds32::

    python tools/analysis/probe_features.py configs/avcl_r3d_k32.py \\
        --checkpoint work_dirs/avcl_r3d_k32/epoch_300.pth \\
        --train-ann data/kinetics_sounds/k32_train.txt \\
        --eval-ann data/kinetics_sounds/k32_val.txt \\
        --video-root data/kinetics400/videos \\
        --classes data/kinetics_sounds/k32_classes.txt
"""
import argparse
import copy
import hashlib
import json
import logging
import os
import os.path as osp
import sys
import time

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402
from torch import nn  # noqa: E402

# rows of the table, in order (a model without a neck has no 'neck fused')
ROWS = ('video', 'audio', 'fused', 'neck fused')
_KEPT_PREFIXES = ('video_backbone.', 'audio_backbone.', 'neck.', 'proj_v.',
                  'proj_a.')
_CACHE_VERSION = 1


class EncoderAndNeck(nn.Module):
    """A model's encoder features and its neck's output from one forward:
    ``{'video', 'audio', 'fused'}`` of the pooled encoder outputs and, when
    the model has a neck, ``'neck fused'`` (and ``'neck video'``,
    ``'neck audio'``) of the neck applied to them."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.data_preprocessor = model.data_preprocessor

    def forward(self, inputs, data_samples=None, mode='tensor'):
        from avcl_mm.evaluation.feature_extraction import as_feature_dict
        feats = self.model.encode(inputs, fuse=False)
        out = dict(as_feature_dict(feats, self.model))
        neck = getattr(self.model, 'neck', None)
        if neck is not None and isinstance(feats, (tuple, list)):
            for key, value in as_feature_dict(tuple(neck(tuple(feats)))
                                              ).items():
                out[f'neck {key}'] = value
        return out


def build_loader(cfg: Config, ann_file: str, video_root: str = None,
                 classes: str = None, workers: int = 2,
                 batch_size: int = 16):
    """The clips of ``ann_file`` through the config's val pipeline, videos
    under ``video_root`` (default: the config's), class names from
    ``classes`` (default: the config's)."""
    from mmaction.registry import DATASETS
    loader_cfg = cfg.get('val_dataloader') or cfg.train_dataloader
    ds_cfg = copy.deepcopy(loader_cfg.dataset)
    ds_cfg.ann_file = ann_file
    if video_root:
        ds_cfg.data_prefix = dict(video=video_root)
    ds_cfg.pipeline = cfg.val_pipeline
    ds_cfg.test_mode = True
    ds_cfg.classes = classes or cfg.get('class_list', ds_cfg.get('classes'))
    dataset = DATASETS.build(ds_cfg)
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size,
                                       num_workers=workers,
                                       collate_fn=pseudo_collate)


def resolve_inputs(args, cfg: Config):
    """``(train_ann, eval_anns, video_root, classes)`` from the arguments:
    explicit files, or the ``<data_root>/<split>.txt`` layout of the demo
    (``videos/`` and ``classes.txt`` beside them when they exist). Every
    file must exist (``SystemExit`` naming it otherwise)."""
    if args.train_ann:
        train, evals = args.train_ann, list(args.eval_ann or [])
        if not evals:
            sys.exit('probe_features.py: --train-ann needs --eval-ann FILE '
                     '[FILE ...] (the clips the probes are scored on).')
        video_root, classes = args.video_root, args.classes
    else:
        root = args.data_root or cfg.get('data_root', 'data/demo')
        train = osp.join(root, 'train.txt')
        evals = [osp.join(root, f'{s}.txt') for s in args.eval_splits]
        video_root = args.video_root or (
            osp.join(root, 'videos')
            if osp.isdir(osp.join(root, 'videos')) else None)
        classes = args.classes or (
            osp.join(root, 'classes.txt')
            if osp.isfile(osp.join(root, 'classes.txt')) else None)
    missing = [f for f in [train, *evals, classes] if f and
               not osp.isfile(f)]
    if video_root and not osp.isdir(video_root):
        missing.append(video_root)
    if missing:
        sys.exit('probe_features.py: not found: ' + ', '.join(missing) +
                 ' (give --train-ann/--eval-ann/--video-root/--classes, or '
                 '--data-root with train.txt and the --eval-splits files)')
    return train, evals, video_root, classes


# --------------------------------------------------------------------------
# the decoded-input cache


def input_key(cfg: Config, ann_file: str, video_root: str,
              classes: str) -> str:
    """Hash of everything the decoded val-pipeline inputs of ``ann_file``
    depend on: its lines, each listed video's size and modification time,
    the class list and the pipeline."""
    digest = hashlib.sha256()
    digest.update(json.dumps(dict(version=_CACHE_VERSION,
                                  pipeline=cfg.val_pipeline),
                             sort_keys=True, default=str).encode())
    root = video_root or cfg.get('video_root') or ''
    for path in (ann_file, classes):
        if path and osp.isfile(path):
            with open(path, 'rb') as f:
                digest.update(f.read())
    with open(ann_file) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            video = osp.join(root, parts[0])
            if osp.isfile(video):
                st = os.stat(video)
                digest.update(f'{parts[0]}:{st.st_size}:{st.st_mtime_ns}'
                              .encode())
            else:
                digest.update(f'{parts[0]}:missing'.encode())
    return digest.hexdigest()


def cache_path(cache_dir: str, ann_file: str, key: str) -> str:
    folder = osp.basename(osp.dirname(osp.abspath(ann_file)))
    stem = osp.splitext(osp.basename(ann_file))[0]
    return osp.join(cache_dir, f'{folder}_{stem}-{key[:16]}.pt')


def cached_batches(path: str, key: str, batch_size: int):
    """The batches stored in ``path`` (``None`` when there is no valid
    cache for ``key``)."""
    if not osp.isfile(path):
        return None
    try:
        data = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # a truncated or foreign file: rebuild it
        print(f'[probe] input cache {path} unreadable ({err}); rebuilt',
              file=sys.stderr)
        return None
    if data.get('key') != key:
        return None
    from mmaction.structures import ActionDataSample
    from avcl_mm.utils.compat import set_gt_label
    inputs, labels = data['inputs'], data['labels']
    batches = []
    for start in range(0, labels.numel(), batch_size):
        stop = start + batch_size
        batches.append(dict(
            inputs={k: list(v[start:stop]) for k, v in inputs.items()},
            data_samples=[set_gt_label(ActionDataSample(), int(label))
                          for label in labels[start:stop]]))
    return batches


class _Recorder:
    """Passes batches through and keeps their inputs and labels, to be
    written as a cache file afterwards."""

    def __init__(self, batches) -> None:
        self.batches = batches
        self.inputs, self.labels = {}, []
        self.ok = True

    def __iter__(self):
        from avcl_mm.utils.compat import get_gt_label
        for batch in self.batches:
            inputs = batch.get('inputs')
            if not isinstance(inputs, dict):
                self.ok = False
            if self.ok:
                for k, values in inputs.items():
                    self.inputs.setdefault(k, []).extend(values)
                self.labels += [int(torch.as_tensor(get_gt_label(s))
                                    .reshape(-1)[0])
                                for s in batch['data_samples']]
            yield batch

    def save(self, path: str, key: str) -> bool:
        shapes = {k: {tuple(v.shape) for v in values}
                  for k, values in self.inputs.items()}
        if not self.ok or any(len(s) != 1 for s in shapes.values()):
            print(f'[probe] input cache: clips of unequal shape, {path} not '
                  'written', file=sys.stderr)
            return False
        os.makedirs(osp.dirname(path) or '.', exist_ok=True)
        tmp = f'{path}.part{os.getpid()}'
        torch.save(dict(key=key, labels=torch.tensor(self.labels),
                        inputs={k: torch.stack(v)
                                for k, v in self.inputs.items()}), tmp)
        os.replace(tmp, path)
        return True


def _tracked(batches, bar: ProgressBar):
    """The batches, advancing ``bar`` by each batch's clips once the batch
    has been used."""
    for batch in batches:
        yield batch
        bar.update(len(batch['data_samples']))


# --------------------------------------------------------------------------
# probing


def probe_rows(train: dict, test: dict, num_classes: int) -> dict:
    """Top-1 (%) of kNN (k=10, cosine) and an L-BFGS linear probe, and
    retrieval Recall@k (%), per feature row present in ``train``."""
    from avcl_mm.evaluation.knn import knn_classify
    from avcl_mm.evaluation.linear_probe import linear_probe
    from avcl_mm.evaluation.retrieval import retrieval_recall
    rows = {}
    for key in ROWS:
        if key not in train:
            continue
        k = min(10, train[key].shape[0])
        pred, _ = knn_classify(train[key], train['labels'], test[key], k=k,
                               num_classes=num_classes)
        knn = float((pred.reshape(-1) == test['labels']).float().mean())
        lin = linear_probe(train[key], train['labels'], test[key],
                           test['labels'], num_classes=num_classes)
        rows[key] = dict(knn_top1=100 * knn, linear_top1=100 * lin['top1'])
        # retrieval: each eval clip queries the train clips (cosine)
        ks = [k for k in (1, 5, 10) if k <= train[key].shape[0]]
        recall = retrieval_recall(test[key], test['labels'], train[key],
                                  train['labels'], ks=ks)
        rows[key].update({k: 100 * v for k, v in recall.items()})
    rows['num_train'] = int(train['labels'].numel())
    rows['num_eval'] = int(test['labels'].numel())
    return rows


def build_model(cfg: Config, seed: int, checkpoint: str = None):
    """The config's model, initialised with ``seed``, then (optionally)
    loaded from ``checkpoint``; a checkpoint lacking any encoder or neck
    weight of the model is an error (a config that does not match it)."""
    from mmaction.registry import MODELS
    logger = MMLogger.get_current_instance()
    level = logger.level
    torch.manual_seed(seed)
    logger.setLevel(logging.WARNING)  # init_weights logs every tensor
    try:
        model = MODELS.build(cfg.model)
        model.init_weights()
    finally:
        logger.setLevel(level)
    if checkpoint:
        from avcl_mm.engine.checkpoint import safe_loading
        with safe_loading(checkpoint):
            ckpt = load_checkpoint(model, checkpoint, map_location='cpu',
                                   logger='silent')
        state = ckpt.get('state_dict', ckpt)
        missing = [k for k in model.state_dict()
                   if k.startswith(_KEPT_PREFIXES) and k not in state]
        if missing:
            raise SystemExit(
                f'probe_features.py: {checkpoint} lacks {len(missing)} '
                f'weights of the model that {cfg.filename} builds (e.g. '
                f'{missing[:3]}): give the config the checkpoint was '
                'trained with.')
    return model


def probe(models: dict, loaders: dict, num_classes: int,
          cache: dict = None, batch_size: int = 16) -> dict:
    """Rows of every model in ``models`` (name -> model), from one pass
    over the train and evaluation clips."""
    from avcl_mm.evaluation.feature_extraction import \
        extract_features_of_models
    wrapped = {name: EncoderAndNeck(m) for name, m in models.items()}
    parts = [('train', loaders['train'])] + \
        [(f'eval{i}', ld) for i, ld in enumerate(loaders['eval'])]
    total = sum(len(ld.dataset) for _, ld in parts)
    bar = ProgressBar(total, file=sys.stderr)
    feats = {}
    for part, loader in parts:
        batches, recorder, path = loader, None, None
        if cache:
            path, key = cache[part]
            batches = cached_batches(path, key, batch_size)
            if batches is None:
                batches = recorder = _Recorder(loader)
        feats[part] = extract_features_of_models(wrapped,
                                                 _tracked(batches, bar))
        if recorder is not None:
            recorder.save(path, key)
    bar.file.write('\n')
    bar.file.flush()
    results = {}
    for name in models:
        evals = [feats[p][name] for p, _ in parts[1:]]
        test = {k: torch.cat([e[k] for e in evals]) for k in evals[0]}
        results[name] = probe_rows(feats['train'][name], test, num_classes)
    return results


def print_table(results: dict, eval_names) -> None:
    counts = next(iter(results.values()))
    print(f'\nFrozen features, top-1 (%) on {" + ".join(eval_names)} '
          f'({counts["num_eval"]} clips; probes fitted on '
          f'{counts["num_train"]} train clips):')
    recalls = [k for k in counts['fused'] if k.startswith('recall@')]
    print('| encoders | feature | kNN (k=10) | linear probe | ' +
          ' | '.join(f'retrieval R@{k[7:]}' for k in recalls) + ' |')
    print('| --- ' * (4 + len(recalls)) + '|')
    for name, rows in results.items():
        for row in ROWS:
            if row not in rows:
                continue
            r = rows[row]
            print(f'| {name} | {row} | {r["knn_top1"]:.1f} | '
                  f'{r["linear_top1"]:.1f} | ' +
                  ' | '.join(f'{r[k]:.1f}' for k in recalls) + ' |')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config',
                        help='config of the model, e.g. '
                        'configs/demo/avcl_r3d_demo_pretrain.py')
    parser.add_argument('--checkpoint', default=None,
                        help='checkpoint (.pth) of the trained model, or a '
                        'last_checkpoint file holding its path (default: '
                        'none, probe the random initialisation only)')
    parser.add_argument('--data-root', default=None,
                        help='folder of <split>.txt (default: cfg.data_root, '
                        'else data/demo)')
    parser.add_argument('--eval-splits', nargs='+', default=['val', 'test'],
                        help='splits the probes are scored on (default: val '
                        'test); they are fitted on train')
    parser.add_argument('--train-ann', default=None,
                        help='annotation file the probes are fitted on '
                        '(instead of <data-root>/train.txt), e.g. '
                        'data/kinetics_sounds/k32_train.txt')
    parser.add_argument('--eval-ann', nargs='+', default=None,
                        help='annotation files the probes are scored on '
                        '(with --train-ann), e.g. '
                        'data/kinetics_sounds/k32_val.txt')
    parser.add_argument('--video-root', default=None,
                        help='folder the annotation paths are relative to '
                        "(default: <data-root>/videos, else the config's)")
    parser.add_argument('--classes', default=None,
                        help="class-list file (default: <data-root>/"
                        "classes.txt, else the config's class_list)")
    parser.add_argument('--out', default=None,
                        help='JSON output file (default: print the table '
                        'only)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random initialisation (default: 0)')
    parser.add_argument('--workers', type=int, default=2,
                        help='dataloader worker processes (default: 2)')
    parser.add_argument('--no-random', action='store_true',
                        help='probe the trained model only (skip the '
                        'random-initialisation rows)')
    parser.add_argument('--input-cache', default=None, metavar='DIR',
                        help='keep the decoded val-pipeline inputs of each '
                        'annotation file in DIR and reuse them in later '
                        'runs on the same clips (small evaluation sets '
                        'only: all clips are held in memory; default: off)')
    args = parser.parse_args(argv)
    if args.no_random and not args.checkpoint:
        parser.error('--no-random needs --checkpoint (nothing to probe)')
    return parser, args


def main(argv=None):
    parser, args = parse_args(argv)
    import avcl_mm  # noqa: F401
    from avcl_mm.evaluation.run_info import describe_run, jsonable
    init_default_scope('mmaction')
    start = time.time()
    cfg = Config.fromfile(args.config)
    ckpt = args.checkpoint
    if ckpt:
        from avcl_mm.evaluation.run_info import resolve_checkpoint
        ckpt = resolve_checkpoint(ckpt)
        if not osp.isfile(ckpt):
            parser.error(f'checkpoint "{ckpt}" does not exist.')
    train_ann, eval_anns, video_root, classes = resolve_inputs(args, cfg)
    batch_size = 16
    loaders = dict(
        train=build_loader(cfg, train_ann, video_root, classes,
                           args.workers, batch_size),
        eval=[build_loader(cfg, f, video_root, classes, args.workers,
                           batch_size) for f in eval_anns])
    cache = None
    if args.input_cache:
        cache = {}
        for part, ann in [('train', train_ann)] + \
                [(f'eval{i}', f) for i, f in enumerate(eval_anns)]:
            key = input_key(cfg, ann, video_root, classes)
            cache[part] = (cache_path(args.input_cache, ann, key), key)
    eval_names = args.eval_ann or args.eval_splits
    models = {}
    if not args.no_random:
        models['random'] = build_model(cfg, args.seed)
    if ckpt:
        models['pretrained'] = build_model(cfg, args.seed, ckpt)
    print(f'probing {" and ".join(models)} encoders in one pass ...',
          flush=True)
    results = probe(models, loaders, cfg.get('num_classes'), cache,
                    batch_size)
    print_table(results, eval_names)
    run = jsonable(describe_run(cfg, ckpt, train_ann))
    if not ckpt:
        run['seed'] = args.seed
    neck = cfg.model.get('neck')
    features = dict(video='v: pooled video encoder output',
                    audio='a: pooled audio encoder output',
                    fused='[l2(v); l2(a)]')
    if neck is not None:
        features['neck fused'] = f'[l2(f_v); l2(f_a)] of the neck ' \
            f'({neck.get("type")}) on (v, a)'
    print(f'[probe] {run["method"]} (seed {run["seed"]}): '
          f'{time.time() - start:.0f} s', flush=True)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(f'{args.out}.tmp', 'w') as f:
            json.dump(dict(run=run, config=args.config, checkpoint=ckpt,
                           train_ann=train_ann, eval_anns=eval_anns,
                           eval_splits=eval_names, random_seed=args.seed,
                           features=features,
                           protocols=dict(
                               knn='k=10 cosine neighbours, votes weighted '
                               'by exp(s / 0.07)',
                               linear='logistic regression (L-BFGS, 100 '
                               'iterations, L2 1e-4) on L2-normalised '
                               'features',
                               retrieval='eval clips query the train clips '
                               '(cosine)'),
                           results=results), f, indent=2)
        os.replace(f'{args.out}.tmp', args.out)
    return results


if __name__ == '__main__':
    main()
