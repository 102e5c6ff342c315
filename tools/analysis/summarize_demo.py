"""Print the demo's result table from the files tools/demo.sh writes.

    python tools/analysis/summarize_demo.py --work work_dirs/demo
"""
import argparse
import json
import os.path as osp


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work', default='work_dirs/demo',
                        help='work dir of tools/demo.sh, read for probe.json '
                        'and test/test_metrics.json (default: '
                        'work_dirs/demo)')
    args = parser.parse_args(argv)
    lines = ['', '## Demo results', '']
    probe_file = osp.join(args.work, 'probe.json')
    if osp.isfile(probe_file):
        with open(probe_file) as f:
            probe = json.load(f)
        results = probe['results']
        counts = results['random']
        lines += [f'Frozen features, top-1 % on '
                  f'{" + ".join(probe.get("eval_splits", ["test"]))} '
                  f'({counts.get("num_eval", "?")} clips; probes fitted on '
                  f'{counts.get("num_train", "?")} train clips):', '',
                  '| encoders | feature | kNN (k=10) | linear probe | '
                  'retrieval R@1 / R@5 / R@10 |',
                  '| --- | --- | --- | --- | --- |']
        for name, rows in results.items():
            for key, row in rows.items():
                if isinstance(row, dict):
                    recall = ' / '.join(
                        f'{row[k]:.1f}' for k in
                        ('recall@1', 'recall@5', 'recall@10') if k in row)
                    lines.append(f'| {name} | {key} | '
                                 f'{row["knn_top1"]:.1f} | '
                                 f'{row["linear_top1"]:.1f} | '
                                 f'{recall or "-"} |')
        lines.append('')
    test_file = osp.join(args.work, 'test', 'test_metrics.json')
    if osp.isfile(test_file):
        with open(test_file) as f:
            test = json.load(f)
        m = test['metrics']
        lines += ['AVCL pretrain -> finetune, 3-clip test on the test split:',
                  '',
                  '| method | top-1 | top-5 | mean class acc. | checkpoint |',
                  '| --- | --- | --- | --- | --- |',
                  f'| AVCL R3D (demo) | {100 * m.get("acc/top1", 0):.1f} | '
                  f'{100 * m.get("acc/top5", 0):.1f} | '
                  f'{100 * m.get("acc/mean1", 0):.1f} | '
                  f'{osp.basename(test["checkpoint"])} |']
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
