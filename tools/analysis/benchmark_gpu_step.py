"""Training step time of an AVCL model under the speed switches of the
configs: fp32, bf16 autocast (``FiniteLossAmpOptimWrapper``),
channels_last_3d (``ChannelsLast3dHook``'s conversion) and torch.compile of
``train_step`` (what a config's ``compile`` key does), alone and together,
at several batch sizes.

Each variant builds the model afresh from the same seed, runs
``--warmup`` steps (allocator, cuDNN autotuning, compilation), then times
``--steps`` whole steps (host-to-device copy of the batch, preprocessing,
forward, backward, SGD) and reports the median, the peak memory (CUDA) and
the first step's loss (it must agree across variants: bf16 to about 1e-2).
Variants run in order; with ``--budget`` seconds, the ones that would start
after it are skipped (so that a time-limited GPU session returns figures).
The results are written after every variant (``--json``, ``--md``).

    python tools/analysis/benchmark_gpu_step.py --device cuda \\
        --batch-size 2 16 --json work_dirs/steps.json --md work_dirs/steps.md
"""
import argparse
import copy
import json
import os.path as osp
import statistics
import sys
import time

import torch

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, REPO)

VARIANTS = ('fp32', 'bf16', 'fp32_cl', 'bf16_cl', 'bf16_cl_compile')


def build(args, variant: str):
    """Model and optimizer wrapper of ``variant`` (``bf16``, ``cl``,
    ``compile`` parts joined by ``_``)."""
    from mmaction.registry import MODELS, OPTIM_WRAPPERS
    from mmengine.config import Config

    from avcl_mm.engine.channels_last_hook import convert_channels_last_3d
    cfg = Config.fromfile(osp.join(REPO, args.model)).model
    if args.base_channels:
        for key in ('video_backbone', 'audio_backbone'):
            cfg[key].base_channels = args.base_channels
    torch.manual_seed(0)
    model = MODELS.build(cfg).to(args.device)
    model.train()
    parts = variant.split('_')
    if 'cl' in parts:
        convert_channels_last_3d(model)
    sgd = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9,
                          weight_decay=5e-4)
    wrapper = dict(type='FiniteLossAmpOptimWrapper', dtype='bfloat16') \
        if 'bf16' in parts else dict(type='FiniteLossOptimWrapper')
    optim = OPTIM_WRAPPERS.build(dict(wrapper, optimizer=sgd))
    if 'compile' in parts:
        model.train_step = torch.compile(model.train_step,
                                         backend=args.compile_backend)
    return model, optim


def batch_of(args, size: int):
    from mmaction.structures import ActionDataSample
    from mmengine.dataset import pseudo_collate
    g = torch.Generator().manual_seed(0)
    s = args.crop
    return pseudo_collate([dict(
        inputs=dict(imgs=torch.randint(0, 256, (1, 3, args.frames, s, s),
                                       generator=g, dtype=torch.uint8),
                    audios=torch.randn(1, 1, 1, s, s, generator=g)),
        data_samples=ActionDataSample()) for _ in range(size)])


def time_variant(args, variant: str, size: int) -> dict:
    cuda = args.device.startswith('cuda')

    def sync():
        if cuda:
            torch.cuda.synchronize()

    model, optim = build(args, variant)
    batch = batch_of(args, size)
    t0 = time.perf_counter()
    first = model.train_step(copy.deepcopy(batch), optim)
    sync()
    first_s = time.perf_counter() - t0
    for _ in range(args.warmup - 1):
        model.train_step(copy.deepcopy(batch), optim)
    sync()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(args.steps):
        data = copy.deepcopy(batch)
        sync()
        t0 = time.perf_counter()
        model.train_step(data, optim)
        sync()
        times.append(time.perf_counter() - t0)
    step = statistics.median(times)
    out = dict(step_ms=round(1000 * step, 2),
               samples_per_s=round(size / step, 1),
               first_step_s=round(first_s, 2),
               loss=round(float(first['loss'].detach()), 5))
    if cuda:
        out['peak_mem_mib'] = round(torch.cuda.max_memory_allocated() / 2**20)
    del model, optim
    if cuda:
        torch.cuda.empty_cache()
    return out


def markdown(fig: dict) -> str:
    sizes = fig['batch_sizes']
    lines = [f'{fig["model"]} on {fig["device_name"]}, torch {fig["torch"]}; '
             f'input {fig["input"]}; median of {fig["steps"]} steps', '',
             '| variant |' + ''.join(f' batch {b}: ms / samples/s |'
                                     for b in sizes) + ' speed-up vs fp32 |',
             '|' + ' --- |' * (len(sizes) + 2)]
    for variant in fig['variants']:
        cells, ratios = [], []
        for b in sizes:
            row = fig['results'].get(f'{variant}@{b}')
            base = fig['results'].get(f'fp32@{b}')
            if row is None:
                cells.append(' skipped |')
                continue
            cells.append(f' {row["step_ms"]} / {row["samples_per_s"]} |')
            if base:
                ratios.append(f'{base["step_ms"] / row["step_ms"]:.2f}x '
                              f'(b{b})')
        lines.append(f'| {variant} |' + ''.join(cells) +
                     f' {", ".join(ratios)} |')
    if fig.get('skipped'):
        lines.append(f'\nskipped (over --budget): {", ".join(fig["skipped"])}')
    return '\n'.join(lines) + '\n'


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default='configs/_base_/models/avcl_r2plus1d.py',
                   help='AVCL model config (default: '
                   'configs/_base_/models/avcl_r2plus1d.py)')
    p.add_argument('--device', default='cuda',
                   help="torch device (default: 'cuda')")
    p.add_argument('--variants', nargs='+', default=list(VARIANTS),
                   help='variants in order: fp32 or bf16, then _cl '
                   '(channels_last_3d) and/or _compile (default: '
                   f'{" ".join(VARIANTS)})')
    p.add_argument('--batch-size', type=int, nargs='+', default=[2, 16],
                   help='batch sizes (default: 2 16)')
    p.add_argument('--frames', type=int, default=16,
                   help='clip length (default: 16)')
    p.add_argument('--crop', type=int, default=112,
                   help='frame and spectrogram size (default: 112)')
    p.add_argument('--base-channels', type=int, default=0,
                   help='narrower encoders for quick checks (0: the '
                   "config's; default: 0)")
    p.add_argument('--warmup', type=int, default=3,
                   help='untimed steps first (default: 3)')
    p.add_argument('--steps', type=int, default=10,
                   help='timed steps (default: 10)')
    p.add_argument('--compile-backend', default='inductor',
                   help="torch.compile backend (default: 'inductor')")
    p.add_argument('--budget', type=float, default=0,
                   help='seconds after which no new variant starts (0: no '
                   'limit; default: 0)')
    p.add_argument('--json', help='write the figures here')
    p.add_argument('--md', help='write the Markdown table here')
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    bad = [v for v in args.variants
           if v.split('_')[0] not in ('fp32', 'bf16') or
           set(v.split('_')[1:]) - {'cl', 'compile'}]
    if bad:
        raise SystemExit(f'unknown variants {bad}: use fp32 or bf16, then '
                         '_cl and/or _compile, e.g. bf16_cl_compile')
    import avcl_mm  # noqa: F401
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    if args.device.startswith('cuda'):
        torch.backends.cudnn.benchmark = True
    fig = dict(model=args.model, device=args.device,
               device_name=torch.cuda.get_device_name()
               if args.device.startswith('cuda') else 'cpu',
               torch=torch.__version__,
               input=f'{args.frames}x{args.crop}x{args.crop} + '
               f'{args.crop}x{args.crop}', steps=args.steps,
               batch_sizes=args.batch_size, variants=args.variants,
               results={}, skipped=[])
    start = time.perf_counter()
    for variant in args.variants:
        for size in args.batch_size:
            key = f'{variant}@{size}'
            if args.budget and time.perf_counter() - start > args.budget:
                fig['skipped'].append(key)
                continue
            try:
                fig['results'][key] = time_variant(args, variant, size)
            except Exception as err:  # one variant failing: say so, go on
                fig['results'][key] = None
                fig.setdefault('errors', {})[key] = \
                    f'{type(err).__name__}: {str(err)[:500]}'
            print(f'[gpu_step] {key}: {fig["results"][key]}', flush=True)
            fig['seconds'] = round(time.perf_counter() - start, 1)
            if args.json:
                with open(args.json, 'w') as f:
                    json.dump(fig, f, indent=1)
    table = markdown(fig)
    print(table)
    if args.md:
        with open(args.md, 'w') as f:
            f.write(table)
    return fig


if __name__ == '__main__':
    main()
