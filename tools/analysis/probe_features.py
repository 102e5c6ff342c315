"""Frozen-feature probes: pretrained encoders vs the same encoders at random
initialisation (kNN and linear probe, fitted on the train split, scored on
the evaluation splits).

    python tools/analysis/probe_features.py CONFIG --checkpoint CKPT \\
        [--eval-splits val test] [--out probe.json] [--seed 0]

``CKPT`` may also be a ``last_checkpoint`` file holding the path. Features
are extracted with the config's deterministic val pipeline:

- ``encoder``: the pooled encoder outputs ``v``, ``a`` (what finetuning
  starts from), and ``fused`` = ``[l2(v); l2(a)]``;
- ``neck``: the AMFM outputs ``[l2(f_v); l2(f_a)]`` (what the AVCL
  classifier sees).

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
import json
import logging
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402
from torch import nn  # noqa: E402

# (row name, use the fusion neck, feature key of extract_features)
ROWS = (('video', False, 'video'), ('audio', False, 'audio'),
        ('fused', False, 'fused'), ('neck fused', True, 'fused'))


class _Encoders(nn.Module):
    """Presents a recognizer's encoder (pre-neck) features as its
    ``mode='tensor'`` output, for :func:`extract_features`."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.data_preprocessor = model.data_preprocessor

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return self.model.encode(inputs, fuse=False)


def build_loader(cfg: Config, ann_file: str, video_root: str = None,
                 classes: str = None, workers: int = 2):
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
    return torch.utils.data.DataLoader(dataset, batch_size=8,
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


def _tracked(loader, bar: ProgressBar):
    """The batches of ``loader``, advancing ``bar`` by each batch's clips
    once the batch has been used."""
    for batch in loader:
        yield batch
        bar.update(len(batch['data_samples']))


def probe(model: nn.Module, loaders: dict, num_classes: int) -> dict:
    """Top-1 (%) of kNN (k=10, cosine) and an L-BFGS linear probe per row."""
    from avcl_mm.evaluation.feature_extraction import extract_features
    from avcl_mm.evaluation.knn import knn_classify
    from avcl_mm.evaluation.linear_probe import linear_probe
    from avcl_mm.evaluation.retrieval import retrieval_recall
    feats = {}
    # every clip passes twice: encoder features, then neck features
    bar = ProgressBar(2 * sum(len(ld.dataset) for ld in
                              [loaders['train'], *loaders['eval']]),
                      file=sys.stderr)
    for fuse in (False, True):
        wrapped = model if fuse else _Encoders(model)
        train = extract_features(wrapped, _tracked(loaders['train'], bar))
        evals = [extract_features(wrapped, _tracked(ld, bar))
                 for ld in loaders['eval']]
        test = {k: torch.cat([e[k] for e in evals]) for k in train}
        feats[fuse] = (train, test)
    bar.file.write('\n')
    bar.file.flush()
    rows = {}
    for name, fuse, key in ROWS:
        train, test = feats[fuse]
        pred, _ = knn_classify(train[key], train['labels'], test[key], k=10,
                               num_classes=num_classes)
        knn = float((pred.reshape(-1) == test['labels']).float().mean())
        lin = linear_probe(train[key], train['labels'], test[key],
                           test['labels'], num_classes=num_classes)
        rows[name] = dict(knn_top1=100 * knn, linear_top1=100 * lin['top1'])
        # retrieval: each eval clip queries the train clips (cosine)
        ks = [k for k in (1, 5, 10) if k <= train[key].shape[0]]
        recall = retrieval_recall(test[key], test['labels'], train[key],
                                  train['labels'], ks=ks)
        rows[name].update({k: 100 * v for k, v in recall.items()})
    rows['num_train'] = int(feats[False][0]['labels'].numel())
    rows['num_eval'] = int(feats[False][1]['labels'].numel())
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config',
                        help='config of the model (it needs a fusion neck), '
                        'e.g. configs/demo/avcl_r3d_demo_pretrain.py')
    parser.add_argument('--checkpoint', required=True,
                        help='checkpoint (.pth) of the pretrained model, or '
                        'a last_checkpoint file holding its path')
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
                        help='probe the pretrained encoders only (skip the '
                        'random-initialisation rows)')
    args = parser.parse_args(argv)

    import avcl_mm  # noqa: F401
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    cfg = Config.fromfile(args.config)
    if cfg.model.get('neck') is None:
        parser.error(f'{args.config}: the probe compares encoder and neck '
                     'features; the model has no fusion neck.')
    ckpt = args.checkpoint
    if osp.basename(ckpt) == 'last_checkpoint':
        with open(ckpt) as f:
            ckpt = f.read().strip()
    if not osp.isfile(ckpt):
        parser.error(f'checkpoint "{ckpt}" does not exist.')
    train_ann, eval_anns, video_root, classes = resolve_inputs(args, cfg)
    loaders = dict(
        train=build_loader(cfg, train_ann, video_root, classes,
                           args.workers),
        eval=[build_loader(cfg, f, video_root, classes, args.workers)
              for f in eval_anns])
    eval_names = args.eval_ann or args.eval_splits
    num_classes = cfg.get('num_classes')
    logger = MMLogger.get_current_instance()
    level = logger.level
    results = {}
    for name in (('pretrained', ) if args.no_random else
                 ('random', 'pretrained')):
        torch.manual_seed(args.seed)
        logger.setLevel(logging.WARNING)  # init_weights logs every tensor
        try:
            model = MODELS.build(cfg.model)
            model.init_weights()
        finally:
            logger.setLevel(level)
        if name == 'pretrained':
            from avcl_mm.engine.checkpoint import safe_loading
            with safe_loading(ckpt):
                load_checkpoint(model, ckpt, map_location='cpu',
                                logger='silent')
        print(f'probing the {name} encoders ...', flush=True)
        results[name] = probe(model, loaders, num_classes)
    counts = next(iter(results.values()))
    print(f'\nFrozen features, top-1 (%) on {" + ".join(eval_names)} '
          f'({counts["num_eval"]} clips; probes fitted on '
          f'{counts["num_train"]} train clips):')
    recalls = [k for k in counts[ROWS[0][0]] if
               k.startswith('recall@')]
    print('| encoders | feature | kNN (k=10) | linear probe | ' +
          ' | '.join(f'retrieval R@{k[7:]}' for k in recalls) + ' |')
    print('| --- ' * (4 + len(recalls)) + '|')
    for name, rows in results.items():
        for row, _, _ in ROWS:
            r = rows[row]
            print(f'| {name} | {row} | {r["knn_top1"]:.1f} | '
                  f'{r["linear_top1"]:.1f} | ' +
                  ' | '.join(f'{r[k]:.1f}' for k in recalls) + ' |')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(checkpoint=ckpt, eval_splits=eval_names,
                           results=results), f, indent=2)
    return results


if __name__ == '__main__':
    main()
