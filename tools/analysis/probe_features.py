"""Frozen-feature probes: pretrained encoders vs the same encoders at random
initialisation (kNN and linear probe, train split -> test split).

    python tools/analysis/probe_features.py CONFIG --checkpoint CKPT \
        [--out probe.json] [--seed 0]

``CKPT`` may also be a ``last_checkpoint`` file holding the path. Features are
the pooled encoder outputs after the fusion neck (``f_v``, ``f_a`` and their
concatenation), extracted with the config's (deterministic) val pipeline.
"""
import argparse
import copy
import json
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402


def build_loader(cfg, split_file):
    from mmaction.registry import DATASETS
    ds_cfg = copy.deepcopy(cfg.val_dataloader.dataset) \
        if cfg.get('val_dataloader') else \
        copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.ann_file = split_file
    ds_cfg.pipeline = cfg.val_pipeline
    ds_cfg.test_mode = True
    ds_cfg.classes = cfg.get('class_list', ds_cfg.get('classes'))
    dataset = DATASETS.build(ds_cfg)
    return torch.utils.data.DataLoader(dataset, batch_size=8, num_workers=2,
                                       collate_fn=pseudo_collate)


@torch.no_grad()
def features(model, loader):
    from avcl_mm.utils.compat import get_gt_label
    model.eval()
    out = {'video': [], 'audio': [], 'fused': [], 'labels': []}
    for batch in loader:
        data = model.data_preprocessor(batch, False)
        f_v, f_a = model(data['inputs'], data['data_samples'], mode='tensor')
        out['video'].append(f_v)
        out['audio'].append(f_a)
        out['fused'].append(torch.cat([
            torch.nn.functional.normalize(f_v, dim=1),
            torch.nn.functional.normalize(f_a, dim=1)], dim=1))
        out['labels'] += [int(get_gt_label(s).reshape(-1)[0])
                          for s in data['data_samples']]
    result = {k: torch.cat(v) for k, v in out.items() if k != 'labels'}
    result['labels'] = torch.tensor(out['labels'])
    return result


def probe(model, cfg, num_classes):
    from avcl_mm.evaluation.knn import knn_classify
    from avcl_mm.evaluation.linear_probe import linear_probe
    root = cfg.get('data_root', 'data/demo')
    train = features(model, build_loader(cfg, osp.join(root, 'train.txt')))
    test = features(model, build_loader(cfg, osp.join(root, 'test.txt')))
    rows = {}
    for key in ('video', 'audio', 'fused'):
        pred, _ = knn_classify(train[key], train['labels'], test[key], k=10,
                               num_classes=num_classes)
        knn = float((pred.reshape(-1) == test['labels']).float().mean())
        lin = linear_probe(train[key], train['labels'], test[key],
                           test['labels'], num_classes=num_classes, seed=0)
        rows[key] = dict(knn_top1=100 * knn, linear_top1=100 * lin['top1'])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--checkpoint', required=True)
    parser.add_argument('--out', default=None, help='JSON output file')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)

    import avcl_mm  # noqa: F401
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    cfg = Config.fromfile(args.config)
    ckpt = args.checkpoint
    if osp.basename(ckpt) == 'last_checkpoint':
        with open(ckpt) as f:
            ckpt = f.read().strip()
    num_classes = cfg.get('num_classes')
    results = {}
    for name in ('random', 'pretrained'):
        torch.manual_seed(args.seed)
        model = MODELS.build(cfg.model)
        model.init_weights()
        if name == 'pretrained':
            load_checkpoint(model, ckpt, map_location='cpu', logger='silent')
        results[name] = probe(model, cfg, num_classes)
    print('\nFrozen features, test split top-1 (%):')
    print(f'| encoders | feature | kNN (k=10) | linear probe |')
    print('| --- | --- | --- | --- |')
    for name, rows in results.items():
        for key, row in rows.items():
            print(f'| {name} | {key} | {row["knn_top1"]:.1f} | '
                  f'{row["linear_top1"]:.1f} |')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(checkpoint=ckpt, results=results), f, indent=2)
    return results


if __name__ == '__main__':
    main()
