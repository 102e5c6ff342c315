"""What a result is of: method, backbone, protocol, dataset, epochs and
seed, read from the configs and checkpoints that produced it.

mmengine stores the full config of a run (``meta['cfg']``, its text), the
seed (``meta['seed']``) and the epoch (``meta['epoch']``) in every
checkpoint. A finetuned checkpoint's config names, in ``load_from``, the
pretraining checkpoint it started from, whose own meta says which
self-supervised method made it, with which seed and after how many epochs.
:func:`describe_run` follows that chain (loading checkpoints safely with
:func:`avcl_mm.engine.checkpoint.safe_torch_load`), so result files say what
they are without relying on file or folder names.
"""
import os.path as osp
from typing import Any, Dict, Optional, Union

from mmengine.config import Config

__all__ = ['checkpoint_meta', 'method_name', 'backbone_name',
           'dataset_name', 'describe_run', 'resolve_checkpoint',
           'jsonable', 'init_checkpoint', 'UNKNOWN_INIT']

# model type -> display name; AVID and AVCL variants are read from the config
_METHODS = {
    'AVCL': 'AVCL', 'SimCLR': 'SimCLR', 'MoCo': 'MoCo', 'BYOL': 'BYOL',
    'SimSiam': 'SimSiam', 'BarlowTwins': 'Barlow Twins', 'IIC': 'IIC',
    'InvClust': 'InvClust', 'CMA': 'AVID+CMA', 'CMAC': 'CMAC'}
_AVID_TARGETS = {'cross': 'Cross-AVID', 'self': 'Self-AVID',
                 'joint': 'Joint-AVID'}
_SUPERVISED = {'video': 'Baseline-R', 'audio': 'Baseline-A',
               'av': 'Baseline-R+A'}
_BACKBONES = {'ResNet3d': 'R3D', 'ResNet2Plus1d': 'R(2+1)D',
              'C3DGAP': 'C3D', 'C3D': 'C3D'}
_CLASSIFIERS = ('AudioVisualRecognizer', )
_META_CACHE: Dict[str, dict] = {}


def resolve_checkpoint(path: str) -> str:
    """``path``, or the checkpoint a ``last_checkpoint`` file names."""
    if osp.basename(path) == 'last_checkpoint' and osp.isfile(path):
        with open(path) as f:
            return f.read().strip()
    return path


def checkpoint_meta(path: str) -> dict:
    """The ``meta`` of a checkpoint (loaded safely; cached), with its
    ``cfg`` text parsed into a :class:`Config` under ``'config'``
    (``None`` when absent). ``{}`` when the file does not exist."""
    path = osp.abspath(resolve_checkpoint(path))
    if path in _META_CACHE:
        return _META_CACHE[path]
    if not osp.isfile(path):
        return {}
    from avcl_mm.engine.checkpoint import safe_torch_load
    ckpt = safe_torch_load(path, map_location='cpu')
    meta = dict(ckpt.get('meta') or {}) if isinstance(ckpt, dict) else {}
    text = meta.get('cfg')
    meta['config'] = Config.fromstring(text, '.py') \
        if isinstance(text, str) and text.strip() else None
    _META_CACHE[path] = meta
    return meta


UNKNOWN_INIT = '<resumed: initialisation unknown>'


def _get(cfg: Any, key: str, default=None):
    if cfg is None:
        return default
    try:
        return cfg.get(key, default)
    except AttributeError:
        return getattr(cfg, key, default)


def method_name(model: dict) -> str:
    """Display name of the self-supervised method a model config trains
    (``'Cross-AVID'``, ``'AVCL'``, ...), or its ``type`` when unknown."""
    kind = _get(model, 'type', '?')
    if kind == 'AVID':
        target = _get(_get(_get(model, 'head'), 'loss'), 'target', 'cross')
        return _AVID_TARGETS.get(target, f'AVID ({target})')
    name = _METHODS.get(kind, kind)
    if kind == 'AVCL':
        notes = []
        if _get(model, 'neck') is None:
            notes.append('AMFM off')
        reading = _get(model, 'amfm_reading')
        if reading not in (None, 'sigmoid_signed'):
            notes.append(reading)
        if _get(_get(_get(model, 'head'), 'loss_cor'), 'center'):
            notes.append('centred C')
        if notes:
            name += f' ({", ".join(notes)})'
    return name


def backbone_name(model: dict) -> str:
    """``'R3D'``, ``'C3D'``, ``'R(2+1)D'`` or the video (else audio)
    backbone's type."""
    net = _get(model, 'video_backbone') or _get(model, 'audio_backbone')
    kind = _get(net, 'type', '?')
    return _BACKBONES.get(kind, kind)


def _width(model: dict) -> Optional[int]:
    net = _get(model, 'video_backbone') or _get(model, 'audio_backbone')
    return _get(net, 'base_channels')


def dataset_name(ann_file: Optional[str]) -> Optional[str]:
    """The dataset of an annotation file: its folder's name
    (``data/bench/test.txt`` -> ``'bench'``)."""
    if not ann_file:
        return None
    folder = osp.basename(osp.dirname(osp.abspath(ann_file)))
    return folder or osp.splitext(osp.basename(ann_file))[0]


def _loader_ann(cfg: Config, loader: str) -> Optional[str]:
    return _get(_get(_get(cfg, loader), 'dataset'), 'ann_file')


def init_checkpoint(cfg) -> Optional[str]:
    """The checkpoint a run's weights started from: ``load_from``, or, in a
    run resumed with ``tools/train.py --resume`` (which replaces
    ``load_from`` by the checkpoint resumed from, or clears it), the
    ``init_from`` it kept (``None``: from scratch). A resumed run without
    ``init_from`` (an older tool) cannot say: :data:`UNKNOWN_INIT`."""
    if _has(cfg, 'init_from'):
        return _get(cfg, 'init_from')
    if _get(cfg, 'resume'):
        return UNKNOWN_INIT
    return _get(cfg, 'load_from')


def _has(cfg: Any, key: str) -> bool:
    try:
        return key in cfg
    except TypeError:
        return hasattr(cfg, key)


def _pretraining(path: Optional[str], depth: int = 0) -> dict:
    """Method, seed and epochs of a pretraining checkpoint, following its
    own ``load_from`` (AVID+CMA starts from a Cross-AVID checkpoint)."""
    if not path:
        return {}
    meta = checkpoint_meta(path)
    cfg = meta.get('config')
    if cfg is None:
        return dict(pretrain_checkpoint=path, missing=not meta)
    epochs = meta.get('epoch')
    parent = init_checkpoint(cfg)
    if parent and parent != UNKNOWN_INIT and depth < 4 and _get(cfg.model, 'type') not in _CLASSIFIERS:
        before = _pretraining(parent, depth + 1).get('pretrain_epochs')
        if before is not None and epochs is not None:
            epochs += before
    return dict(method=method_name(cfg.model), pretrain_epochs=epochs,
                pretrain_seed=meta.get('seed'), pretrain_checkpoint=path,
                pretrain_config=cfg)


def describe_run(cfg: Optional[Config] = None,
                 checkpoint: Optional[str] = None,
                 ann_file: Optional[str] = None) -> Dict[str, Any]:
    """Describe the model in ``checkpoint`` (with the config it was run
    with, else ``cfg``).

    - a self-supervised model (a pretraining checkpoint): its method, the
      epochs it was trained (plus those of the checkpoint it started from),
      its seed; ``protocol='frozen'``;
    - a classifier started from a pretraining checkpoint (``load_from``):
      the pretraining's method, seed and epochs, ``protocol='finetune'``,
      ``finetune_epochs`` (the schedule) and ``best_epoch``;
    - a classifier without ``load_from``: ``Baseline-R`` / ``-A`` / ``-R+A``
      by its modality, ``protocol='from scratch'``;
    - no checkpoint: the model at random initialisation,
      ``method='Random init'``, ``protocol='frozen'``.

    Args:
        cfg (Config, optional): The config given to the tool (used where
            the checkpoint stores none). Defaults to ``None``.
        checkpoint (str, optional): Checkpoint (or ``last_checkpoint``
            file). Defaults to ``None``.
        ann_file (str, optional): Annotation file of the evaluated clips;
            its folder names the dataset. Defaults to ``None`` (the
            config's test, else val, else train annotation file).

    Returns:
        dict: ``method``, ``kind`` (``'ssl'``, ``'supervised'`` or
        ``'random'``), ``backbone``, ``base_channels``, ``protocol``,
        ``dataset``, ``pretrain_epochs``, ``finetune_epochs``,
        ``best_epoch``, ``seed``, ``pretrain_seed``, ``checkpoint``,
        ``pretrain_checkpoint`` (``None`` where they do not apply).
    """
    checkpoint = resolve_checkpoint(checkpoint) if checkpoint else None
    meta = checkpoint_meta(checkpoint) if checkpoint else {}
    run_cfg = meta.get('config') or cfg
    if run_cfg is None:
        raise ValueError('describe_run: need a config or a checkpoint that '
                         'stores one')
    model = run_cfg.model
    if ann_file is None:
        for loader in ('test_dataloader', 'val_dataloader',
                       'train_dataloader'):
            ann_file = _loader_ann(run_cfg, loader) or _loader_ann(
                cfg, loader)
            if ann_file:
                break
    info = dict(method=None, kind='ssl', backbone=backbone_name(model),
                base_channels=_width(model), protocol='frozen',
                dataset=dataset_name(ann_file), pretrain_epochs=None,
                finetune_epochs=None, best_epoch=None,
                seed=meta.get('seed'), pretrain_seed=None,
                checkpoint=checkpoint, pretrain_checkpoint=None)
    if checkpoint is None:
        info.update(method='Random init', kind='random',
                    seed=_get(_get(cfg, 'randomness'), 'seed'))
        return info
    if _get(model, 'type') not in _CLASSIFIERS:  # a pretraining checkpoint
        pre = _pretraining(checkpoint)
        info.update(method=pre.get('method') or method_name(model),
                    pretrain_epochs=pre.get('pretrain_epochs',
                                            meta.get('epoch')),
                    pretrain_seed=meta.get('seed'),
                    pretrain_checkpoint=checkpoint)
        return info
    epochs = _get(_get(run_cfg, 'train_cfg'), 'max_epochs')
    info.update(finetune_epochs=epochs, best_epoch=meta.get('epoch'))
    load_from = init_checkpoint(run_cfg)
    if load_from == UNKNOWN_INIT:
        info.update(method='unknown (resumed run without init_from)',
                    protocol='unknown')
        return info
    if not load_from:
        info.update(method=_SUPERVISED.get(_get(model, 'modality', 'av')),
                    kind='supervised', protocol='from scratch')
        if _get(model, 'neck') is not None:
            info['method'] += ' (AMFM)'
        return info
    pre = _pretraining(load_from)
    info.update(protocol='finetune',
                method=pre.get('method') or 'unknown pretraining',
                pretrain_epochs=pre.get('pretrain_epochs'),
                pretrain_seed=pre.get('pretrain_seed'),
                pretrain_checkpoint=load_from)
    return info


def jsonable(info: Dict[str, Any]) -> Dict[str, Union[str, int, float,
                                                       None]]:
    """``info`` without values JSON cannot hold (configs)."""
    return {k: v for k, v in info.items()
            if v is None or isinstance(v, (str, int, float, bool))}
