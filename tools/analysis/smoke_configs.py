"""Smoke-run configs through the real entry points on tiny data (CPU).

Every config is trained for a couple of iterations through
``tools/train.py``'s ``main`` (exactly the code that ``python tools/train.py
CONFIG`` and ``tools/dist_train.sh`` run), without ``--seed``, as a user
would run it. Configs with a test loader (finetuning, supervised) also
validate during training and then run their multi-clip test through
``tools/test.py`` on the checkpoint just written. Use it before booking a
multi-day GPU run, or after changing a config.

What is changed, by ``--cfg-options`` only (printed with ``--print-options``):

- every loader reads the tiny demo data (``--data-root``; made with
  ``tools/data/make_demo_dataset.py`` when missing), a few samples of it
  (``indices``), in the main process (``num_workers=0``);
- the inputs are shrunk (``--clip-len`` frames, ``--crop`` px crops and
  spectrogram crops, also those of ``LogMelDataPreprocessor``) so that a 3D
  ResNet step takes well under a second on one core; a ``compile`` dict
  gets ``backend='aot_eager'`` (the graph capture without inductor's code
  generation, which takes minutes on a CPU); encoders, heads, losses,
  hooks, schedules keep the config's settings; ``--base-channels`` narrows
  ResNet3d / C3D encoders further;
- class lists: a list of the classifier's ``num_classes`` names (the demo
  labels index into it); CMA's positive-set size shrunk to fit the few
  train clips (one memory-bank row each);
- one epoch (val once for configs that validate), a checkpoint at its end.

Each config runs in its own forked process (clean registries, loggers and
random state), ``--jobs`` at a time, with its log in
``WORK_DIR/<config>/smoke.log``. Exit status 1 when any config failed.

    python tools/analysis/smoke_configs.py configs/ --jobs 2
    python tools/analysis/smoke_configs.py configs/avcl_r3d_k32.py \\
        --data-root data/demo --json work_dirs/smoke.json
"""
import argparse
import glob
import importlib.util
import json
import multiprocessing as mp
import os
import os.path as osp
import subprocess
import sys
import time
import traceback
from typing import Dict, List, Optional

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, REPO)

LOADERS = (('train_dataloader', 'train'), ('val_dataloader', 'val'),
           ('test_dataloader', 'test'))


def find_configs(paths: List[str]) -> List[str]:
    """Config files named or found below folders (``_base_`` skipped)."""
    found = []
    for path in paths:
        if osp.isdir(path):
            found += sorted(
                p for p in glob.glob(osp.join(path, '**', '*.py'),
                                     recursive=True)
                if '_base_' not in p.split(os.sep))
        elif osp.isfile(path):
            found.append(path)
        else:
            raise FileNotFoundError(f'no config file or folder "{path}"')
    if not found:
        raise FileNotFoundError(f'no config found in {paths}')
    return found


def config_name(path: str) -> str:
    rel = osp.relpath(osp.abspath(path), osp.join(REPO, 'configs'))
    if rel.startswith('..'):
        rel = osp.basename(path)
    return osp.splitext(rel)[0].replace(os.sep, '__')


def _class_file(folder: str, n: int) -> str:
    path = osp.join(folder, f'classes_{n}.txt')
    if not osp.isfile(path):
        os.makedirs(folder, exist_ok=True)
        tmp = f'{path}.{os.getpid()}.tmp'
        with open(tmp, 'w') as f:
            f.write(''.join(f'class_{i}\n' for i in range(n)))
        os.replace(tmp, path)
    return path


def _count_lines(path: str) -> int:
    """Annotation lines (blank and ``#`` lines skipped); 0 if missing."""
    if not osp.isfile(path):
        return 0
    with open(path) as f:
        return sum(1 for line in f
                   if line.strip() and not line.lstrip().startswith('#'))


def _pipeline_options(key: str, pipeline: list, clip_len: int,
                      crop: int) -> List[str]:
    """Shrink frame counts and crop sizes, index by index."""
    opts = []
    for i, t in enumerate(pipeline or []):
        if not isinstance(t, dict):
            continue
        kind, at = t.get('type'), f'{key}.{i}'
        if kind == 'SampleFrames' and t.get('clip_len', 0) > clip_len:
            opts.append(f'{at}.clip_len={clip_len}')
        elif kind == 'Resize' and isinstance(t.get('scale'), (list, tuple)) \
                and tuple(t['scale'])[0] == -1 and t['scale'][1] > crop:
            opts.append(f'{at}.scale=(-1,{crop + crop // 8})')
        elif kind == 'RandomCrop' and t.get('size', 0) > crop:
            opts.append(f'{at}.size={crop}')
        elif kind == 'CenterCrop' and t.get('crop_size', 0) > crop:
            opts.append(f'{at}.crop_size={crop}')
        elif kind == 'SpectrogramCrop' and max(t.get('size', (0,))) > crop:
            opts.append(f'{at}.size=({crop},{crop})')
    return opts


def _bank_options(cfg, count: Optional[int]) -> List[str]:
    """CMA's positive sets (``k_pos`` of ``CMAPositiveSetHook``, the loss's
    ``num_positives``) must fit in a bank of ``count`` rows (one per train
    sample): shrink them to ``count - 2`` for the tiny split."""
    opts = []
    if not count:
        return opts
    for i, hook in enumerate(cfg.get('custom_hooks', None) or []):
        if isinstance(hook, dict) and hook.get('type') == \
                'CMAPositiveSetHook' and hook.get('k_pos', 32) > count - 2:
            k = max(1, count - 2)
            opts.append(f'custom_hooks.{i}.k_pos={k}')
            loss = (cfg.model.get('head') or {}).get('loss') or {}
            if loss.get('num_positives', 0) > k:
                opts.append(f'model.head.loss.num_positives={k}')
    return opts


def plan_options(cfg, data_root: str, work_dir: str, iters: int = 2,
                 world_size: int = 1, clip_len: int = 8, crop: int = 64,
                 base_channels: Optional[int] = None) -> Dict[str, list]:
    """``--cfg-options`` for a smoke run of ``cfg`` on the tiny data.

    Returns:
        dict: ``train`` (for tools/train.py) and ``test`` (for
        tools/test.py, empty when the config has no test loader).
    """
    video = osp.join(data_root, 'videos')
    model = cfg.model
    cls_head = model.get('cls_head') or None
    n_classes = cls_head.get('num_classes') if cls_head else None
    train, test = [f'work_dir={work_dir}'], []
    for loader, split in LOADERS:
        loader_cfg = cfg.get(loader, None)
        if not loader_cfg:
            continue
        batch = int(loader_cfg.get('batch_size', 1))
        steps = {'train': iters, 'val': 1, 'test': 1}[split] * world_size
        available = _count_lines(osp.join(data_root, f'{split}.txt'))
        opts = []
        if available and batch * steps > available and split != 'test':
            # a config's batch larger than the tiny split: smaller batches
            # (never below 2: contrastive losses need pairs)
            batch = max(2, available // steps)
            opts.append(f'{loader}.batch_size={batch}')
        count = batch * steps if split != 'test' else world_size
        opts += [f'{loader}.dataset.ann_file={data_root}/{split}.txt',
                f'{loader}.dataset.data_prefix.video={video}',
                f'{loader}.dataset.indices={count}',
                f'{loader}.num_workers=0',
                f'{loader}.persistent_workers=False',
                f'{loader}.pin_memory=False']
        dataset = loader_cfg.dataset
        if n_classes:
            classes = _class_file(osp.join(work_dir, '..', '_classes'),
                                  int(n_classes))
            opts.append(f'{loader}.dataset.classes={classes}')
        elif dataset.get('classes') is not None:
            opts.append(f'{loader}.dataset.classes={data_root}/classes.txt')
        opts += _pipeline_options(f'{loader}.dataset.pipeline',
                                  dataset.get('pipeline'), clip_len, crop)
        if split == 'test':
            test += opts
        else:
            train += opts
    train_count = next((int(o.rsplit('=', 1)[1]) for o in train
                        if o.startswith('train_dataloader.dataset.indices=')),
                       None)
    train += _bank_options(cfg, train_count)
    loop = cfg.get('train_cfg', {}) or {}
    if 'max_iters' in loop:
        train.append(f'train_cfg.max_iters={iters}')
    else:
        train.append('train_cfg.max_epochs=1')
    if cfg.get('val_dataloader', None) and loop.get('val_interval'):
        train.append('train_cfg.val_interval=1')
    if 'checkpoint' in (cfg.get('default_hooks') or {}):
        train.append('default_hooks.checkpoint.interval=1')
    if 'logger' in (cfg.get('default_hooks') or {}):
        train.append('default_hooks.logger.interval=1')
    # 2D backbones with temporal modules (TSM) see as many segments as the
    # shrunk clips have frames
    segments = (model.get('video_backbone') or {}).get('num_segments')
    if segments and segments > clip_len:
        train.append(f'model.video_backbone.num_segments={clip_len}')
    # the spectrogram crop of a device log-mel (LogMelDataPreprocessor)
    pre = model.get('data_preprocessor') or {}
    crop_pre = pre.get('crop') if pre.get('type') == \
        'LogMelDataPreprocessor' else None
    if crop_pre and max(tuple(crop_pre) if isinstance(crop_pre, (list, tuple))
                        else (crop_pre, )) > crop:
        train.append(f'model.data_preprocessor.crop=({crop},{crop})')
    # torch.compile: the graph capture (Dynamo + AOT autograd) without
    # inductor's code generation, which takes minutes on a CPU
    if isinstance(cfg.get('compile', None), dict):
        train.append('compile.backend=aot_eager')
    if base_channels:
        for key in ('video_backbone', 'audio_backbone'):
            if (model.get(key) or {}).get('base_channels'):
                train.append(f'model.{key}.base_channels={base_channels}')
    if test:  # the tested model is the trained one
        test += [o for o in train if o.startswith('model.')]
    return dict(train=train, test=test)


def _load_main(tool: str):
    spec = importlib.util.spec_from_file_location(
        f'avcl_tool_{osp.basename(tool)[:-3]}', osp.join(REPO, 'tools', tool))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _last_checkpoint(work_dir: str) -> Optional[str]:
    marker = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(marker):
        path = open(marker).read().strip()
        if osp.isfile(path):
            return path
    found = sorted(glob.glob(osp.join(work_dir, '*.pth')), key=osp.getmtime)
    return found[-1] if found else None


def _logged_losses(work_dir: str) -> List[float]:
    """The ``loss`` values of the newest run's ``scalars.json``."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    losses = []
    if files:
        for line in open(files[-1]):
            row = json.loads(line)
            if 'loss' in row:
                losses.append(float(row['loss']))
    return losses


def _child(config: str, options: Dict[str, list], work_dir: str,
           result_path: str, train_main, test_main) -> None:
    """Forked: train (and test) one config, write its result."""
    os.makedirs(work_dir, exist_ok=True)
    log = os.open(osp.join(work_dir, 'smoke.log'),
                  os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    import random

    import numpy as np
    import torch
    torch.set_num_threads(1)
    # a fresh process's generators, not the parent's copied state (a seed
    # that mmengine draws must differ between configs, as between runs)
    random.seed()
    np.random.seed()
    result = dict(config=config, train=None, test=None)
    start = time.time()
    try:
        train_main([config, '--cfg-options', *options['train']])
        ckpt = _last_checkpoint(work_dir)
        if ckpt is None:
            raise RuntimeError(f'training wrote no checkpoint in {work_dir}')
        result['train'] = dict(checkpoint=ckpt,
                               losses=_logged_losses(work_dir))
        if options['test']:
            test_dir = osp.join(work_dir, 'test')
            metrics = test_main([config, ckpt, '--work-dir', test_dir,
                                 '--cfg-options', *options['test']])
            result['test'] = {k: float(v) for k, v in metrics.items()}
        result['ok'] = True
    except BaseException:  # noqa: B902 (report everything, then fail)
        result['ok'] = False
        result['error'] = traceback.format_exc()[-4000:]
    result['seconds'] = round(time.time() - start, 2)
    sys.stdout.flush()
    sys.stderr.flush()
    with open(result_path, 'w') as f:
        json.dump(result, f, indent=2)
    os._exit(0 if result['ok'] else 1)


def ensure_data(data_root: Optional[str], work_dir: str) -> str:
    if data_root:
        if not osp.isfile(osp.join(data_root, 'train.txt')):
            raise FileNotFoundError(
                f'--data-root {data_root} has no train.txt: make one with '
                f'python tools/data/make_demo_dataset.py --out {data_root}')
        return osp.abspath(data_root)
    root = osp.join(work_dir, '_data')
    if not osp.isfile(osp.join(root, 'test.txt')):
        subprocess.run(
            [sys.executable, osp.join(REPO, 'tools', 'data',
                                      'make_demo_dataset.py'),
             '--out', root, '--train-per-class', '2', '--val-per-class',
             '1', '--test-per-class', '1', '--seconds', '1.0'], check=True)
    return osp.abspath(root)


def _producer(cfg, names: Dict[str, str]) -> Optional[str]:
    """The config (among ``names``) whose run writes ``cfg.load_from``
    (``work_dirs/<config name>/...``), or ``None``."""
    path = cfg.get('load_from', None)
    if not path or osp.exists(path):
        return None
    parts = osp.normpath(str(path)).split(os.sep)
    if 'work_dirs' not in parts[:-2]:
        return None
    return names.get(parts[parts.index('work_dirs') + 1])


def run_all(configs: List[str], data_root: str, work_dir: str,
            jobs: int = 1, timeout: float = 600, **plan) -> List[dict]:
    """Smoke-run ``configs``; one result dict each (in ``configs`` order).

    A config whose ``load_from`` is another listed config's checkpoint
    (``work_dirs/<name>/...``, e.g. CMA from Cross-AVID) runs after that
    config, from the checkpoint its smoke run wrote.
    """
    from mmengine.config import Config
    train_main, test_main = _load_main('train.py'), _load_main('test.py')
    ctx = mp.get_context('fork')
    names = {osp.splitext(osp.basename(c))[0]: c for c in configs}
    pending = list(configs)
    running, results, parsed = {}, {}, {}

    def load(config: str):
        """Parse each config once (a waiting one is looked at every 0.2 s)."""
        if config not in parsed:
            parsed[config] = Config.fromfile(config)
        return parsed[config]

    def start(config: str) -> Optional[bool]:
        """Start ``config``; ``None`` when it must wait for its producer."""
        name = config_name(config)
        wdir = osp.abspath(osp.join(work_dir, name))
        result_path = osp.join(work_dir, f'{name}.result.json')
        try:
            cfg = load(config)
            producer = _producer(cfg, names)
            if producer is not None and producer not in results:
                return None
            options = plan_options(cfg, data_root, wdir, **plan)
            if producer is not None:
                ckpt = (results[producer].get('train') or {}).get(
                    'checkpoint')
                if not ckpt:
                    raise RuntimeError(f'needs the checkpoint of {producer},'
                                       ' whose smoke run failed')
                options['train'].append(f'load_from={ckpt}')
        except Exception:  # noqa: B902 (a config that cannot start)
            results[config] = dict(config=config, ok=False,
                                   error=traceback.format_exc()[-4000:])
            return False
        if osp.exists(result_path):
            os.remove(result_path)
        proc = ctx.Process(target=_child, args=(
            config, options, wdir, result_path, train_main, test_main))
        proc.start()
        running[config] = (proc, time.time(), result_path, wdir)
        return True

    while pending or running:
        for config in list(pending):
            if len(running) >= jobs:
                break
            if start(config) is not None:
                pending.remove(config)
        if pending and not running and all(
                _producer(load(c), names) not in (None, *results)
                for c in pending):
            for config in pending:  # producers that can never finish
                results[config] = dict(config=config, ok=False,
                                       error='waits for a checkpoint that '
                                       'no run writes')
            pending = []
        time.sleep(0.2)
        for config, (proc, began, result_path, wdir) in list(
                running.items()):
            if proc.is_alive() and time.time() - began < timeout:
                continue
            if proc.is_alive():
                proc.kill()
            proc.join()
            del running[config]
            if osp.isfile(result_path):
                results[config] = json.load(open(result_path))
            else:
                results[config] = dict(
                    config=config, ok=False,
                    error=f'process ended with code {proc.exitcode} '
                    f'after {time.time() - began:.0f} s (timeout {timeout} s) '
                    f'without a result; see {wdir}/smoke.log')
            row = results[config]
            if not row['ok']:
                log = osp.join(wdir, 'smoke.log')
                if osp.isfile(log):
                    row['log_tail'] = open(log).read()[-3000:]
            status = 'ok' if row['ok'] else 'FAILED'
            print(f'[smoke] {status:6s} {row.get("seconds", "-"):>6} s  '
                  f'{osp.relpath(config, REPO)}', flush=True)
    return [results[c] for c in configs]


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('configs', nargs='*', default=[osp.join(REPO, 'configs')],
                   help='config files or folders (default: configs/)')
    p.add_argument('--data-root', help='demo-layout dataset (train/val/test '
                   '.txt, videos/); default: a tiny one made in WORK_DIR')
    p.add_argument('--work-dir', default='work_dirs/smoke_configs',
                   help='where runs, logs and checkpoints go (default: '
                   'work_dirs/smoke_configs)')
    p.add_argument('--iters', type=int, default=2,
                   help='training iterations per config (default: 2)')
    p.add_argument('--clip-len', type=int, default=8,
                   help='frames per clip (configs with more are shrunk; '
                   'default: 8)')
    p.add_argument('--crop', type=int, default=64,
                   help='frame and spectrogram crop size (px; default: '
                   '64)')
    p.add_argument('--base-channels', type=int, default=None,
                   help='narrow ResNet3d / C3D encoders to this width '
                   "(default: the config's)")
    p.add_argument('--jobs', type=int, default=1,
                   help='configs run at once (one process each; '
                   'default: 1)')
    p.add_argument('--timeout', type=float, default=600,
                   help='seconds one config may take before it is killed '
                   'and counted as failed (default: 600)')
    p.add_argument('--json', help='write all results to this JSON file')
    p.add_argument('--print-options', action='store_true',
                   help='print the --cfg-options of each config, run nothing')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault('CUDA_VISIBLE_DEVICES', '')
    configs = find_configs(args.configs)
    work_dir = osp.abspath(args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    plan = dict(iters=args.iters, clip_len=args.clip_len, crop=args.crop,
                base_channels=args.base_channels)
    if args.print_options:
        from mmengine.config import Config
        root = osp.abspath(args.data_root or osp.join(work_dir, '_data'))
        for config in configs:
            options = plan_options(Config.fromfile(config), root,
                                   osp.join(work_dir, config_name(config)),
                                   **plan)
            print(config)
            for kind, opts in options.items():
                print(f'  {kind}: --cfg-options {" ".join(opts)}')
        return 0
    data_root = ensure_data(args.data_root, work_dir)
    results = run_all(configs, data_root, work_dir, jobs=args.jobs,
                      timeout=args.timeout, **plan)
    failed = [r for r in results if not r['ok']]
    for row in failed:
        print(f'\n[smoke] FAILED {row["config"]}\n{row.get("error", "")}')
    print(f'[smoke] {len(results) - len(failed)} of {len(results)} configs '
          f'trained{" and tested" if any(r.get("test") for r in results) else ""}'
          f' (logs in {work_dir})')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=2)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
