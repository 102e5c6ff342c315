"""Scan the videos of an annotation file and report what would go wrong.

For every ``relative/path.mp4 [label]`` line: is the file there, do its
frames decode (decord, first and last frame), does it have an audio track
and does that decode (decord, as ``LoadAudioFromVideo`` does), and its
duration, fps, frame count and audio sample rate / channels. Prints a
summary (and the problem files), optionally writes every record as JSON.
Exit status 1 with ``--strict`` when any file has a problem.

    python tools/data/check_dataset.py data/demo/train.txt \\
        --data-prefix data/demo/videos [--strict] [--json report.json]
"""
import argparse
import json
import os.path as osp
import statistics
import sys
from collections import Counter
from typing import Dict, List, Optional

from mmengine.utils import track_parallel_progress, track_progress

# short clips are looped by mmaction's SampleFrames: a note, not a problem
PROBLEMS = ('missing', 'empty file', 'unreadable video', 'no audio stream',
            'unreadable audio')


def _audio_header(path: str) -> dict:
    """Sample rate, channels and codec of the first audio stream (PyAV)."""
    import av
    with av.open(path) as container:
        if not container.streams.audio:
            return dict(has_audio=False)
        ctx = container.streams.audio[0].codec_context
        return dict(has_audio=True, sample_rate=int(ctx.sample_rate),
                    channels=int(ctx.channels), audio_codec=ctx.name)


def probe_video(path: str, decode_audio: bool = True,
                min_frames: int = 16) -> dict:
    """Check one video file.

    Returns:
        dict: ``path``, ``problem`` (one of :data:`PROBLEMS` or ``None``),
        ``error`` (text), ``notes`` and what could be read: ``frames``,
        ``fps``, ``duration``, ``height``, ``width``, ``has_audio``,
        ``sample_rate``, ``channels``, ``audio_codec``, ``audio_seconds``.
    """
    import decord
    rec = dict(path=path, problem=None, error='', notes=[])
    if not osp.isfile(path):
        return dict(rec, problem='missing')
    if osp.getsize(path) == 0:
        return dict(rec, problem='empty file')
    try:
        reader = decord.VideoReader(path, num_threads=1)
        frames, fps = len(reader), float(reader.get_avg_fps())
        if frames == 0:
            raise RuntimeError('no frames')
        height, width = reader[0].shape[:2]
        reader.get_batch([frames - 1])  # truncated files fail here
        rec.update(frames=frames, fps=round(fps, 3), height=int(height),
                   width=int(width), duration=round(frames / fps, 3))
        del reader
    except Exception as err:
        return dict(rec, problem='unreadable video', error=_short(err))
    if frames < min_frames:
        rec['notes'].append(f'{frames} frames < {min_frames} (looped)')
    try:
        rec.update(_audio_header(path))
    except Exception as err:
        return dict(rec, problem='unreadable audio', error=_short(err))
    if not rec['has_audio']:
        return dict(rec, problem='no audio stream')
    if decode_audio:
        try:
            audio = decord.AudioReader(path, sample_rate=rec['sample_rate'],
                                       mono=True)
            rec['audio_seconds'] = round(audio.shape[1] / rec['sample_rate'],
                                         3)
            if audio.shape[1] == 0:
                raise RuntimeError('empty audio track')
        except Exception as err:
            return dict(rec, problem='unreadable audio', error=_short(err))
    return rec


def _short(err: Exception) -> str:
    return ' '.join(f'{type(err).__name__}: {err}'.split())[:200]


def read_annotation(ann_file: str, data_prefix: str) -> List[str]:
    """Video paths of an annotation file (``#`` lines skipped)."""
    paths = []
    with open(ann_file) as f:
        for line in f:
            tokens = line.split()
            if tokens and not tokens[0].startswith('#'):
                paths.append(osp.join(data_prefix, tokens[0]))
    return paths


def summarize(records: List[dict]) -> Dict:
    """Counts, duration range and the histograms of fps / sample rates."""
    ok = [r for r in records if r['problem'] is None]
    durations = [r['duration'] for r in records if 'duration' in r]
    return dict(
        files=len(records), ok=len(ok),
        problems=dict(Counter(r['problem'] for r in records
                              if r['problem'])),
        short_clips=sum(bool(r['notes']) for r in records),
        duration_s=dict(min=min(durations), median=statistics.median(
            durations), max=max(durations)) if durations else None,
        fps=dict(Counter(str(r['fps']) for r in records if 'fps' in r)),
        audio_sample_rates=dict(Counter(
            str(r['sample_rate']) for r in records if 'sample_rate' in r)),
        audio_channels=dict(Counter(
            str(r['channels']) for r in records if 'channels' in r)))


def _probe_job(job: tuple) -> dict:
    return probe_video(*job)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('ann_file', help='annotation file (path [label] lines)')
    p.add_argument('--data-prefix', default='',
                   help='folder the annotation paths are relative to '
                   "(default: '', i.e. the working directory)")
    p.add_argument('--strict', action='store_true',
                   help='exit with status 1 when any file has a problem')
    p.add_argument('--json', help='write every record and the summary here')
    p.add_argument('--min-frames', type=int, default=16,
                   help='note clips shorter than this (the clip length; '
                   'default: 16)')
    p.add_argument('--no-decode-audio', action='store_true',
                   help='only read the audio header (faster)')
    p.add_argument('--summary-only', action='store_true',
                   help='do not list the problem files')
    p.add_argument('--workers', type=int, default=1,
                   help='processes that probe the videos (default: 1)')
    return p.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.ann_file):
        print(f'annotation file "{args.ann_file}" does not exist',
              file=sys.stderr)
        return 2
    jobs = [(path, not args.no_decode_audio, args.min_frames)
            for path in read_annotation(args.ann_file, args.data_prefix)]
    # progress on stderr, so that stdout holds the summary alone; the pool
    # returns the records in annotation order, as Pool.map does
    if args.workers > 1:
        records = track_parallel_progress(_probe_job, jobs, args.workers,
                                          chunksize=8, file=sys.stderr)
    else:
        records = track_progress(_probe_job, jobs, file=sys.stderr)
    summary = summarize(records)
    print(f'{args.ann_file}: {summary["files"]} files, {summary["ok"]} ok')
    for key in ('problems', 'short_clips', 'duration_s', 'fps',
                'audio_sample_rates', 'audio_channels'):
        print(f'  {key}: {summary[key]}')
    if not args.summary_only:
        for rec in records:
            if rec['problem']:
                print(f'  [{rec["problem"]}] {rec["path"]} {rec["error"]}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(summary=summary, records=records), f, indent=1)
    return 1 if args.strict and summary['problems'] else 0


if __name__ == '__main__':
    sys.exit(main())
