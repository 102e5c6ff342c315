"""What it takes to feed one GPU: samples/s per CPU core of the K32/K100
training pipeline, and the CPU cores one GPU needs at the configs' batch.

1. ``clips``: writes Kinetics-like originals: ``--short-side`` px high
   (4:3 and 16:9 in turn), ``--fps`` in turn, ``--seconds`` long, H.264 with
   libx264's defaults (CRF 23, one key frame per 250 frames, as the Kinetics
   download script's ``ffmpeg -c:v libx264`` leaves them) and stereo AAC at
   44.1 kHz (YouTube's audio, copied by that script); a moving textured
   scene at about 0.45 Mbit/s of video. With ``--data`` an existing folder
   of such clips (``*.mp4``) is used instead.
2. ``prepare``: short-side-``--resize-to`` copies (tools/data/
   resize_videos_av.py) with their audio copied (``resized``) or stored as
   the mono 24 kHz training waveform in AAC (``resized_mono``), and ``.npy``
   audio sidecars, with the core-seconds each costs per clip.
3. ``pipeline``: samples/s of one process with one thread (= per CPU core)
   of the training pipeline of ``--config`` (CPU log-mel) and of
   ``--device-config`` (waveform packed, log-mel on the device), on the
   originals, the originals with sidecars, the copies and the copies with
   sidecars (and the mono-audio copies); the same frames of each clip for
   every variant (seeded), variants in turn clip by clip, the fastest of
   ``--passes`` per clip. Ratios are to the originals with the CPU log-mel.
4. ``gpu``: the GPU step time at each ``--batch-size``: the fastest variant
   of ``--steps-json`` (tools/analysis/benchmark_gpu_step.py), or measured
   in fp32 with ``--device cuda``, else ESTIMATED as the larger of FLOPs /
   ``--tflops`` (FLOPs of forward + backward counted by
   ``torch.utils.flop_counter`` at batch 2 on the CPU, linear in the batch)
   and the host's dispatch floor, operators per step x ``--op-us`` (eager
   PyTorch launches every kernel from Python). Then cores per GPU =
   (batch / step time) / samples/s per core, for every pipeline variant.
5. ``loader`` (``--loader-workers``): samples/s of a ``DataLoader`` with N
   worker processes over the copies, device log-mel pipeline.

Prints a Markdown table and one JSON line (``--json``, ``--md`` write them).

    python tools/analysis/benchmark_feed.py --json work_dirs/feed.json \\
        --md work_dirs/feed.md                     # CPU, about 6 minutes
"""
import argparse
import copy
import json
import os
import os.path as osp
import platform
import statistics
import sys
import tempfile
import time
from multiprocessing import Pool
from typing import Dict, List, Optional

import numpy as np
import torch

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from benchmark import time_pipeline  # noqa: E402

DATA_VARIANTS = ('originals', 'originals_npy', 'resized', 'resized_mono',
                 'resized_npy')


# -------------------------------------------------------------------- clips
def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else the platform's."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write_kinetics_like(job: tuple) -> str:
    """One Kinetics-like clip: a panned texture, a moving block, sensor
    noise; a two-tone stereo track with noise (``job`` = path, width,
    height, fps, seconds, seed)."""
    import av
    import cv2
    path, width, height, fps, seconds, seed = job
    rng = np.random.default_rng(seed)
    grid = rng.uniform(0, 255, (height // 3 + 8, width // 3 + 8, 3))
    texture = np.clip(cv2.resize(grid.astype(np.float32),
                                 (grid.shape[1] * 6, grid.shape[0] * 6),
                                 interpolation=cv2.INTER_CUBIC), 0, 255)
    rate = 44100
    frames = int(round(seconds * fps))
    tmp = f'{path}.part{os.getpid()}.mp4'
    with av.open(tmp, 'w') as out:
        video = out.add_stream('libx264', rate=fps)  # x264 defaults
        video.width, video.height, video.pix_fmt = width, height, 'yuv420p'
        audio = out.add_stream('aac', rate=rate)
        audio.layout = 'stereo'
        for i in range(frames):
            x0 = (2 * i) % (texture.shape[1] - width)
            y0 = i % (texture.shape[0] - height)
            img = texture[y0:y0 + height, x0:x0 + width].copy()
            cx = int(width / 2 + width / 3 * np.sin(i / 20))
            cy = int(height / 2 + height / 4 * np.cos(i / 15))
            img[max(0, cy - 30):cy + 30, max(0, cx - 30):cx + 30] = \
                (200, 60, 40)
            img += rng.normal(0, 4.0, img.shape)
            out.mux(video.encode(av.VideoFrame.from_ndarray(
                np.clip(img, 0, 255).astype(np.uint8), format='rgb24')))
        out.mux(video.encode())
        t = np.arange(int(round(seconds * rate))) / rate
        wav = np.stack([
            0.3 * np.sin(2 * np.pi * 440 * t) + rng.normal(0, 0.05, t.size),
            0.2 * np.sin(2 * np.pi * 660 * t) + rng.normal(0, 0.05, t.size)
        ]).astype(np.float32)
        for start in range(0, wav.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(wav[:, start:start + 1024]),
                format='fltp', layout='stereo')
            frame.sample_rate, frame.pts = rate, start
            out.mux(audio.encode(frame))
        out.mux(audio.encode())
    os.replace(tmp, path)
    return path


def make_clips(folder: str, args) -> List[str]:
    """``args.clips`` originals in ``folder`` (kept if present)."""
    os.makedirs(folder, exist_ok=True)
    jobs = []
    for i in range(args.clips):
        height = args.short_side
        width = int(round(height * (4 / 3 if i % 2 == 0 else 16 / 9) / 2)) * 2
        fps = args.fps[i % len(args.fps)]
        path = osp.join(folder, f'clip_{i:03d}.mp4')
        if not osp.isfile(path):
            jobs.append((path, width, height, fps, args.seconds, i))
    if jobs:
        with Pool(max(1, args.workers)) as pool:
            pool.map(write_kinetics_like, jobs)
    return sorted(osp.join(folder, f) for f in os.listdir(folder)
                  if f.endswith('.mp4'))


def describe(files: List[str]) -> dict:
    import av
    rates, sizes, fps = [], set(), set()
    for path in files:
        with av.open(path) as c:
            v = c.streams.video[0]
            sizes.add(f'{v.codec_context.width}x{v.codec_context.height}')
            fps.add(str(v.average_rate))
            rates.append(osp.getsize(path) * 8 / (c.duration / 1e6) / 1e6)
    return dict(files=len(files), sizes=sorted(sizes), fps=sorted(fps),
                mbit_per_s=round(statistics.mean(rates), 3))


# ------------------------------------------------------------------ prepare
def _tool(name: str):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        f'feed_{name}', osp.join(REPO, 'tools', 'data', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare(originals: str, resized: str, mono: str, args) -> dict:
    """Copies with their audio copied and with mono audio, then sidecars
    beside originals and copies; the core-seconds per clip of each step
    (one process)."""
    resize = _tool('resize_videos_av')
    files = [f for f in os.listdir(originals) if f.endswith('.mp4')]
    out = {}
    for key, folder, audio in (('resize_s_per_clip', resized, 'copy'),
                               ('resize_mono_s_per_clip', mono, 'mono')):
        t0 = time.perf_counter()
        code = resize.main([originals, folder, '--short-side',
                            str(args.resize_to), '--ext', 'mp4', '--audio',
                            audio, '--overwrite'])  # timed: all redone
        out[key] = round((time.perf_counter() - t0) / len(files), 3)
        if code != 0:
            raise RuntimeError('resize_videos_av.py failed')
    for name in files:  # timed: every sidecar written
        npy = osp.join(resized, osp.splitext(name)[0] + '.npy')
        if osp.isfile(npy):
            os.unlink(npy)
    t0 = time.perf_counter()
    resize.main([originals, resized, '--short-side', str(args.resize_to),
                 '--ext', 'mp4', '--sidecar'])  # copies kept: sidecars only
    out['sidecar_s_per_clip'] = round((time.perf_counter() - t0) /
                                      len(files), 3)
    for name in files:  # the originals' sidecars: the same waveforms
        stem = osp.splitext(name)[0] + '.npy'
        src, dst = osp.join(resized, stem), osp.join(originals, stem)
        if not osp.isfile(dst):
            with open(src, 'rb') as f, open(dst, 'wb') as g:
                g.write(f.read())
    return out


# ----------------------------------------------------------------- pipeline
def config_pipeline(config: str, sidecar: bool) -> List[dict]:
    """The training pipeline of ``config``; ``LoadAudioFromVideo`` reads
    the ``.npy`` sidecar (``sidecar``) or always decodes the track."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, config))
    pipeline = copy.deepcopy(cfg.train_dataloader.dataset.pipeline)
    for t in pipeline:
        if t['type'] == 'LoadAudioFromVideo':
            t['sidecar'] = ('.npy', ) if sidecar else ()
    return pipeline


def bench_pipelines(folders: Dict[str, str], args) -> dict:
    from mmaction.registry import TRANSFORMS
    built, files = {}, {}
    for data in DATA_VARIANTS:
        folder = folders[data.replace('_npy', '')]
        files[data] = sorted(osp.join(folder, f) for f in os.listdir(folder)
                             if f.endswith('.mp4'))
        for mel, config in (('cpu_mel', args.config),
                            ('device_mel', args.device_config)):
            pipeline = config_pipeline(config, data.endswith('_npy'))
            built[f'{data}/{mel}'] = (
                [TRANSFORMS.build(t) for t in pipeline], files[data])
    for transforms, paths in built.values():
        time_pipeline(transforms, paths[:2])  # warm-up
    # round robin per clip, the fastest of the passes per (variant, clip):
    # on a shared machine the load changes within a pass, and the minimum
    # is the estimate least disturbed by other jobs
    n = min(len(paths) for _, paths in built.values())
    fastest = {name: [float('inf')] * n for name in built}
    for _ in range(args.passes):
        for i in range(n):
            for name, (transforms, paths) in built.items():
                seconds = 1 / time_pipeline(transforms, [paths[i]], seed=i)
                fastest[name][i] = min(fastest[name][i], seconds)
    best = {name: n / sum(times) for name, times in fastest.items()}
    base = best['originals/cpu_mel']
    return {name: dict(samples_per_s_per_core=round(rate, 2),
                       over_originals=round(rate / base, 2))
            for name, rate in best.items()}


def device_mel_cost(files: List[str], args) -> dict:
    """ms per sample of LogMelDataPreprocessor on ``args.device`` for a
    batch of the clips' waveforms (float32)."""
    from mmaction.registry import MODELS, TRANSFORMS
    from mmaction.structures import ActionDataSample
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, args.device_config))
    pre = MODELS.build(cfg.model.data_preprocessor).to(args.device)
    load = TRANSFORMS.build(dict(type='LoadAudioFromVideo', sidecar=()))
    waves = [torch.from_numpy(load(dict(filename=f))['audio'])[None]
             for f in files]
    batch = (waves * (-(-16 // len(waves))))[:16]

    def run():
        data = dict(inputs=dict(audios=list(batch)),
                    data_samples=[ActionDataSample() for _ in batch])
        pre.forward(data, training=True)
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()

    run()
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return dict(device=args.device, batch=len(batch),
                ms_per_sample=round(1000 * min(times) / len(batch), 3))


# ---------------------------------------------------------------------- gpu
def _train_batch(batch_size: int, crop: int = 112, frames: int = 16):
    from mmaction.structures import ActionDataSample
    from mmengine.dataset import pseudo_collate
    g = torch.Generator().manual_seed(0)
    samples = [dict(inputs=dict(
        imgs=torch.randint(0, 256, (1, 3, frames, crop, crop), generator=g,
                           dtype=torch.uint8),
        audios=torch.randn(1, 1, 1, crop, crop, generator=g)),
        data_samples=ActionDataSample()) for _ in range(batch_size)]
    return pseudo_collate(samples)


def count_step(model_cfg: dict) -> dict:
    """FLOPs of forward + backward and operators of one whole train step
    (preprocessing, forward, backward, SGD) at batch 2 on the CPU."""
    from mmaction.registry import MODELS
    from mmengine.optim import OptimWrapper
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils.flop_counter import FlopCounterMode

    class CountOps(TorchDispatchMode):

        def __init__(self):
            super().__init__()
            self.ops = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.ops += 1
            return func(*args, **(kwargs or {}))

    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(model_cfg))
    model.train()
    batch = _train_batch(2)
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    with FlopCounterMode(display=False) as flops:
        losses = model(**data, mode='loss')
        forward = flops.get_total_flops()
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    # foreach SGD: PyTorch's default on CUDA (one kernel per group of
    # tensors, not one per parameter)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-3,
                                         momentum=0.9, weight_decay=5e-4,
                                         foreach=True))
    model.train_step(copy.deepcopy(batch), optim)  # SGD state exists
    counter = CountOps()
    with counter:
        model.train_step(copy.deepcopy(batch), optim)
    return dict(batch=2, forward_gflop=round(forward / 1e9, 2),
                train_gflop=round(flops.get_total_flops() / 1e9, 2),
                ops_per_step=counter.ops)


def measure_step(model_cfg: dict, batch_size: int, args) -> float:
    """Median seconds of a whole train step on ``args.device``."""
    from mmaction.registry import MODELS
    from mmengine.optim import OptimWrapper
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(model_cfg)).to(args.device)
    model.train()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-3,
                                         momentum=0.9, weight_decay=5e-4))
    batch = _train_batch(batch_size)
    times = []
    for i in range(args.steps + 2):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        model.train_step(copy.deepcopy(batch), optim)
        torch.cuda.synchronize()
        if i >= 2:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def gpu_steps(args) -> dict:
    from mmengine.config import Config
    model_cfg = Config.fromfile(osp.join(REPO, args.model)).model
    counts = count_step(model_cfg)
    out = dict(model=args.model, counted=counts, steps={})
    measured = {}
    if args.steps_json:  # benchmark_gpu_step.py's figures: the best variant
        with open(args.steps_json) as f:
            results = json.load(f)['results']
        for key, row in results.items():
            variant, batch = key.split('@')
            if row and (batch not in measured or
                        row['step_ms'] < measured[batch][0]):
                measured[batch] = (row['step_ms'], variant)
    for batch in args.batch_size:
        flop_s = counts['train_gflop'] * 1e9 * batch / 2 / \
            (args.tflops * 1e12)
        host_s = counts['ops_per_step'] * args.op_us * 1e-6
        row = dict(flop_bound_ms=round(1000 * flop_s, 2),
                   host_floor_ms=round(1000 * host_s, 2))
        if str(batch) in measured:
            step_ms, variant = measured[str(batch)]
            step, how = step_ms / 1000, f'measured ({variant})'
        elif args.device.startswith('cuda'):
            step, how = measure_step(model_cfg, batch, args), 'measured (fp32)'
        else:
            step, how = max(flop_s, host_s), 'estimate'
        row.update(step_ms=round(1000 * step, 2), how=how,
                   samples_per_s=round(batch / step, 1))
        out['steps'][str(batch)] = row
    out['assumptions'] = dict(tflops=args.tflops, op_us=args.op_us)
    return out


def cores_needed(pipes: dict, gpu: dict) -> dict:
    return {batch: {name: round(row['samples_per_s'] /
                                p['samples_per_s_per_core'], 1)
                    for name, p in pipes.items()}
            for batch, row in gpu['steps'].items()}


# ------------------------------------------------------------------- loader
def bench_loader(folder: str, workers: int, args) -> float:
    """Samples/s of a DataLoader with ``workers`` processes over the
    ``*.mp4`` files of ``folder`` (device log-mel pipeline)."""
    from mmaction.registry import DATASETS
    from mmengine.dataset import pseudo_collate
    names = sorted(f for f in os.listdir(folder) if f.endswith('.mp4'))
    repeat = max(1, -(-args.loader_samples // len(names)))
    with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as f:
        f.write(''.join(f'{n}\n' for n in names * repeat))
    dataset = DATASETS.build(dict(
        type='AudioVisualDataset', ann_file=f.name,
        data_prefix=dict(video=folder),
        pipeline=config_pipeline(args.device_config, True)))
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=2, num_workers=workers, collate_fn=pseudo_collate,
        prefetch_factor=4 if workers else None)
    it = iter(loader)
    next(it)
    start, n = time.perf_counter(), 0
    for batch in it:
        n += len(batch['data_samples'])
    os.unlink(f.name)
    return n / (time.perf_counter() - start)


# --------------------------------------------------------------------- main
def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', help='folder of existing originals (*.mp4; '
                   'default: write them to --work-dir)')
    p.add_argument('--work-dir', help='where clips and copies are written '
                   'and kept (default: a temporary folder, removed)')
    p.add_argument('--clips', type=int, default=12,
                   help='originals written (default: 12)')
    p.add_argument('--seconds', type=float, default=10.0,
                   help='clip length (default: 10)')
    p.add_argument('--short-side', type=int, default=340,
                   help='short side of the originals in px (default: 340)')
    p.add_argument('--fps', type=int, nargs='+', default=[25, 30],
                   help='frame rates of the originals, in turn (default: '
                   '25 30)')
    p.add_argument('--resize-to', type=int, default=128,
                   help='short side of the copies (default: 128)')
    p.add_argument('--config', default='configs/avcl_r2plus1d_k32.py',
                   help='config whose training pipeline is timed '
                   '(default: configs/avcl_r2plus1d_k32.py)')
    p.add_argument('--device-config',
                   default='configs/performance/'
                   'avcl_r2plus1d_k32_device_mel.py',
                   help='the same with the log-mel on the device (default: '
                   'configs/performance/avcl_r2plus1d_k32_device_mel.py)')
    p.add_argument('--model', default='configs/_base_/models/avcl_r2plus1d.py',
                   help='model config of the GPU step (default: '
                   'configs/_base_/models/avcl_r2plus1d.py)')
    p.add_argument('--batch-size', type=int, nargs='+', default=[2, 16],
                   help='GPU batch sizes (default: 2, the configs\' per-GPU '
                   'batch, and 16, the paper\'s total)')
    p.add_argument('--device', default='cpu',
                   help="'cuda' measures the GPU step and the device "
                   "log-mel there; 'cpu' estimates the step (default: cpu)")
    p.add_argument('--tflops', type=float, default=250.0,
                   help='ASSUMED sustained TFLOP/s of the GPU for the '
                   'estimate (default: 250, about a quarter of an H100 '
                   "SXM's 989 dense bf16 TFLOP/s)")
    p.add_argument('--op-us', type=float, default=10.0,
                   help='ASSUMED host microseconds per dispatched operator '
                   'in eager PyTorch (default: 10)')
    p.add_argument('--steps-json',
                   help="benchmark_gpu_step.py's --json: its fastest variant "
                   'per batch size is the step time (default: measure fp32 '
                   'with --device cuda, else estimate)')
    p.add_argument('--steps', type=int, default=10,
                   help='timed GPU steps with --device cuda (default: 10)')
    p.add_argument('--passes', type=int, default=3,
                   help='passes over the clips; the fastest per clip counts '
                   '(default: 3)')
    p.add_argument('--workers', type=int, default=os.cpu_count() or 1,
                   help='processes writing the originals (default: all '
                   'cores)')
    p.add_argument('--loader-workers', type=int, nargs='*', default=[],
                   help='DataLoader worker counts timed over the copies '
                   '(default: none)')
    p.add_argument('--loader-samples', type=int, default=96,
                   help='samples per DataLoader timing (default: 96)')
    p.add_argument('--skip', nargs='*', default=[],
                   choices=['pipeline', 'gpu', 'device_mel'],
                   help='parts not to run (default: none)')
    p.add_argument('--json', help='also write the figures here')
    p.add_argument('--md', help='also write the Markdown table here')
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    import avcl_mm  # noqa: F401
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    tmp = None
    root = args.work_dir
    if root is None:
        tmp = tempfile.TemporaryDirectory()
        root = tmp.name
    folders = dict(originals=args.data or osp.join(root, 'originals'),
                   resized=osp.join(root, f'resized_{args.resize_to}'),
                   resized_mono=osp.join(root,
                                         f'resized_{args.resize_to}_mono'))
    if args.data and not osp.isdir(args.data):
        raise FileNotFoundError(f'--data folder "{args.data}" does not exist')
    t_start = time.perf_counter()
    figures = dict(machine=dict(cpu=cpu_model(), cores=os.cpu_count(),
                                torch=torch.__version__,
                                device=args.device))
    originals = make_clips(folders['originals'], args) if not args.data \
        else sorted(osp.join(args.data, f) for f in os.listdir(args.data)
                    if f.endswith('.mp4'))
    if not originals:
        raise FileNotFoundError(f'no *.mp4 in {folders["originals"]}')
    figures['originals'] = describe(originals)
    torch.set_num_threads(1)
    figures['prepare'] = prepare(folders['originals'], folders['resized'],
                                 folders['resized_mono'], args)
    figures['resized'] = describe(sorted(
        osp.join(folders['resized'], f) for f in os.listdir(
            folders['resized']) if f.endswith('.mp4')))
    if 'pipeline' not in args.skip:
        figures['pipeline'] = bench_pipelines(folders, args)
    if 'device_mel' not in args.skip:
        figures['device_mel'] = device_mel_cost(originals[:4], args)
    torch.set_num_threads(os.cpu_count() or 1)
    if 'gpu' not in args.skip:
        figures['gpu'] = gpu_steps(args)
        if 'pipeline' in figures:
            figures['cores_per_gpu'] = cores_needed(figures['pipeline'],
                                                    figures['gpu'])
    if args.loader_workers:
        torch.set_num_threads(1)
        figures['loader_samples_per_s'] = {
            str(w): round(bench_loader(folders['resized'], w, args), 2)
            for w in args.loader_workers}
    figures['benchmark_s'] = round(time.perf_counter() - t_start, 1)
    table = markdown(figures)
    print(table)
    print(json.dumps(figures))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(figures, f, indent=1)
    if args.md:
        with open(args.md, 'w') as f:
            f.write(table)
    if tmp is not None:
        tmp.cleanup()
    return figures


def markdown(fig: dict) -> str:
    m, o, r = fig['machine'], fig['originals'], fig['resized']
    lines = [f'{m["cores"]} cores ({m["cpu"]}), torch {m["torch"]}, '
             f'device {m["device"]}; originals: {o["files"]} clips '
             f'{", ".join(o["sizes"])} at {", ".join(o["fps"])} fps, '
             f'{o["mbit_per_s"]} Mbit/s; copies {", ".join(r["sizes"])}, '
             f'{r["mbit_per_s"]} Mbit/s (audio copied); preparation per '
             f'clip (1 core): resize {fig["prepare"]["resize_s_per_clip"]} '
             f's (mono audio {fig["prepare"]["resize_mono_s_per_clip"]} s), '
             f'sidecar {fig["prepare"]["sidecar_s_per_clip"]} s', '']
    gpu = fig.get('gpu')
    batches = list(gpu['steps']) if gpu else []
    head = '| data | log-mel | samples/s per core | vs originals |' + \
        ''.join(f' cores per GPU, batch {b} |' for b in batches)
    lines += [head, '|' + ' --- |' * (4 + len(batches))]
    for name, p in (fig.get('pipeline') or {}).items():
        data, mel = name.split('/')
        cores = ''.join(f' {fig["cores_per_gpu"][b][name]} |'
                        for b in batches)
        lines.append(f'| {data} | {mel.replace("_mel", "")} | '
                     f'{p["samples_per_s_per_core"]} | '
                     f'{p["over_originals"]}x |{cores}')
    if gpu:
        c = gpu['counted']
        lines += ['', f'GPU step ({gpu["model"]}): {c["forward_gflop"]} '
                  f'GFLOP forward, {c["train_gflop"]} GFLOP forward + '
                  f'backward at batch 2, {c["ops_per_step"]} operators per '
                  f'train step; assumed {gpu["assumptions"]["tflops"]} '
                  f'TFLOP/s and {gpu["assumptions"]["op_us"]} us per '
                  'operator:', '',
                  '| batch | FLOP-bound ms | host floor ms | step ms | '
                  'samples/s | |', '| --- | --- | --- | --- | --- | --- |']
        for b, row in gpu['steps'].items():
            lines.append(f'| {b} | {row["flop_bound_ms"]} | '
                         f'{row["host_floor_ms"]} | {row["step_ms"]} | '
                         f'{row["samples_per_s"]} | {row["how"]} |')
    if 'device_mel' in fig:
        d = fig['device_mel']
        lines += ['', f'LogMelDataPreprocessor on {d["device"]}: '
                  f'{d["ms_per_sample"]} ms per sample (batch {d["batch"]})']
    if 'loader_samples_per_s' in fig:
        lines += ['', 'DataLoader over the copies (device log-mel), '
                  'samples/s: ' + ', '.join(
                      f'{w} workers {r}' for w, r in
                      fig['loader_samples_per_s'].items())]
    lines.append(f'\n(benchmark took {fig["benchmark_s"]} s)')
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    main()
