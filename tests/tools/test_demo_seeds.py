"""tools/analysis/demo_seeds.py and summarize_demo.py: the demo's numbers
over seeds (aggregated by the leaderboard code) and where one run lies
relative to them; on hand-made result files (no training)."""
import importlib.util
import json
import os.path as osp
import sys

import pytest

from helpers.runs import REPO

ANALYSIS = osp.join(REPO, 'tools', 'analysis')


def _load(name):
    sys.path.insert(0, ANALYSIS)
    spec = importlib.util.spec_from_file_location(
        f'{name}_tool', osp.join(ANALYSIS, f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


seeds_tool = _load('demo_seeds')
summary_tool = _load('summarize_demo')


def _demo_run(work, seed, linear, top1):
    """The two result files of one tools/demo.sh run."""
    work.mkdir(parents=True)
    run = dict(method='AVCL', backbone='R3D', dataset='demo', seed=seed,
               pretrain_epochs=30)
    rows = dict(fused=dict(linear_top1=linear, knn_top1=linear - 10),
                **{'neck fused': dict(linear_top1=linear - 1,
                                      knn_top1=linear - 20)},
                num_train=96, num_eval=48)
    random = dict(fused=dict(linear_top1=50.0, knn_top1=48.0 + seed))
    (work / 'probe.json').write_text(json.dumps(dict(
        run=dict(run, protocol='frozen'), random_seed=seed,
        eval_splits=['val', 'test'],
        results=dict(random=random, pretrained=rows))))
    (work / 'test').mkdir()
    (work / 'test' / 'test_metrics.json').write_text(json.dumps(dict(
        config='c.py', checkpoint='best_acc_top1_epoch_24.pth',
        metrics={'acc/top1': top1 / 100, 'acc/top5': 1.0,
                 'acc/mean1': top1 / 100},
        run=dict(run, protocol='finetune', finetune_epochs=30))))


@pytest.fixture
def reference(tmp_path):
    out = tmp_path / 'seeds'
    for seed, (linear, top1) in enumerate(((90.0, 95.0), (86.0, 100.0),
                                           (88.0, 91.0))):
        _demo_run(out / f'seed{seed}', seed, linear, top1)
    return seeds_tool.reference(str(out), [0, 1, 2], 'CMD', {0: 200.0})


def test_the_reference_holds_means_intervals_and_every_seed(reference):
    by = {(m['method'], m['metric']): m for m in reference['metrics']}
    linear = by[('AVCL', 'linear_va')]
    # 90, 86, 88: mean 88, s = 2, half-width 4.3027 * 2 / sqrt(3)
    assert linear['mean'] == pytest.approx(88.0)
    assert linear['half_width'] == pytest.approx(4.9683, abs=1e-3)
    # one more run: 88 ± 4.3027 * 2 * sqrt(4 / 3)
    assert linear['pred_high'] == pytest.approx(88 + 9.9366, abs=1e-3)
    assert linear['values'] == {'0': 90.0, '1': 86.0, '2': 88.0}
    assert by[('AVCL', 'top1')]['mean'] == pytest.approx(95.333, abs=1e-3)
    assert by[('Random init', 'knn_va')]['values'] == {
        '0': 48.0, '1': 49.0, '2': 50.0}
    assert reference['command'] == 'CMD' and reference['seeds'] == [0, 1, 2]
    assert '| AVCL, linear probe on [v; a] | 88.0 ± 5.0 |' in \
        seeds_tool.markdown(reference)


def test_summary_places_a_run_against_the_reference(reference, tmp_path,
                                                    capsys):
    ref = tmp_path / 'ref.json'
    ref.write_text(json.dumps(reference))
    # seed 0 again, as the reference ran it: the same numbers
    _demo_run(tmp_path / 'same', 0, 90.0, 95.0)
    summary_tool.main(['--work', str(tmp_path / 'same'), '--reference',
                       str(ref)])
    out = capsys.readouterr().out
    assert 'Where this run (seed 0) lies relative to 3 seeds of `CMD`' in out
    assert '| AVCL, linear probe on [v; a] | 90.0 | 88.0 ± 5.0 | ' \
        '[78.1, 97.9] | 86.0–90.0 | repeats seed 0 of the reference ' \
        'exactly |' in out
    # a seed the reference lacks, far off
    _demo_run(tmp_path / 'far', 7, 40.0, 96.0)
    summary_tool.main(['--work', str(tmp_path / 'far'), '--reference',
                       str(ref)])
    out = capsys.readouterr().out
    assert '| AVCL, linear probe on [v; a] | 40.0 |' in out
    assert 'OUTSIDE the prediction interval' in out
    assert '| AVCL finetuned, test top-1 | 96.0 | 95.3 ± ' in out
    assert 'inside the CI of the mean' in out
