"""Check a config before any long work starts.

Each problem found is reported with what to change; all problems are listed
at once in a :class:`ConfigValidationError`.
"""
import os
import os.path as osp
from typing import List, Optional

from mmengine.config import Config

_SSL_LOSSES_NEEDING_PAIRS = ('SelfCLLoss', 'CGRALoss')


class ConfigValidationError(ValueError):
    """The config cannot run; the message says what to change."""


def _dataset_of(loader_cfg) -> Optional[dict]:
    if not loader_cfg:
        return None
    dataset = loader_cfg.get('dataset')
    # Wrappers such as RepeatDataset keep the real one under `dataset`.
    while isinstance(dataset, dict) and 'dataset' in dataset and \
            'ann_file' not in dataset:
        dataset = dataset['dataset']
    return dataset


def _check_dataset(name: str, dataset: dict, problems: List[str]) -> None:
    data_root = dataset.get('data_root') or ''
    ann_file = dataset.get('ann_file')
    if ann_file:
        path = ann_file if osp.isabs(ann_file) or not data_root else \
            osp.join(data_root, ann_file)
        if not osp.isfile(path):
            problems.append(
                f'{name}.dataset.ann_file: "{path}" does not exist. Build '
                'the demo data with `python tools/data/make_demo_dataset.py` '
                'or point ann_file at your annotation list '
                f'(--cfg-options {name}.dataset.ann_file=PATH).')
    prefix = dataset.get('data_prefix') or {}
    video_dir = prefix.get('video') if isinstance(prefix, dict) else prefix
    if video_dir:
        path = video_dir if osp.isabs(video_dir) or not data_root else \
            osp.join(data_root, video_dir)
        if not osp.isdir(path):
            problems.append(
                f'{name}.dataset.data_prefix.video: folder "{path}" does not '
                'exist. Set it to the folder the annotation paths are '
                f'relative to (--cfg-options {name}.dataset.data_prefix.'
                'video=DIR).')
    classes = dataset.get('classes')
    num_classes = dataset.get('num_classes')
    if isinstance(classes, str) and not osp.isfile(classes):
        problems.append(f'{name}.dataset.classes: class list "{classes}" '
                        'does not exist.')


def _num_classes_of_list(classes) -> Optional[int]:
    if isinstance(classes, (list, tuple)):
        return len(classes)
    if isinstance(classes, str) and osp.isfile(classes):
        with open(classes) as f:
            return sum(1 for line in f
                       if line.strip() and not line.startswith('#'))
    return None


def _loss_types(model: dict) -> List[str]:
    types = []
    head = model.get('ssl_head') or {}
    for value in head.values():
        if isinstance(value, dict) and 'type' in value:
            types.append(value['type'])
    return types


def validate_config(cfg: Config, mode: str = 'train') -> None:
    """Raise :class:`ConfigValidationError` listing every problem found.

    Args:
        cfg (Config): The full config (after command-line overrides).
        mode (str): ``'train'`` checks the train and val data, ``'test'`` the
            test data. Defaults to ``'train'``.
    """
    problems: List[str] = []
    loaders = ['train_dataloader', 'val_dataloader'] if mode == 'train' \
        else ['test_dataloader']
    model = cfg.get('model', {}) or {}
    cls_head = model.get('cls_head') or {}
    for name in loaders:
        if mode == 'train' and name == 'val_dataloader' and \
                not cfg.get('val_cfg'):
            continue
        dataset = _dataset_of(cfg.get(name))
        if dataset is None:
            if name != 'val_dataloader':
                problems.append(f'{name} is missing from the config.')
            continue
        _check_dataset(name, dataset, problems)
        n_list = _num_classes_of_list(dataset.get('classes'))
        n_head = cls_head.get('num_classes')
        if n_list is not None and n_head is not None and n_list != n_head:
            problems.append(
                f'model.cls_head.num_classes={n_head} but the class list of '
                f'{name}.dataset has {n_list} classes: make them equal.')
    if mode == 'train' and model.get('ssl_head'):
        batch = (cfg.get('train_dataloader') or {}).get('batch_size', 0)
        world = int(os.environ.get('WORLD_SIZE', '1'))
        needs_pairs = [t for t in _loss_types(model)
                       if t in _SSL_LOSSES_NEEDING_PAIRS]
        if needs_pairs and batch * world < 2:
            problems.append(
                f'{", ".join(needs_pairs)} need at least 2 samples in the '
                f'global batch, got batch_size={batch} x {world} process(es):'
                ' raise train_dataloader.batch_size.')
    if problems:
        raise ConfigValidationError(
            'The config cannot run:\n  - ' + '\n  - '.join(problems))
