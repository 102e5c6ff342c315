"""Write Kinetics-Sounds (K32) and K100 annotation files from Kinetics-400.

Inputs: the folder of downloaded Kinetics-400 videos (any layout: files are
found by name) and its annotations, either the official csv files (columns
``label,youtube_id,time_start,time_end,split``; videos named
``<youtube_id>_<start:06d>_<end:06d>.<ext>`` or ``<youtube_id>.<ext>``) or
mmaction-style lists (``path label_index`` with ``--label-map``, or
``class_folder/file.mp4 ...`` where the folder names the class). A list's
split comes from a ``split=file`` prefix, the csv ``split`` column, or the
file name (train / val / test).

For every split it writes ``OUT/k32_<split>.txt`` and ``OUT/k100_<split>.txt``
(``path label`` lines, paths relative to ``--video-root``, labels index the
class lists written as ``OUT/k32_classes.txt`` / ``OUT/k100_classes.txt``)
and ``OUT/report_<split>.json`` listing videos missing on disk, without an
audio track or unreadable (probed with decord; ``--no-probe`` skips it).
K100 is a reconstruction (the papers publish no list), see its header.

Resumable: probe results are cached in ``OUT/probe_cache.jsonl`` and a
split whose report exists is skipped, unless ``--force``.

    python tools/data/prepare_kinetics_sounds.py --video-root \\
        data/kinetics400/videos --ann data/kinetics400/annotations/*.csv \\
        --out data/kinetics_sounds --workers 8
"""
import argparse
import csv
import json
import os
import os.path as osp
import re
import sys
from collections import defaultdict
from multiprocessing import Pool
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from check_dataset import probe_video  # noqa: E402

LISTS = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'avcl_mm',
                 'datasets', 'class_lists')
SUBSETS = dict(k32=osp.join(LISTS, 'kinetics_sounds32.txt'),
               k100=osp.join(LISTS, 'kinetics_sounds100.txt'))
VIDEO_EXTS = ('.mp4', '.mkv', '.webm', '.avi', '.mov')
SPLIT_NAMES = dict(train='train', training='train', val='val',
                   validate='val', validation='val', test='test',
                   testing='test')


def norm(name: str) -> str:
    """Comparable class name: lower case, ``_`` as space, no quotes."""
    return ' '.join(name.strip().strip('"').replace('_', ' ').lower().split())


def read_names(path: str) -> List[str]:
    """Names of a class list / label map (``#`` lines skipped)."""
    with open(path) as f:
        return [line.strip() for line in f
                if line.strip() and not line.startswith('#')]


def index_videos(root: str) -> Dict[str, str]:
    """Map file stem and YouTube id -> path relative to ``root``."""
    found: Dict[str, str] = {}
    for folder, _, files in os.walk(root):
        for name in sorted(files):
            stem, ext = osp.splitext(name)
            if ext.lower() not in VIDEO_EXTS:
                continue
            rel = osp.relpath(osp.join(folder, name), root)
            found.setdefault(stem, rel)
            match = re.match(r'^(.{11})_\d{6}_\d{6}$', stem)
            if match:
                found.setdefault(match.group(1), rel)
    return found


def split_of(spec: str) -> Tuple[Optional[str], str]:
    """``'val=path'`` -> ``('val', path)``; else the split in the name."""
    if '=' in spec and not osp.exists(spec):
        split, path = spec.split('=', 1)
        return SPLIT_NAMES.get(split.lower(), split), path
    base = osp.basename(spec).lower()
    for word in ('validate', 'val', 'train', 'test'):
        if word in base:
            return SPLIT_NAMES[word], spec
    return None, spec


def read_annotations(specs: List[str], videos: Dict[str, str],
                     label_map: Optional[List[str]],
                     video_root: str) -> List[dict]:
    """Rows ``dict(split, name, key, rel)``; ``rel`` is None if missing."""
    rows = []
    for spec in specs:
        split, path = split_of(spec)
        if path.endswith('.csv'):
            with open(path, newline='') as f:
                for row in csv.DictReader(f):
                    if not row.get('label'):
                        continue  # unlabeled test rows cannot be assigned
                    start = int(float(row['time_start']))
                    end = int(float(row['time_end']))
                    key = f"{row['youtube_id']}_{start:06d}_{end:06d}"
                    rel = videos.get(key) or videos.get(row['youtube_id'])
                    row_split = SPLIT_NAMES.get(
                        row.get('split', '').lower(), split)
                    rows.append(dict(split=row_split or 'train', key=key,
                                     name=norm(row['label']), rel=rel))
            continue
        with open(path) as f:
            for line in f:
                tokens = line.split()
                if not tokens or tokens[0].startswith('#'):
                    continue
                if label_map is not None and len(tokens) > 1:
                    name = label_map[int(tokens[1])]
                else:
                    name = tokens[0].replace('\\', '/').split('/')[-2] \
                        if '/' in tokens[0] else ''
                stem = osp.splitext(osp.basename(tokens[0]))[0]
                rel = tokens[0] if osp.isfile(osp.join(
                    video_root, tokens[0])) else videos.get(stem)
                rows.append(dict(split=split or 'train', key=tokens[0],
                                 name=norm(name), rel=rel))
    return rows


def _probe(job: Tuple[str, str, bool]) -> Tuple[str, dict]:
    rel, path, decode_audio = job
    rec = probe_video(path, decode_audio=decode_audio, min_frames=0)
    return rel, dict(problem=rec['problem'], error=rec['error'])


def probe_all(rels: List[str], args: argparse.Namespace) -> Dict[str, dict]:
    """Probe results for ``rels``, from the cache or decord (with a
    progress bar), appended to the cache as they come."""
    cache_file = osp.join(args.out, 'probe_cache.jsonl')
    cache: Dict[str, dict] = {}
    if osp.isfile(cache_file):
        with open(cache_file) as f:
            for line in f:
                item = json.loads(line)
                cache[item.pop('rel')] = item
    todo = [r for r in dict.fromkeys(rels) if r not in cache]
    if todo:
        from mmengine.utils import ProgressBar
        print(f'probing {len(todo)} videos ({len(cache)} cached)')
        bar = ProgressBar(len(todo))
        jobs = [(r, osp.join(args.video_root, r), not args.no_decode_audio)
                for r in todo]
        pool = Pool(args.workers) if args.workers > 1 else None
        results = pool.imap_unordered(_probe, jobs, chunksize=4) if pool \
            else map(_probe, jobs)
        with open(cache_file, 'a') as f:
            for rel, rec in results:
                cache[rel] = rec
                f.write(json.dumps(dict(rel=rel, **rec)) + '\n')
                f.flush()
                bar.update()
        if pool:
            pool.close()
        print()
    return cache


def write_split(split: str, rows: List[dict], classes: Dict[str, List[str]],
                args: argparse.Namespace) -> dict:
    """Write the annotation files and report of one split."""
    wanted = {norm(n) for names in classes.values() for n in names}
    rows = [r for r in rows if r['name'] in wanted]
    report = dict(split=split, missing=sorted(r['key'] for r in rows
                                              if r['rel'] is None),
                  no_audio=[], unreadable=[])
    present = [r for r in rows if r['rel'] is not None]
    if not args.no_probe:
        probes = probe_all([r['rel'] for r in present], args)
        keep = []
        for r in present:
            problem = probes[r['rel']]['problem']
            if problem == 'no audio stream':
                report['no_audio'].append(r['rel'])
                if not args.keep_no_audio:
                    continue
            elif problem is not None:
                report['unreadable'].append(dict(
                    path=r['rel'], problem=problem,
                    error=probes[r['rel']]['error']))
                continue
            keep.append(r)
        present = keep
    for subset, names in classes.items():
        index = {norm(n): i for i, n in enumerate(names)}
        lines = sorted(f"{r['rel']} {index[r['name']]}" for r in present
                       if r['name'] in index)
        out = osp.join(args.out, f'{subset}_{split}.txt')
        with open(out + '.tmp', 'w') as f:
            f.write(''.join(line + '\n' for line in lines))
        os.replace(out + '.tmp', out)
        report[f'{subset}_videos'] = len(lines)
    report['counts'] = {k: len(v) for k, v in report.items()
                        if isinstance(v, list)}
    with open(osp.join(args.out, f'report_{split}.json'), 'w') as f:
        json.dump(report, f, indent=1)
    return report


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--video-root', required=True,
                   help='folder holding the Kinetics-400 videos')
    p.add_argument('--ann', nargs='+', required=True,
                   help='annotation csv / txt files ([split=]path)')
    p.add_argument('--out', default='data/kinetics_sounds',
                   help='output folder for the k32/k100 lists, class lists '
                   'and reports (default: data/kinetics_sounds)')
    p.add_argument('--label-map', help='K400 class names by index, for '
                   'txt lists whose labels are indices')
    p.add_argument('--subsets', nargs='+', default=list(SUBSETS),
                   choices=list(SUBSETS),
                   help='Kinetics-Sounds subsets to write (default: all)')
    p.add_argument('--no-probe', action='store_true',
                   help='do not open the videos (only check they exist)')
    p.add_argument('--no-decode-audio', action='store_true',
                   help='probe the audio header only (faster)')
    p.add_argument('--keep-no-audio', action='store_true',
                   help='keep videos without an audio track')
    p.add_argument('--workers', type=int, default=1,
                   help='processes that probe videos (default: 1)')
    p.add_argument('--force', action='store_true',
                   help='redo finished splits and re-probe')
    return p.parse_args(argv)


def check_inputs(args: argparse.Namespace) -> None:
    """Exit with a clear message (before anything is written) when the video
    root or an annotation file does not exist."""
    tool = 'prepare_kinetics_sounds.py'
    if not osp.isdir(args.video_root):
        sys.exit(f'{tool}: --video-root {args.video_root} is not a folder; '
                 'pass the folder holding the Kinetics-400 videos (with '
                 'their audio tracks).')
    for spec in args.ann:
        path = split_of(spec)[1]
        if not osp.isfile(path):
            sys.exit(f'{tool}: --ann {path} does not exist; pass the '
                     'Kinetics-400 annotation csv (or txt list) files.')


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    check_inputs(args)
    classes = {s: read_names(SUBSETS[s]) for s in args.subsets}
    label_map = read_names(args.label_map) if args.label_map else None
    videos = index_videos(args.video_root)
    if not videos:
        sys.exit(f'prepare_kinetics_sounds.py: no video files '
                 f'({", ".join(sorted(VIDEO_EXTS))}) under --video-root '
                 f'{args.video_root}; nothing written.')
    rows = read_annotations(args.ann, videos, label_map, args.video_root)
    if not any(r['rel'] for r in rows):
        sys.exit(f'prepare_kinetics_sounds.py: none of the {len(rows)} '
                 f'annotated videos of {args.ann} is under --video-root '
                 f'{args.video_root} (file names must be YouTube ids, '
                 'optionally with _start_end); nothing written.')
    # the inputs are usable: only now is anything written
    os.makedirs(args.out, exist_ok=True)
    cache_file = osp.join(args.out, 'probe_cache.jsonl')
    if args.force and osp.isfile(cache_file):
        os.remove(cache_file)  # re-probe everything
    for subset in args.subsets:
        with open(SUBSETS[subset]) as src, \
                open(osp.join(args.out, f'{subset}_classes.txt'), 'w') as dst:
            dst.write(src.read())
    seen = {r['name'] for r in rows}
    for subset, names in classes.items():
        absent = [n for n in names if norm(n) not in seen]
        if absent:
            print(f'note: {len(absent)} of {len(names)} {subset} classes '
                  f'have no annotated video (e.g. {absent[0]!r})')
    by_split = defaultdict(list)
    for row in rows:
        by_split[row['split']].append(row)
    for split in sorted(by_split):
        if osp.isfile(osp.join(args.out, f'report_{split}.json')) \
                and not args.force:
            print(f'{split}: done before (report exists), skipped; '
                  '--force redoes it')
            continue
        report = write_split(split, by_split[split], classes, args)
        print(f'{split}: ' + ', '.join(
            f'{k}={v}' for k, v in report.items()
            if k.endswith('_videos')) + f", problems={report['counts']}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
