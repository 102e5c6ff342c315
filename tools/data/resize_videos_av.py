"""Write short-side-128 copies of the videos that KEEP their audio track.

mmaction2's ``tools/data/resize_videos.py`` calls ffmpeg with ``-an``: its
copies have no sound, which is AVCL's second input. This tool (PyAV only; no
ffmpeg binary needed) re-encodes the video stream at a smaller size and
keeps the audio, so that the training pipeline decodes far fewer pixels per
clip (docs/performance.md: about 4x more samples/s per CPU core on
Kinetics-like 340 px originals) and reads the same sound:

- video: H.264 (libx264, ``--crf``, ``--preset``), short side
  ``--short-side`` (the long side keeps the aspect ratio, rounded to an even
  number; never upscaled), the source's frame timestamps, a key frame every
  ``--gop`` frames (short GOPs make the random 16-frame clips of training
  cheap to seek to);
- audio (``--audio``): ``copy`` (default) puts the source's compressed audio
  packets into the copy untouched, so ``LoadAudioFromVideo`` decodes the
  same waveform as from the original (codecs that mp4 cannot hold are
  re-encoded to AAC, and said so); ``mono`` stores the waveform that
  training decodes from the source (mono, ``--sample-rate``) as AAC at
  ``--audio-bitrate``: about 3x cheaper to decode than a 44.1 kHz stereo
  track, the same sound up to AAC coding; ``aac`` re-encodes the source's
  track to AAC at its rate and channel layout; ``none`` drops it (only with
  ``--sidecar``);
- ``--sidecar`` also writes ``clip.npy`` beside ``clip.mp4``: the mono
  waveform at ``--sample-rate`` decoded from the *source* exactly as
  ``LoadAudioFromVideo`` would (tools/data/cache_audio.py's format), which
  the transform reads instead of decoding AAC.

The copies keep the relative paths below ``SRC_ROOT`` and get the ``.mp4``
extension (``--ann-out`` writes an annotation file with the new names when
some sources had another extension). Sources are the paths of ``--ann-file``
(relative to ``SRC_ROOT``, as the dataset configs' ``data_prefix``) or every
file with an ``--ext`` extension below ``SRC_ROOT``.

Idempotent: a finished copy (and sidecar) is kept, ``--overwrite`` redoes it.
Atomic: each file is written to a temporary name in its folder and renamed
when complete, so an interrupted run leaves no partial output. Parallel over
``--workers`` processes (one encoder thread each), with a progress bar. A
missing source root, annotation file or an empty selection stops the run
before anything is written; a source that cannot be converted is listed at
the end, gets no output, and makes the exit status 1.

    python tools/data/resize_videos_av.py data/kinetics400/videos \\
        data/kinetics400/videos_128 \\
        --ann-file data/kinetics_sounds/k32_train.txt --workers 16 --sidecar
    # then train on the copies:
    python tools/train.py configs/avcl_r2plus1d_k32.py --cfg-options \\
        train_dataloader.dataset.data_prefix.video=data/kinetics400/videos_128
"""
import argparse
import glob
import os
import os.path as osp
import sys
import tempfile
from fractions import Fraction
from typing import List, Optional, Tuple

import numpy as np

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))

VIDEO_EXTS = ('mp4', 'mkv', 'webm', 'avi', 'mov', 'm4v', 'flv')
# audio codecs that the mp4 muxer takes as they are
MP4_AUDIO = ('aac', 'mp3', 'ac3', 'eac3', 'alac', 'opus', 'flac')


def out_size(width: int, height: int, short_side: int) -> Tuple[int, int]:
    """``(width, height)`` with the short side ``short_side`` (never larger
    than the source), both even (yuv420p needs even sides)."""
    scale = min(1.0, short_side / min(width, height))

    def even(x: float) -> int:
        return max(2, int(round(x / 2)) * 2)

    return even(width * scale), even(height * scale)


def out_path(rel: str, dst_root: str) -> str:
    return osp.join(dst_root, osp.splitext(rel)[0] + '.mp4')


def _temp_beside(path: str, suffix: str) -> str:
    """A new empty file in ``path``'s folder (created), with the
    permissions of a plain ``open`` (mkstemp's are 0600)."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.' + osp.basename(path) + '.',
                               suffix='.tmp' + suffix,
                               dir=osp.dirname(path) or '.')
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    return tmp


def is_complete(path: str) -> bool:
    """A finished copy: a readable mp4 with a video stream (outputs are only
    ever renamed into place once complete)."""
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return False
    try:
        import av
        with av.open(path) as container:
            return len(container.streams.video) > 0
    except Exception:
        return False


def _mono_track(src: str, sample_rate: int) -> Optional[np.ndarray]:
    """The waveform ``LoadAudioFromVideo`` decodes from ``src`` (mono,
    ``sample_rate``), ``None`` without an audio stream."""
    from avcl_mm.datasets.transforms._audio_io import decode_track
    try:
        return decode_track(src, sample_rate)
    except LookupError:
        return None


def _encode_mono(out, wav: np.ndarray, sample_rate: int, bitrate: int):
    """Mux ``wav`` (float32 ``(L,)``) as a mono AAC stream of ``out``."""
    import av
    stream = out.add_stream('aac', rate=sample_rate)
    stream.layout, stream.bit_rate = 'mono', bitrate
    wav = np.clip(wav, -1.0, 1.0).astype(np.float32)[None]
    for start in range(0, wav.shape[1], 1024):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(wav[:, start:start + 1024]), format='fltp',
            layout='mono')
        frame.sample_rate, frame.pts = sample_rate, start
        out.mux(stream.encode(frame))
    out.mux(stream.encode())


def convert(src: str, dst: str, short_side: int, gop: int, crf: int,
            preset: str, audio: str, sample_rate: int = 24000,
            audio_bitrate: int = 96000) -> str:
    """Re-encode ``src`` into ``dst`` (written in full before returning);
    returns what became of the audio: ``'copy'``, ``'aac'``, ``'mono'``,
    ``'none'`` or ``'no audio'`` (the source has none)."""
    import av
    with av.open(src) as inp:
        if not inp.streams.video:
            raise ValueError('no video stream')
        vin = inp.streams.video[0]
        ain = inp.streams.audio[0] if inp.streams.audio else None
        vin.thread_count = 1
        width, height = out_size(vin.codec_context.width,
                                 vin.codec_context.height, short_side)
        rate = vin.average_rate or vin.guessed_rate or Fraction(25)
        mode = 'no audio' if ain is None else audio
        if mode == 'copy' and ain.codec_context.name not in MP4_AUDIO:
            mode = 'aac'
        mono = _mono_track(src, sample_rate) if mode == 'mono' else None
        if mode == 'mono' and mono is None:
            mode = 'no audio'
        with av.open(dst, 'w', format='mp4') as out:
            vout = out.add_stream('libx264', rate=rate)
            vout.width, vout.height, vout.pix_fmt = width, height, 'yuv420p'
            vout.time_base = vin.time_base
            vout.codec_context.gop_size = gop
            vout.options = dict(crf=str(crf), preset=preset, threads='1')
            aout = None
            if mode == 'copy':
                aout = out.add_stream_from_template(ain)
            elif mode == 'aac':
                aout = out.add_stream('aac',
                                      rate=ain.codec_context.sample_rate)
                aout.layout = ain.codec_context.layout.name
            elif mode == 'mono':
                _encode_mono(out, mono, sample_rate, audio_bitrate)
            streams = [vin] + ([ain] if aout is not None else [])
            frames = 0
            for packet in inp.demux(*streams):
                if packet.stream is ain:
                    if mode == 'copy':
                        if packet.dts is not None:
                            packet.stream = aout
                            out.mux(packet)
                    else:
                        for frame in packet.decode():
                            frame.pts = None
                            out.mux(aout.encode(frame))
                    continue
                for frame in packet.decode():
                    small = frame.reformat(width, height, 'yuv420p',
                                           interpolation='BICUBIC')
                    small.pts, small.time_base = frame.pts, frame.time_base
                    out.mux(vout.encode(small))
                    frames += 1
            out.mux(vout.encode())
            if mode == 'aac':
                out.mux(aout.encode())
        if frames == 0:
            raise ValueError('no video frame could be decoded')
    return mode


def write_sidecar(src: str, npy: str, sample_rate: int) -> Optional[str]:
    """Decode ``src``'s track as ``LoadAudioFromVideo`` does and save it
    atomically to ``npy``; ``None`` or why there is no sidecar."""
    from avcl_mm.datasets.transforms._audio_io import decode_track
    try:
        wav = decode_track(src, sample_rate)
    except LookupError as err:
        return str(err)
    tmp = _temp_beside(npy, '.npy')
    try:
        with open(tmp, 'wb') as f:
            np.save(f, np.ascontiguousarray(wav, dtype=np.float32))
        os.replace(tmp, npy)
    finally:
        if osp.exists(tmp):
            os.unlink(tmp)
    return None


def process(job: tuple) -> Tuple[str, str, str]:
    """One source: ``(rel, status, detail)``, status ``written``, ``kept`` or
    ``failed``; nothing partial is left behind on failure."""
    rel, src_root, dst_root, opts = job
    src, dst = osp.join(src_root, rel), out_path(rel, dst_root)
    npy = osp.splitext(dst)[0] + '.npy'
    if not osp.isfile(src):
        return rel, 'failed', f'no such file: {src}'
    notes, did = [], False
    try:
        if opts['overwrite'] or not is_complete(dst):
            tmp = _temp_beside(dst, '.mp4')
            try:
                audio = convert(src, tmp, opts['short_side'], opts['gop'],
                                opts['crf'], opts['preset'], opts['audio'],
                                opts['sample_rate'], opts['audio_bitrate'])
                os.replace(tmp, dst)
            finally:
                if osp.exists(tmp):
                    os.unlink(tmp)
            did = True
            if audio != opts['audio']:
                notes.append(f'audio: {audio}')
        if opts['sidecar'] and (opts['overwrite'] or not osp.isfile(npy)):
            why = write_sidecar(src, npy, opts['sample_rate'])
            did = did or why is None
            if why:
                notes.append(f'no sidecar: {why}')
    except Exception as err:
        return rel, 'failed', f'{type(err).__name__}: {err}'
    return rel, 'written' if did else 'kept', '; '.join(notes)


def find_sources(args) -> List[str]:
    """Relative source paths (annotation order, or sorted)."""
    if args.ann_file:
        with open(args.ann_file) as f:
            return [line.split()[0] for line in f
                    if line.split() and not line.split()[0].startswith('#')]
    dst = osp.realpath(args.dst_root)
    found = []
    for ext in args.ext:
        for path in glob.glob(osp.join(args.src_root, '**', f'*.{ext}'),
                              recursive=True):
            real = osp.realpath(path)
            if not real.startswith(dst + os.sep):  # never our own outputs
                found.append(osp.relpath(path, args.src_root))
    return sorted(found)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('src_root', help='folder of the source videos')
    p.add_argument('dst_root', help='folder of the copies (created; same '
                   'relative paths, .mp4)')
    p.add_argument('--ann-file', help='annotation file whose first column '
                   'lists the videos, relative to SRC_ROOT (default: every '
                   'video file below SRC_ROOT)')
    p.add_argument('--ann-out', help='write the annotation file with the '
                   "copies' names here (only with --ann-file)")
    p.add_argument('--ext', nargs='+', default=list(VIDEO_EXTS),
                   help='extensions searched without --ann-file (default: '
                   f'{" ".join(VIDEO_EXTS)})')
    p.add_argument('--short-side', type=int, default=128,
                   help='short side of the copies in px (default: 128)')
    p.add_argument('--gop', type=int, default=16,
                   help='frames between key frames (default: 16)')
    p.add_argument('--crf', type=int, default=23,
                   help='libx264 quality, lower is better (default: 23)')
    p.add_argument('--preset', default='veryfast',
                   help="libx264 speed preset (default: 'veryfast')")
    p.add_argument('--audio', choices=('copy', 'mono', 'aac', 'none'),
                   default='copy', help="audio of the copies: the source's "
                   'packets (copy), the mono --sample-rate waveform that '
                   'training decodes as AAC (mono: 3x faster to decode), '
                   "the source's track re-encoded to AAC (aac), or none "
                   "(needs --sidecar) (default: 'copy')")
    p.add_argument('--audio-bitrate', type=int, default=96000,
                   help='AAC bit rate of --audio mono in bit/s (default: '
                   '96000)')
    p.add_argument('--sidecar', action='store_true',
                   help='also write the .npy audio sidecar beside each copy')
    p.add_argument('--sample-rate', type=int, default=24000,
                   help='rate of the sidecar and of --audio mono; must '
                   "equal LoadAudioFromVideo's sample_rate (default: 24000)")
    p.add_argument('--workers', type=int, default=1,
                   help='parallel processes (default: 1)')
    p.add_argument('--overwrite', action='store_true',
                   help='redo finished copies and sidecars (default: keep)')
    args = p.parse_args(argv)
    if not osp.isdir(args.src_root):
        p.error(f'source folder "{args.src_root}" does not exist')
    if args.ann_file and not osp.isfile(args.ann_file):
        p.error(f'annotation file "{args.ann_file}" does not exist')
    if args.ann_out and not args.ann_file:
        p.error('--ann-out needs --ann-file')
    if osp.realpath(args.src_root) == osp.realpath(args.dst_root):
        p.error('DST_ROOT must differ from SRC_ROOT (the copies would '
                'replace the originals)')
    if args.audio == 'none' and not args.sidecar:
        p.error('--audio none drops the sound: add --sidecar, or keep the '
                'audio with --audio copy')
    if min(args.short_side, args.gop, args.workers, args.sample_rate,
           args.audio_bitrate) <= 0:
        p.error('--short-side, --gop, --workers, --sample-rate and '
                '--audio-bitrate must be > 0')
    return args


def main(argv=None) -> int:
    from mmengine.utils import track_parallel_progress, track_progress
    args = parse_args(argv)
    sources = find_sources(args)
    if not sources:
        where = args.ann_file or (f'{args.src_root} (extensions '
                                  f'{", ".join(args.ext)})')
        print(f'[resize_videos_av] no video found in {where}: nothing done',
              file=sys.stderr)
        return 2
    opts = {k: getattr(args, k) for k in (
        'short_side', 'gop', 'crf', 'preset', 'audio', 'audio_bitrate',
        'sidecar', 'sample_rate', 'overwrite')}
    jobs = [(rel, args.src_root, args.dst_root, opts) for rel in sources]
    print(f'[resize_videos_av] {len(jobs)} videos: {args.src_root} -> '
          f'{args.dst_root} (short side {args.short_side}, audio '
          f'{args.audio}{", .npy sidecars" if args.sidecar else ""})')
    if args.workers > 1:
        results = track_parallel_progress(process, jobs, args.workers,
                                          file=sys.stdout)
    else:
        results = track_progress(process, jobs, file=sys.stdout)
    counts = dict(written=0, kept=0, failed=0)
    for rel, status, detail in results:
        counts[status] += 1
        if status == 'failed' or detail:
            print(f'[resize_videos_av] {status}: {rel}'
                  f'{" (" + detail + ")" if detail else ""}')
    renamed = sum(not rel.endswith('.mp4') for rel in sources)
    if args.ann_out:
        out_rel = {rel: osp.relpath(out_path(rel, args.dst_root),
                                    args.dst_root) for rel in sources}
        lines = []
        with open(args.ann_file) as f:
            for line in f:
                tokens = line.split()
                if tokens and tokens[0] in out_rel:
                    line = line.replace(tokens[0], out_rel[tokens[0]], 1)
                lines.append(line)
        tmp = _temp_beside(args.ann_out, '.txt')
        with open(tmp, 'w') as f:
            f.writelines(lines)
        os.replace(tmp, args.ann_out)
    elif renamed:
        print(f'[resize_videos_av] {renamed} copies changed extension to '
              '.mp4: point the annotation file at them (--ann-out)')
    print(f'[resize_videos_av] {counts["written"]} written, '
          f'{counts["kept"]} kept, {counts["failed"]} failed')
    return 1 if counts['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
