"""Cache each video's audio track: decode it once and store it beside the
video as a ``.npy`` sidecar (mono float32 at the training rate), so that training
reads the waveform instead of decoding AAC every epoch.

``LoadAudioFromVideo`` picks ``clip.npy`` up beside ``clip.mp4`` by itself
(``sidecar=('.wav', '.npy')``, ``prefer_sidecar=True`` are its defaults);
nothing in the config changes. The stored waveform is exactly what the
transform decodes from the video (the same ``decode_track``), so the
training input does not change either. A 10 s track at 24 kHz takes
0.94 MB.

    python tools/data/cache_audio.py data/demo/train.txt \\
        --data-prefix data/demo/videos [--sample-rate 24000] [--workers 2]

Idempotent: a sidecar that exists is kept (``--overwrite`` rewrites it).
Videos without an audio track or whose audio does not decode get no
sidecar (training treats them as before) and are listed at the end; files
are written atomically (temporary file, then rename), so an interrupted run
leaves no partial ``.npy``. (mmaction2's own ``tools/data/extract_audio.py``
writes ``.wav`` files for its audio recognizers; this tool has another name
so the two are not confused.)
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
from typing import Tuple

import mmengine
import numpy as np

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from check_dataset import read_annotation  # noqa: E402


def sidecar_path(video: str) -> str:
    return osp.splitext(video)[0] + '.npy'


def extract_one(job: Tuple[str, int, bool]) -> Tuple[str, str, str]:
    """``(video, status, detail)``; status is ``written``, ``kept``,
    ``no audio`` or ``failed``."""
    from avcl_mm.datasets.transforms._audio_io import decode_track
    video, sample_rate, overwrite = job
    out = sidecar_path(video)
    if osp.isfile(out) and not overwrite:
        return video, 'kept', ''
    try:
        wav = decode_track(video, sample_rate)
    except LookupError as err:
        return video, 'no audio', str(err)
    except Exception as err:  # unreadable file: training will report it
        return video, 'failed', f'{type(err).__name__}: {err}'
    fd, tmp = tempfile.mkstemp(prefix='.' + osp.basename(out) + '.',
                               suffix='.tmp', dir=osp.dirname(out) or '.')
    try:
        with os.fdopen(fd, 'wb') as f:
            np.save(f, np.ascontiguousarray(wav, dtype=np.float32))
        os.replace(tmp, out)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise
    return video, 'written', f'{wav.size / sample_rate:.2f} s'


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('ann_file', help='annotation file of video paths')
    parser.add_argument('--data-prefix', default='',
                        help='folder the annotation paths are relative to '
                        "(default: '', i.e. the working directory)")
    parser.add_argument('--sample-rate', type=int, default=24000,
                        help='rate of the stored waveform; must equal '
                        "LoadAudioFromVideo's sample_rate (default 24000)")
    parser.add_argument('--workers', type=int, default=1,
                        help='processes that decode the audio tracks '
                        '(default: 1)')
    parser.add_argument('--overwrite', action='store_true',
                        help='rewrite sidecars that exist (default: keep '
                        'them)')
    args = parser.parse_args(argv)
    if not osp.isfile(args.ann_file):
        parser.error(f'annotation file "{args.ann_file}" does not exist')
    videos = read_annotation(args.ann_file, args.data_prefix)
    jobs = [(v, args.sample_rate, args.overwrite) for v in videos]
    counts = dict(written=0, kept=0)
    problems = []
    if args.workers > 1:
        results = mmengine.track_parallel_progress(
            extract_one, jobs, nproc=args.workers, chunksize=4)
    else:
        results = mmengine.track_progress(extract_one, jobs)
    for video, status, detail in results:
        if status in counts:
            counts[status] += 1
        else:
            problems.append((video, status, detail))
    for video, status, detail in problems:
        print(f'[cache_audio] {status}: {video} ({detail})')
    print(f'[cache_audio] {counts["written"]} written, {counts["kept"]} '
          f'kept, {len(problems)} without a sidecar (see above)')
    return dict(counts, problems=problems)


if __name__ == '__main__':
    main()
