"""One benchmark run for the performance figures: data pipeline, audio
front end, training step and what bounds training.

All parts run in one process on the same files so that the ratios are fair:

1. ``pipeline``: samples/s of one worker (1 thread) for the full
   audio-visual training pipeline vs mmaction's stock video-only pipeline
   (same decode, resize, crop, flip, packing) on the same files, and the
   audio-visual pipeline reading the ``.npy`` audio sidecars of
   tools/data/cache_audio.py (written for the temp clips; with ``--ann``
   measured when every file has one);
2. ``audio``: the audio front end alone on the same waveforms: our
   ``LogMelSpectrogram`` vs ``librosa.feature.melspectrogram`` + log with the
   same STFT/mel settings (and our track decoding, for reference);
3. ``step``: one training step (forward, backward, SGD) at the paper's input
   size: AVCL two-stream (``--model``) vs a stock ``Recognizer3D`` with the
   same video backbone and an ``I3DHead``; median time and peak memory
   (CUDA: ``max_memory_allocated``; CPU: the process's peak RSS growth
   during the steps, from ``/proc/self/status``);
4. ``loader``: batches/s of a ``DataLoader`` over the files with N workers vs
   the AVCL step rate: which one bounds training.

Without ``--ann`` it writes Kinetics-like clips (``--seconds``, ``--size``,
``--fps``) with tools/data/make_demo_dataset.py to a temporary folder.
Prints a table and one JSON line (``--json`` also writes it to a file).
What feeds a GPU (samples/s per core on 340 px originals vs resized copies,
log-mel on the device, cores per GPU): tools/analysis/benchmark_feed.py;
the step under every speed switch: tools/analysis/benchmark_gpu_step.py;
both on a GPU machine: tools/analysis/gpu_check.sh.

    python tools/analysis/benchmark.py                       # CPU, ~3-4 min
    python tools/analysis/benchmark.py --device cuda --batch-size 16 \\
        --model configs/_base_/models/avcl_r2plus1d.py --amp --workers 4 8
"""
import argparse
import copy
import importlib.util
import json
import os
import os.path as osp
import platform
import statistics
import sys
import tempfile
import time
from typing import Dict, List, Optional

import numpy as np
import torch

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, REPO)


# ---------------------------------------------------------------- pipelines
def video_ops(clip_len: int, crop: int) -> List[dict]:
    return [
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=clip_len, frame_interval=1,
             num_clips=1),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, round(crop * 128 / 112))),
        dict(type='RandomCrop', size=crop),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='FormatShape', input_format='NCTHW'),
    ]


def audio_ops(crop: int, sidecar: tuple = ()) -> List[dict]:
    return [
        dict(type='LoadAudioFromVideo', sample_rate=24000, sidecar=sidecar),
        dict(type='LogMelSpectrogram', sample_rate=24000, win_length=240,
             hop_length=240, n_mels=256),
        dict(type='SpectrogramResize', size=(256, 256)),
        dict(type='SpectrogramCrop', size=(crop, crop), random=True),
        dict(type='SpectrogramStandardize'),
        dict(type='FormatAudioClip', as_clip=True),
    ]


def pipelines(clip_len: int, crop: int,
              npy: bool = False) -> Dict[str, List[dict]]:
    """Video-only and audio-visual (decoding each video's audio track);
    ``npy=True`` adds the audio-visual pipeline reading the ``.npy``
    sidecars of tools/data/cache_audio.py instead."""
    video = video_ops(clip_len, crop)
    pack = dict(type='PackActionInputs', collect_keys=('imgs', 'audios'))
    out = dict(video_only=video + [dict(type='PackActionInputs')],
               audio_visual=video + audio_ops(crop) + [pack])
    if npy:
        out['audio_visual_npy'] = video + audio_ops(crop, ('.npy', )) + [pack]
    return out


def make_clips(out: str, args: argparse.Namespace) -> None:
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


def time_pipeline(transforms: list, files: List[str], seed: int = 0) -> float:
    """Samples per second of the composed ``transforms`` over ``files``.

    The random state is reset first, so every pipeline samples the same
    frames of each file: decoding cost depends strongly on where a clip
    starts (frames since the last key frame), which would otherwise swamp
    the audio's share."""
    import random
    random.seed(seed)
    np.random.seed(seed)
    start = time.perf_counter()
    for path in files:
        results = dict(filename=path, start_index=0, modality='RGB')
        for transform in transforms:
            results = transform(results)
    return len(files) / (time.perf_counter() - start)


def bench_pipeline(files: List[str], args) -> dict:
    from mmaction.registry import TRANSFORMS
    npy = all(osp.isfile(osp.splitext(f)[0] + '.npy') for f in files)
    built = {name: [TRANSFORMS.build(c) for c in cfgs]
             for name, cfgs in pipelines(args.frames, args.crop,
                                         npy).items()}
    best = {name: 0.0 for name in built}
    for name, transforms in built.items():
        time_pipeline(transforms, files[:2])  # warm-up (codecs, caches)
    for _ in range(3):  # interleaved passes, best of 3 per pipeline
        for name, transforms in built.items():
            best[name] = max(best[name], time_pipeline(transforms, files))
    out = {f'{name}_samples_per_s': round(rate, 2)
           for name, rate in best.items()}
    out['av_over_video'] = round(out['audio_visual_samples_per_s'] /
                                 out['video_only_samples_per_s'], 3)
    if npy:
        out['av_npy_over_video'] = round(
            out['audio_visual_npy_samples_per_s'] /
            out['video_only_samples_per_s'], 3)
    return out


# -------------------------------------------------------------------- audio
def bench_audio(files: List[str], args) -> dict:
    import librosa

    from mmaction.registry import TRANSFORMS
    load = TRANSFORMS.build(dict(type='LoadAudioFromVideo',
                                 sample_rate=24000, sidecar=()))
    mel = TRANSFORMS.build(dict(type='LogMelSpectrogram', sample_rate=24000,
                                win_length=240, hop_length=240, n_mels=256))
    t0 = time.perf_counter()
    waves = [load(dict(filename=f))['audio'] for f in files]
    decode = (time.perf_counter() - t0) / len(files)

    def ours(wav):
        return mel(dict(audio=wav, audio_sample_rate=24000))['audios']

    def reference(wav):
        power = librosa.feature.melspectrogram(
            y=wav, sr=24000, n_fft=mel.n_fft, hop_length=240, win_length=240,
            window='hann', center=True, pad_mode='constant', power=2.0,
            n_mels=256, htk=False, norm='slaney')
        return np.log(power + mel.eps).T

    times = {}
    for name, fn in (('ours', ours), ('librosa', reference)):
        fn(waves[0])  # warm-up
        best = float('inf')
        for _ in range(3):
            t0 = time.perf_counter()
            for wav in waves:
                fn(wav)
            best = min(best, (time.perf_counter() - t0) / len(waves))
        times[name] = best
    diff = float(np.abs(ours(waves[0]) - reference(waves[0])).max())
    seconds = float(np.mean([w.size for w in waves])) / 24000
    return dict(audio_seconds=round(seconds, 2),
                decode_ms=round(1000 * decode, 2),
                log_mel_ms=round(1000 * times['ours'], 2),
                librosa_log_mel_ms=round(1000 * times['librosa'], 2),
                librosa_over_ours=round(times['librosa'] / times['ours'], 2),
                max_abs_diff_vs_librosa=round(diff, 5))


# --------------------------------------------------------------------- step
def _peak_rss_kib() -> Optional[int]:
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    try:  # Linux: "5" resets the peak RSS (VmHWM) to the current RSS
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def _batch(args, with_audio: bool, num_classes: int):
    from mmaction.structures import ActionDataSample
    from mmengine.dataset import pseudo_collate

    from avcl_mm.utils.compat import set_gt_label
    g = torch.Generator().manual_seed(0)
    s, samples = args.crop, []
    for i in range(args.batch_size):
        inputs = dict(imgs=torch.randint(0, 256, (1, 3, args.frames, s, s),
                                         generator=g, dtype=torch.uint8))
        if with_audio:
            inputs['audios'] = torch.randn(1, 1, 1, s, s, generator=g)
        sample = set_gt_label(ActionDataSample(), i % num_classes)
        samples.append(dict(inputs=inputs if with_audio else inputs['imgs'],
                            data_samples=sample))
    return pseudo_collate(samples)


def _models(args):
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, args.model))
    avcl = copy.deepcopy(cfg.model)
    video = dict(
        type='Recognizer3D', backbone=copy.deepcopy(cfg.model.video_backbone),
        cls_head=dict(type='I3DHead', num_classes=args.num_classes,
                      in_channels=512, dropout_ratio=0.5,
                      average_clips='prob'),
        data_preprocessor=copy.deepcopy(
            cfg.model.data_preprocessor.preprocessors.imgs))
    return dict(avcl=avcl, video_only=video)


def bench_step(args) -> dict:
    from mmaction.registry import MODELS
    from mmengine.optim import OptimWrapper

    from avcl_mm.engine.amp_optim_wrapper import FiniteLossAmpOptimWrapper
    from avcl_mm.engine.channels_last_hook import convert_channels_last_3d
    cuda = args.device.startswith('cuda')
    out = {}
    for name, model_cfg in _models(args).items():
        torch.manual_seed(0)
        model = MODELS.build(model_cfg).to(args.device)
        if args.channels_last:  # what ChannelsLast3dHook does
            convert_channels_last_3d(model)
        if args.amp and getattr(model, 'cls_head', None) is not None:
            # mmaction's heads take top-k accuracies of the scores through
            # numpy, which has no bfloat16: score in float32
            model.cls_head.register_forward_hook(
                lambda module, inputs, out: out.float())
        model.train()
        sgd = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9,
                              weight_decay=5e-4)
        # the configs' switches: bf16 autocast keeping the non-finite guard
        # (CPU or GPU), and torch.compile of train_step as mmengine does it
        optim = FiniteLossAmpOptimWrapper(optimizer=sgd, dtype='bfloat16') \
            if args.amp else OptimWrapper(sgd)
        step_fn = model.train_step
        if args.compile:
            step_fn = torch.compile(model.train_step)
        batch = _batch(args, name == 'avcl', args.num_classes)
        step_fn(batch, optim)  # warm-up: allocators, caches, compilation
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        base_rss = _peak_rss_kib() if _reset_peak_rss() else None
        times = []
        for _ in range(args.steps):
            t0 = time.perf_counter()
            step_fn(batch, optim)
            if cuda:
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
        if cuda:
            peak = torch.cuda.max_memory_allocated() / 2**20
        elif base_rss is not None:
            peak = (_peak_rss_kib() - base_rss) / 1024
        else:
            peak = float('nan')
        out[name] = dict(
            step_s=round(statistics.median(times), 4),
            peak_mem_mib=round(peak, 1),
            params_m=round(sum(p.numel() for p in model.parameters()) / 1e6,
                           2))
        del model, optim
    out['avcl_over_video_only'] = round(out['avcl']['step_s'] /
                                        out['video_only']['step_s'], 3)
    out['memory'] = 'cuda max_memory_allocated' if cuda else \
        'growth of peak RSS over the timed steps (CPU)'
    return out


# ------------------------------------------------------------------- loader
def bench_loader(ann: str, prefix: str, workers: int, args) -> float:
    from mmaction.registry import DATASETS
    from mmengine.dataset import pseudo_collate
    dataset = DATASETS.build(dict(
        type='AudioVisualDataset', ann_file=ann,
        data_prefix=dict(video=prefix),
        pipeline=pipelines(args.frames, args.crop)['audio_visual']))
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=args.batch_size, shuffle=False,
        num_workers=workers, collate_fn=pseudo_collate,
        persistent_workers=False, pin_memory=args.device.startswith('cuda'))
    it = iter(loader)
    next(it)  # workers started and warm
    start, batches = time.perf_counter(), 0
    for _ in it:
        batches += 1
    return batches / max(time.perf_counter() - start, 1e-9) \
        if batches else float('nan')


# --------------------------------------------------------------------- main
def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--ann', help='annotation file (default: temp clips)')
    p.add_argument('--data-prefix', default='',
                   help='folder the --ann paths are relative to (default: '
                   "''; set to the temp clips' folder without --ann)")
    p.add_argument('--samples', type=int, default=12,
                   help='files timed in the pipeline and audio parts '
                   '(default: 12)')
    p.add_argument('--seconds', type=float, default=10.0,
                   help='temp clip length in seconds (default: 10)')
    p.add_argument('--size', type=int, default=256,
                   help='temp clip size (default: 256)')
    p.add_argument('--fps', type=int, default=25,
                   help='temp clip frame rate (default: 25)')
    p.add_argument('--frames', type=int, default=16,
                   help='clip length (default: 16)')
    p.add_argument('--crop', type=int, default=112,
                   help='crop size of the frames and the spectrogram, '
                   'i.e. the input size of the step part (default: 112)')
    p.add_argument('--model', default='configs/_base_/models/avcl_r3d.py',
                   help='AVCL model config (its video backbone is reused '
                   'by the video-only recognizer; default: '
                   'configs/_base_/models/avcl_r3d.py)')
    p.add_argument('--num-classes', type=int, default=32,
                   help="classes of the video-only recognizer's head and "
                   'of the step batch labels (default: 32)')
    p.add_argument('--batch-size', type=int, default=2,
                   help='clips per batch in the step and loader parts '
                   '(default: 2)')
    p.add_argument('--steps', type=int, default=3,
                   help='timed steps (default: 3)')
    p.add_argument('--workers', type=int, nargs='+', default=[0, 2],
                   help='DataLoader worker counts timed in the loader part '
                   '(default: 0 2)')
    p.add_argument('--device', default='cpu',
                   help="torch device of the step part, e.g. 'cpu' or "
                   "'cuda' (default: 'cpu')")
    p.add_argument('--threads', type=int, default=0,
                   help='torch threads of the step part (0: default)')
    p.add_argument('--amp', action='store_true',
                   help='bf16 autocast in the step part '
                   '(FiniteLossAmpOptimWrapper, as the fast config)')
    p.add_argument('--channels-last', action='store_true',
                   help='channels_last_3d weights and conv inputs in the step '
                   'part (what ChannelsLast3dHook does)')
    p.add_argument('--compile', action='store_true',
                   help="torch.compile the models' train_step in the step "
                   "part (what a config's compile key does)")
    p.add_argument('--skip', nargs='*', default=[],
                   choices=['pipeline', 'audio', 'step', 'loader'],
                   help='parts not to run (default: none)')
    p.add_argument('--no-sidecars', action='store_true',
                   help='do not write .npy audio sidecars for the temp '
                   'clips (skips the sidecar pipeline row)')
    p.add_argument('--json', help='also write the figures here')
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    import avcl_mm  # noqa: F401  (registers the plugin)
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    np.random.seed(0)
    tmp = None
    if args.ann is None:
        tmp = tempfile.TemporaryDirectory()
        make_clips(tmp.name, args)
        args.ann = osp.join(tmp.name, 'train.txt')
        args.data_prefix = osp.join(tmp.name, 'videos')
        if not args.no_sidecars:  # the .npy fast path is measured too
            spec = importlib.util.spec_from_file_location(
                'cache_audio', osp.join(REPO, 'tools', 'data',
                                        'cache_audio.py'))
            tool = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(tool)
            tool.main([args.ann, '--data-prefix', args.data_prefix])
    with open(args.ann) as f:
        files = [osp.join(args.data_prefix, line.split()[0]) for line in f
                 if line.strip() and not line.startswith('#')]
    files = files[:args.samples]
    default_threads = torch.get_num_threads()
    figures = dict(
        machine=dict(cpu=platform.processor() or platform.machine(),
                     cores=os.cpu_count(), device=args.device,
                     cuda=torch.cuda.get_device_name()
                     if args.device.startswith('cuda') else None,
                     torch=torch.__version__),
        files=len(files), clip=f'{args.seconds:g} s {args.size} px '
        f'{args.fps} fps', input=f'{args.frames}x{args.crop}x{args.crop}',
        batch_size=args.batch_size, amp=args.amp,
        channels_last=args.channels_last, compile=args.compile)
    t_start = time.perf_counter()
    torch.set_num_threads(1)
    if 'pipeline' not in args.skip:
        figures['pipeline'] = bench_pipeline(files, args)
    if 'audio' not in args.skip:
        figures['audio'] = bench_audio(files, args)
    torch.set_num_threads(args.threads or default_threads)
    if 'step' not in args.skip:
        figures['step'] = bench_step(args)
    if 'loader' not in args.skip:
        with tempfile.NamedTemporaryFile('w', suffix='.txt',
                                         delete=False) as f:
            for path in files:
                f.write(f'{osp.relpath(path, args.data_prefix)}\n')
        torch.set_num_threads(1)
        rates = {str(w): round(bench_loader(f.name, args.data_prefix, w,
                                            args), 3)
                 for w in args.workers}
        os.unlink(f.name)
        loader = dict(batches_per_s=rates)
        if 'step' in figures:
            step_rate = 1 / figures['step']['avcl']['step_s']
            best = max(rates.values())
            loader['avcl_steps_per_s'] = round(step_rate, 3)
            loader['bound_by'] = 'data loading' if best < step_rate \
                else 'model step'
        figures['loader'] = loader
    figures['benchmark_s'] = round(time.perf_counter() - t_start, 1)
    print_table(figures)
    print(json.dumps(figures))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(figures, f, indent=1)
    if tmp is not None:
        tmp.cleanup()
    return figures


def print_table(fig: dict) -> None:
    m = fig['machine']
    print(f'\n{m["cores"]} cores ({m["cpu"]}), device {m["device"]}'
          f'{" " + m["cuda"] if m["cuda"] else ""}, torch {m["torch"]}; '
          f'{fig["files"]} clips of {fig["clip"]}, input {fig["input"]}, '
          f'batch {fig["batch_size"]}')
    print('| part | figure | value | target |')
    print('| --- | --- | --- | --- |')
    if 'pipeline' in fig:
        p = fig['pipeline']
        print(f'| pipeline (1 worker) | video-only samples/s | '
              f'{p["video_only_samples_per_s"]} | |')
        print(f'| pipeline (1 worker) | audio-visual samples/s | '
              f'{p["audio_visual_samples_per_s"]} | |')
        print(f'| pipeline (1 worker) | AV / video-only | '
              f'{p["av_over_video"]} | >= 0.8 |')
        if 'av_npy_over_video' in p:
            print(f'| pipeline (1 worker) | AV with .npy audio sidecars '
                  f'samples/s | {p["audio_visual_npy_samples_per_s"]} | |')
            print(f'| pipeline (1 worker) | AV (.npy) / video-only | '
                  f'{p["av_npy_over_video"]} | >= 0.8 |')
    if 'audio' in fig:
        a = fig['audio']
        print(f'| audio ({a["audio_seconds"]} s track) | decode ms | '
              f'{a["decode_ms"]} | |')
        print(f'| audio | log-mel ms, ours / librosa | {a["log_mel_ms"]} / '
              f'{a["librosa_log_mel_ms"]} | ours <= librosa |')
    if 'step' in fig:
        s = fig['step']
        for name in ('video_only', 'avcl'):
            print(f'| step | {name} s / peak MiB / params M | '
                  f'{s[name]["step_s"]} / {s[name]["peak_mem_mib"]} / '
                  f'{s[name]["params_m"]} | |')
        print(f'| step | AVCL / video-only time | '
              f'{s["avcl_over_video_only"]} | <= 1.5 |')
    if 'loader' in fig:
        lo = fig['loader']
        for w, r in lo['batches_per_s'].items():
            print(f'| loader | batches/s, {w} workers | {r} | |')
        if 'bound_by' in lo:
            print(f'| loader | AVCL steps/s; bound by | '
                  f'{lo["avcl_steps_per_s"]}; {lo["bound_by"]} | |')
    print(f'(benchmark took {fig["benchmark_s"]} s)')


if __name__ == '__main__':
    main()
