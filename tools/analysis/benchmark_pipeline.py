"""Measure the data pipeline's throughput on one CPU core.

Times the AVCL training pipeline (SPEC 1.1) on real mp4 files, one sample
at a time in this process with ``torch.set_num_threads(1)``: the audio part
(load + log-mel + spectrogram ops), the video part (mmaction's stock
decord transforms) and the full pipeline, plus the time of every transform
inside the full pipeline. Without ``--ann`` it writes a demo dataset to a
temporary folder (``--seconds``, ``--size`` and ``--fps`` set its clips, so
that Kinetics-like 10 s clips can be timed too). Prints a table and JSON.

    python tools/analysis/benchmark_pipeline.py --samples 24
    python tools/analysis/benchmark_pipeline.py --ann data/demo/train.txt \
        --data-prefix data/demo/videos
"""
import argparse
import importlib.util
import json
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, List, Optional

import numpy as np
import torch

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def pipelines(clip_len: int) -> Dict[str, List[dict]]:
    """The parts of the paper's training pipeline."""
    video = [
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=clip_len, frame_interval=1,
             num_clips=1),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, 128)),
        dict(type='RandomCrop', size=112),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='FormatShape', input_format='NCTHW'),
    ]
    audio = [
        dict(type='LoadAudioFromVideo', sample_rate=24000),
        dict(type='LogMelSpectrogram', sample_rate=24000, win_length=240,
             hop_length=240, n_mels=256),
        dict(type='SpectrogramResize', size=(256, 256)),
        dict(type='SpectrogramCrop', size=(112, 112), random=True),
        dict(type='SpectrogramStandardize'),
        dict(type='FormatAudioClip', as_clip=True),
    ]
    pack = [dict(type='PackActionInputs', collect_keys=('imgs', 'audios'))]
    return dict(audio=audio, video=video, full=video + audio + pack)


def make_demo(out: str, args: argparse.Namespace) -> None:
    spec = importlib.util.spec_from_file_location(
        'make_demo_dataset', osp.join(REPO, 'tools', 'data',
                                      'make_demo_dataset.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    per_class = max(1, -(-args.samples // 6))
    tool.main(['--out', out, '--videos-per-class', str(per_class),
               '--val-per-class', '0', '--test-per-class', '0', '--seconds',
               str(args.seconds), '--fps', str(args.fps), '--size',
               str(args.size)])


def run(transforms: list, files: List[str], names: List[str],
        per_step: Optional[Dict[str, float]] = None) -> float:
    """Samples per second of ``transforms`` over ``files``."""
    start = time.perf_counter()
    for path in files:
        results = dict(filename=path, start_index=0, modality='RGB')
        for name, transform in zip(names, transforms):
            t0 = time.perf_counter()
            results = transform(results)
            if per_step is not None:
                per_step[name] = per_step.get(name, 0.0) + \
                    time.perf_counter() - t0
    return len(files) / (time.perf_counter() - start)


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--ann', help='annotation file (default: temp demo data)')
    p.add_argument('--data-prefix', default='')
    p.add_argument('--samples', type=int, default=24)
    p.add_argument('--clip-len', type=int, default=16)
    p.add_argument('--seconds', type=float, default=2.5,
                   help='clip length of the temporary demo data')
    p.add_argument('--size', type=int, default=80)
    p.add_argument('--fps', type=int, default=12)
    p.add_argument('--json', help='also write the figures here')
    args = p.parse_args(argv)

    torch.set_num_threads(1)
    np.random.seed(0)
    import avcl_mm  # noqa: F401  (registers the transforms)
    from mmaction.registry import TRANSFORMS
    tmp = None
    if args.ann is None:
        tmp = tempfile.TemporaryDirectory()
        make_demo(tmp.name, args)
        args.ann = osp.join(tmp.name, 'train.txt')
        args.data_prefix = osp.join(tmp.name, 'videos')
    with open(args.ann) as f:
        files = [osp.join(args.data_prefix, line.split()[0]) for line in f
                 if line.strip() and not line.startswith('#')]
    files = files[:args.samples]
    figures = dict(samples=len(files), threads=torch.get_num_threads(),
                   ann=args.ann, parts={}, full_pipeline_ms={})
    steps: Dict[str, float] = {}
    for part, cfgs in pipelines(args.clip_len).items():
        transforms = [TRANSFORMS.build(c) for c in cfgs]
        names = [f'{i:02d} {c["type"]}' for i, c in enumerate(cfgs)]
        run(transforms, files[:2], names)  # warm-up
        rate = run(transforms, files, names,
                   steps if part == 'full' else None)
        figures['parts'][part] = round(rate, 2)
    figures['full_pipeline_ms'] = {
        k: round(1000 * v / len(files), 2) for k, v in sorted(steps.items())}
    print(f'{len(files)} samples, 1 thread, {args.ann}')
    print(f'{"part":<30}{"samples/s":>12}{"ms/sample":>12}')
    for part, rate in figures['parts'].items():
        print(f'{part:<30}{rate:>12.1f}{1000 / rate:>12.1f}')
    print('inside the full pipeline:')
    for name, ms in figures['full_pipeline_ms'].items():
        print(f'  {name:<28}{"":>12}{ms:>12.2f}')
    print(json.dumps(figures))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(figures, f, indent=1)
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == '__main__':
    sys.exit(main())
