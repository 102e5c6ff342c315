"""Parameter counts and the time of one training step of AVCL models.

Prints a table for the model configs (default: the three AVCL encoder
families) with the paper's input size: a batch of clips of 16x112x112 RGB
frames and 112x112 log-mel spectrograms.

    python tools/analysis/benchmark_model.py
    python tools/analysis/benchmark_model.py \\
        configs/_base_/models/avcl_r3d.py --batch-size 2 --steps 3
"""
import argparse
import statistics
import time
from typing import Dict, List

import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

import avcl_mm  # noqa: F401  (registers the plugin)

DEFAULT_CONFIGS = [
    'configs/_base_/models/avcl_r3d.py',
    'configs/_base_/models/avcl_c3d.py',
    'configs/_base_/models/avcl_r2plus1d.py',
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('configs', nargs='*', default=DEFAULT_CONFIGS,
                        help='model configs (a `model` dict each; default: '
                        'avcl_r3d, avcl_c3d and avcl_r2plus1d in '
                        'configs/_base_/models)')
    parser.add_argument('--batch-size', type=int, default=2,
                        help='clips per training step (default: 2)')
    parser.add_argument('--frames', type=int, default=16,
                        help='frames per clip (default: 16)')
    parser.add_argument('--size', type=int, default=112,
                        help='crop size of frames and spectrograms '
                        '(default: 112)')
    parser.add_argument('--steps', type=int, default=3,
                        help='timed steps after one warm-up step '
                        '(default: 3)')
    parser.add_argument('--threads', type=int, default=0,
                        help='torch CPU threads (0: leave the default)')
    parser.add_argument('--device', default='cpu',
                        help="torch device, e.g. 'cpu' or 'cuda:0' "
                        "(default: 'cpu')")
    return parser.parse_args()


def fake_batch(args: argparse.Namespace) -> Dict:
    """A packed batch as PackActionInputs + pseudo_collate produce it."""
    s = args.size
    samples = [dict(inputs=dict(
        imgs=torch.randint(0, 256, (1, 3, args.frames, s, s),
                           dtype=torch.uint8),
        audios=torch.randn(1, 1, 1, s, s)), data_samples=ActionDataSample())
        for _ in range(args.batch_size)]
    return pseudo_collate(samples)


def count(module) -> int:
    return 0 if module is None else sum(p.numel()
                                        for p in module.parameters())


def benchmark(path: str, args: argparse.Namespace) -> List[str]:
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model).to(args.device)
    model.train()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-3,
                                         momentum=0.9, weight_decay=5e-4))
    batch = fake_batch(args)
    times = []
    for step in range(args.steps + 1):
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        start = time.perf_counter()
        model.train_step(batch, optim)
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        if step > 0:  # the first step warms up allocators and caches
            times.append(time.perf_counter() - start)
    encoders = count(model.video_backbone) + count(model.audio_backbone)
    return [path.split('/')[-1].replace('.py', ''),
            f'{count(model.video_backbone) / 1e6:.2f}',
            f'{count(model.audio_backbone) / 1e6:.2f}',
            f'{encoders / 1e6:.2f}', f'{count(model.neck) / 1e6:.2f}',
            f'{count(model) / 1e6:.2f}', f'{statistics.median(times):.2f}']


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    header = ['model', 'video (M)', 'audio (M)', 'encoders (M)', 'AMFM (M)',
              'total (M)', f'step (s, {args.device})']
    rows = []
    with DefaultScope.overwrite_default_scope('mmaction'):
        for path in args.configs:
            rows.append(benchmark(path, args))
    print(f'batch {args.batch_size}, video {args.frames}x{args.size}x'
          f'{args.size}, audio {args.size}x{args.size}, median of '
          f'{args.steps} steps, {torch.get_num_threads()} threads')
    widths = [max(len(r[i]) for r in rows + [header])
              for i in range(len(header))]
    for row in [header, ['-' * w for w in widths]] + rows:
        print('| ' + ' | '.join(c.ljust(w) for c, w in zip(row, widths)) +
              ' |')


if __name__ == '__main__':
    main()
