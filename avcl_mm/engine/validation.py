"""Check a config before any long work starts.

Checked: unknown keyword arguments and type names of everything the runner
builds (with the closest valid name; a class whose ``**kwargs`` cannot be
followed is not checked), misspelt top-level settings, missing annotation
files / video folders / class lists, class-list mismatches (head, dataset,
train vs val) and batches too small for the contrastive losses.

Each problem found is reported with what to change; all problems are listed
at once in a :class:`ConfigValidationError`. Likely mistakes that still run
give a :class:`ConfigValidationWarning`.
"""
import difflib
import inspect
import math
import os
import os.path as osp
import warnings
from typing import Iterator, List, Optional, Sequence, Set, Tuple

from mmengine.config import Config

_SSL_LOSSES_NEEDING_PAIRS = ('SelfCLLoss', 'CGRALoss')
# keys Runner.from_cfg (and tools/train.py) read at the top level
_RUNNER_KEYS = (
    'model', 'work_dir', 'train_dataloader', 'val_dataloader',
    'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr',
    'optim_wrapper', 'param_scheduler', 'val_evaluator', 'test_evaluator',
    'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from',
    'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level',
    'visualizer', 'default_scope', 'randomness', 'experiment_name',
    'model_wrapper_cfg', 'runner_type', 'custom_imports', 'compile',
    'activation_checkpointing', 'efficient_conv_bn_eval')
_META_KEYS = ('type', '_scope_', '_delete_')


class ConfigValidationError(ValueError):
    """The config cannot run; the message says what to change."""


class ConfigValidationWarning(UserWarning):
    """The config runs, but probably not as intended."""


def _dataset_of(loader_cfg) -> Optional[dict]:
    if not loader_cfg:
        return None
    dataset = loader_cfg.get('dataset')
    # Wrappers such as RepeatDataset keep the real one under `dataset`.
    while isinstance(dataset, dict) and 'dataset' in dataset and \
            'ann_file' not in dataset:
        dataset = dataset['dataset']
    return dataset


def _under_root(path: str, data_root: str) -> str:
    return path if osp.isabs(path) or not data_root else \
        osp.join(data_root, path)


def _check_dataset(name: str, dataset: dict, problems: List[str]) -> None:
    data_root = dataset.get('data_root') or ''
    ann_file = dataset.get('ann_file')
    prefix = dataset.get('data_prefix') or {}
    video_dir = prefix.get('video') if isinstance(prefix, dict) else prefix
    if ann_file and not osp.isfile(_under_root(ann_file, data_root)):
        problems.append(
            f'{name}.dataset.ann_file: "{_under_root(ann_file, data_root)}" '
            'does not exist. Build the demo data with `python '
            'tools/data/make_demo_dataset.py` or point ann_file at your '
            f'annotation list (--cfg-options {name}.dataset.ann_file=PATH).')
    if video_dir and not osp.isdir(_under_root(video_dir, data_root)):
        problems.append(
            f'{name}.dataset.data_prefix.video: folder '
            f'"{_under_root(video_dir, data_root)}" does not exist. Set it to '
            'the folder the annotation paths are relative to (--cfg-options '
            f'{name}.dataset.data_prefix.video=DIR).')
    classes = dataset.get('classes')
    if isinstance(classes, str) and not osp.isfile(classes):
        problems.append(f'{name}.dataset.classes: class list "{classes}" '
                        'does not exist.')
    num_classes = dataset.get('num_classes')
    n_list = _num_classes_of_list(dataset.get('filter_classes') or classes)
    if num_classes is not None and n_list is not None and \
            num_classes != n_list:
        problems.append(
            f'{name}.dataset.num_classes={num_classes} but its class list '
            f'has {n_list} names: remove num_classes or make them equal.')


def _num_classes_of_list(classes) -> Optional[int]:
    if isinstance(classes, (list, tuple)):
        return len(classes)
    if isinstance(classes, str) and osp.isfile(classes):
        with open(classes) as f:
            return sum(1 for line in f
                       if line.strip() and not line.startswith('#'))
    return None


def _ssl_head(model: dict) -> dict:
    """The self-supervised head config (``head``, or its older name
    ``ssl_head``)."""
    return model.get('head') or model.get('ssl_head') or {}


def _loss_types(model: dict) -> List[str]:
    types = []
    for value in _ssl_head(model).values():
        if isinstance(value, dict) and 'type' in value:
            types.append(value['type'])
    return types


def _class_names(classes) -> Optional[List[str]]:
    if isinstance(classes, (list, tuple)):
        return [str(c).strip() for c in classes]
    if isinstance(classes, str) and osp.isfile(classes):
        with open(classes) as f:
            return [line.strip() for line in f
                    if line.strip() and not line.startswith('#')]
    return None


def _count_samples(dataset: dict) -> Optional[int]:
    """Lines of a plain annotation file (None when it cannot be known)."""
    ann_file, root = dataset.get('ann_file'), dataset.get('data_root') or ''
    if not ann_file or dataset.get('filter_classes'):
        return None
    path = ann_file if osp.isabs(ann_file) or not root else \
        osp.join(root, ann_file)
    if not osp.isfile(path):
        return None
    with open(path, errors='replace') as f:
        return sum(1 for line in f
                   if line.strip() and not line.lstrip().startswith('#'))


# ---------------------------------------------------------------- keys


def _registry_for(path: Tuple[str, ...]):
    """The registry that builds the dict at ``path`` (None: not checked)."""
    from mmaction import registry as reg
    top, last = path[0], path[-1]
    if top == 'model':
        # norm_cfg / conv_cfg / act_cfg / init_cfg are read by mmcv's layer
        # builders and initialisers (with keys of their own)
        return None if any(p.endswith('_cfg') for p in path[1:]) else \
            reg.MODELS
    if top in ('train_cfg', 'val_cfg', 'test_cfg') and len(path) == 1:
        return reg.LOOPS
    if (top, len(path)) in (('default_hooks', 2), ('custom_hooks', 1)):
        return reg.HOOKS
    if top == 'optim_wrapper':
        return reg.OPTIM_WRAPPERS if len(path) == 1 else \
            reg.OPTIMIZERS if last == 'optimizer' else None
    if top == 'param_scheduler':
        return reg.PARAM_SCHEDULERS
    if top.endswith('_dataloader'):
        return {'dataset': reg.DATASETS, 'datasets': reg.DATASETS,
                'pipeline': reg.TRANSFORMS, 'sampler': reg.DATA_SAMPLERS,
                'batch_sampler': reg.DATA_SAMPLERS}.get(last)
    if top in ('val_evaluator', 'test_evaluator'):
        return reg.METRICS
    if top == 'log_processor':
        return reg.LOG_PROCESSORS
    return None


def _typed_dicts(node, path: Tuple[str, ...]) -> Iterator[tuple]:
    """``(path, dict)`` of every dict with a ``type`` under ``node``; list
    items keep the list's key as the last path element."""
    if isinstance(node, dict):
        if 'type' in node:
            yield path, node
        for key, value in node.items():
            yield from _typed_dicts(value, path + (str(key), ))
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _typed_dicts(value, path)


def _call_forwards_kwargs(func) -> bool:
    """Whether ``func`` passes its ``**kwargs`` on to ``super().__init__``
    (read from the source; False when unknown)."""
    try:
        src = inspect.getsource(func)
    except (OSError, TypeError):
        return False
    start = src.find('super(')
    while start >= 0:
        call = src.find('.__init__(', start)
        if call < 0:
            return False
        depth, i = 0, call + len('.__init__')
        for i in range(call + len('.__init__'), len(src)):
            depth += {'(': 1, ')': -1}.get(src[i], 0)
            if depth == 0:
                break
        if '**kwargs' in src[call:i]:
            return True
        start = src.find('super(', i)
    return False


# keyword arguments that a class stores and passes to another callable
_KWARGS_GO_TO = {'CheckpointHook': ('mmengine.runner', 'Runner',
                                    'save_checkpoint')}


def _accepted_keys(cls) -> Optional[Set[str]]:
    """Keyword arguments ``cls`` accepts, or None when it takes anything."""
    if not inspect.isclass(cls):
        return None
    names: Set[str] = set()
    for klass in inspect.getmro(cls):
        if '__init__' not in vars(klass) or klass is object:
            continue
        init = vars(klass)['__init__']
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        names.update(p.name for p in params
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            return names - {'self'}
        target = _KWARGS_GO_TO.get(klass.__name__)
        if target is not None:
            module = __import__(target[0], fromlist=[target[1]])
            func = getattr(getattr(module, target[1]), target[2])
            names.update(inspect.signature(func).parameters)
            return names - {'self'}
        if not _call_forwards_kwargs(init):
            return None  # kwargs go somewhere we cannot follow
    return names - {'self'}  # reached object(), which takes no arguments


def _registered_names(registry) -> List[str]:
    names, reg = [], registry
    while reg is not None:
        names.extend(reg.module_dict)
        reg = reg.parent
    return names


def _check_keys(cfg: Config, problems: List[str]) -> None:
    """Unknown types and keyword arguments, with the closest valid name."""
    data = cfg.to_dict() if hasattr(cfg, 'to_dict') else dict(cfg)
    for key in data:
        if key in _RUNNER_KEYS or key.startswith('_'):
            continue
        close = difflib.get_close_matches(key, _RUNNER_KEYS, n=1,
                                          cutoff=0.85)
        if close:
            problems.append(f'{key}: not a setting the runner reads (it would'
                            f' be ignored); did you mean "{close[0]}"?')
    for top, value in data.items():
        if top not in _RUNNER_KEYS:
            continue  # helper variables of the config file
        for path, node in _typed_dicts(value, (top, )):
            registry = _registry_for(path)
            kind = node['type']
            if registry is None:
                continue
            where = '.'.join(path)
            if isinstance(kind, str):
                try:
                    cls = registry.get(kind)
                except Exception:  # noqa: BLE001 (a scope that fails)
                    cls = None
                if cls is None:
                    close = difflib.get_close_matches(
                        kind, _registered_names(registry), n=1, cutoff=0.8)
                    hint = f'; did you mean "{close[0]}"?' if close else \
                        ' (is the module imported, e.g. custom_imports?)'
                    problems.append(f'{where}.type: "{kind}" is not a '
                                    f'registered {registry.name}{hint}')
                    continue
            else:
                cls, kind = kind, getattr(kind, '__name__', str(kind))
            accepted = _accepted_keys(cls)
            if accepted is None:
                continue
            for key in node:
                if key in _META_KEYS or key in accepted:
                    continue
                close = difflib.get_close_matches(key, sorted(accepted), n=1,
                                                  cutoff=0.6)
                hint = f'did you mean "{close[0]}"?' if close else \
                    f'valid: {", ".join(sorted(accepted))}.'
                problems.append(f'{where}.{key}: {kind} has no argument '
                                f'"{key}"; {hint}')


def _check_last_batch(cfg: Config, model: dict, problems: List[str]) -> None:
    """A last batch of one sample per epoch breaks batch statistics."""
    loader = cfg.get('train_dataloader') or {}
    dataset = _dataset_of(loader)
    batch = loader.get('batch_size', 0) or 0
    if dataset is None or batch < 2 or loader.get('drop_last', False):
        return
    n = _count_samples(dataset)
    world = int(os.environ.get('WORLD_SIZE', '1'))
    if not n:
        return
    per_rank = math.ceil(n / world)  # DefaultSampler pads (round_up)
    if per_rank % batch * world != 1:
        return
    losses = [v for v in _ssl_head(model).values()
              if isinstance(v, dict) and v.get('type') in
              _SSL_LOSSES_NEEDING_PAIRS]
    msg = (f'train_dataloader: {n} sample(s) in batches of {batch} x '
           f'{world} process(es) leave a last batch of 1 sample every epoch')
    if any(v.get('type') == 'CGRALoss' and v.get('center') for v in losses):
        problems.append(f'{msg}, which CGRALoss(center=True) cannot take: '
                        'set train_dataloader.drop_last=True or change '
                        'batch_size.')
    elif losses:
        warnings.warn(f'{msg}: a contrastive step on it has no negatives. '
                      'Set train_dataloader.drop_last=True to drop it.',
                      ConfigValidationWarning, stacklevel=3)


def _check_load_from(cfg: Config, problems: List[str]) -> None:
    """A ``load_from`` that is a missing local file fails here, before the
    model is built, naming the run that writes it."""
    path = cfg.get('load_from', None)
    if not path or '://' in str(path) or osp.exists(path):
        return
    parts = osp.normpath(str(path)).split(os.sep)
    hint = 'pass --cfg-options load_from=PATH with an existing checkpoint'
    if 'work_dirs' in parts[:-2]:
        run = parts[parts.index('work_dirs') + 1]
        hint = (f'train the config "{run}.py" first (it writes that file '
                f'into work_dirs/{run}), or {hint}')
    problems.append(f'load_from: checkpoint "{path}" does not exist: {hint}.')


def _raise(problems: List[str]) -> None:
    if problems:
        raise ConfigValidationError(
            'The config cannot run:\n  - ' + '\n  - '.join(problems))


def validate_keys(cfg: Config) -> None:
    """Raise :class:`ConfigValidationError` listing every unknown type and
    keyword argument of ``cfg`` (before anything is built)."""
    problems: List[str] = []
    _check_keys(cfg, problems)
    _raise(problems)


def validate_config(cfg: Config, mode: str = 'train',
                    keys: bool = True) -> None:
    """Raise :class:`ConfigValidationError` listing every problem found.

    Args:
        cfg (Config): The full config (after command-line overrides).
        mode (str): ``'train'`` checks the train and val data, ``'test'`` the
            test data. Defaults to ``'train'``.
        keys (bool): Check the types and keyword arguments too (see
            :func:`validate_keys`). Defaults to ``True``.
    """
    problems: List[str] = []
    if keys:
        _check_keys(cfg, problems)
    loaders = ['train_dataloader', 'val_dataloader'] if mode == 'train' \
        else ['test_dataloader']
    model = cfg.get('model', {}) or {}
    cls_head = model.get('cls_head') or {}
    lists: List[Tuple[str, Sequence[str]]] = []
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
        names = _class_names(dataset.get('filter_classes') or
                             dataset.get('classes'))
        if names is not None:
            lists.append((name, names))
        n_list = _num_classes_of_list(dataset.get('filter_classes') or
                                      dataset.get('classes'))
        n_head = cls_head.get('num_classes')
        if n_list is not None and n_head is not None and n_list != n_head:
            problems.append(
                f'model.cls_head.num_classes={n_head} but the class list of '
                f'{name}.dataset has {n_list} classes: make them equal.')
    if len(lists) > 1 and any(names != lists[0][1] for _, names in lists):
        (a, first), (b, other) = lists[0], next(
            item for item in lists if item[1] != lists[0][1])
        problems.append(
            f'{a}.dataset and {b}.dataset use different class lists '
            f'({len(first)} vs {len(other)} names'
            + ('' if len(first) != len(other) else ', other names or order')
            + '): labels would mean different classes; use the same list.')
    if mode == 'train':
        _check_last_batch(cfg, model, problems)
        _check_load_from(cfg, problems)
    if mode == 'train' and _ssl_head(model):
        batch = (cfg.get('train_dataloader') or {}).get('batch_size', 0)
        world = int(os.environ.get('WORLD_SIZE', '1'))
        needs_pairs = [t for t in _loss_types(model)
                       if t in _SSL_LOSSES_NEEDING_PAIRS]
        if needs_pairs and batch * world < 2:
            problems.append(
                f'{", ".join(needs_pairs)} need at least 2 samples in the '
                f'global batch, got batch_size={batch} x {world} process(es):'
                ' raise train_dataloader.batch_size.')
    _raise(problems)
