"""Classify videos with a finetuned audio-visual recognizer: the top-k
classes and their scores, from the frames and the video's own audio track.

    python tools/infer.py CONFIG CHECKPOINT VIDEO [VIDEO ...] [--top-k 5]
        [--device cpu] [--classes FILE] [--out results.json]
        [--cfg-options k=v ...]

A video without an audio track is classified on silence, with a warning.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..')))

from mmengine.config import DictAction  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='Example: python tools/infer.py '
        'configs/demo/avcl_r3d_demo_finetune.py '
        'work_dirs/demo/finetune/best_acc_top1_epoch_30.pth '
        'data/demo/videos/test/down_tone_000.mp4')
    parser.add_argument('config', help='a finetuning config (with cls_head), '
                        'e.g. configs/avcl_r3d_k32_finetune.py')
    parser.add_argument('checkpoint',
                        help='finetuned checkpoint (.pth) to classify with')
    parser.add_argument('videos', nargs='+', metavar='VIDEO',
                        help='video files (their audio track is used)')
    parser.add_argument('--top-k', type=int, default=5,
                        help='number of classes to print per video '
                        '(default: 5)')
    parser.add_argument('--device', default='cpu',
                        help="torch device, e.g. 'cpu' or 'cuda:0' "
                        "(default: 'cpu')")
    parser.add_argument('--classes', default=None,
                        help='class-list file (one name per line); default: '
                        "the config's class list, else label numbers")
    parser.add_argument('--out', default=None,
                        help='also write the results to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, as in '
                        'tools/train.py (key=value ...)')
    args = parser.parse_args(argv)
    if args.top_k < 1:
        parser.error('--top-k must be >= 1')
    return args


def main(argv=None):
    args = parse_args(argv)
    from avcl_mm.apis import (class_names, inference_av_recognizer,
                              init_av_recognizer, top_k_classes)
    from avcl_mm.datasets.audio_visual_dataset import read_class_list
    missing = [p for p in [args.config, args.checkpoint] + args.videos
               if not osp.isfile(p)]
    if missing:
        sys.exit('infer.py: no such file: ' + ', '.join(missing))
    model = init_av_recognizer(args.config, args.checkpoint, args.device,
                               cfg_options=args.cfg_options)
    classes = read_class_list(args.classes) if args.classes else \
        class_names(model)
    if classes is None:
        print('infer.py: the config names no class list that exists here; '
              'printing label numbers (pass --classes FILE for names)',
              file=sys.stderr)
    results = []
    for video in args.videos:
        result = inference_av_recognizer(model, video)
        top = top_k_classes(result, args.top_k, classes)
        print(video)
        for rank, (label, name, score) in enumerate(top, 1):
            print(f'  {rank}. {name} (label {label}): {score:.4f}')
        results.append(dict(video=video, top_k=[
            dict(label=label, name=name, score=score)
            for label, name, score in top]))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
        print(f'wrote {args.out}')
    return results


if __name__ == '__main__':
    main()
