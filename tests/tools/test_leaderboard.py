"""tools/leaderboard.py: aggregating a hand-made multi-seed run into means,
intervals, ranks and paired comparisons, and writing them."""
import csv
import importlib.util
import json
import math
import os.path as osp

import pytest

from helpers.runs import REPO


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        'leaderboard_tool', osp.join(REPO, 'tools', 'leaderboard.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lb = _load_tool()
T2 = 4.302653  # t_{0.975, 2}


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def _run(method, seed, protocol='finetune', **over):
    run = dict(method=method, kind='ssl', backbone='R3D', base_channels=8,
               protocol=protocol, dataset='bench', pretrain_epochs=40,
               finetune_epochs=20, seed=seed)
    if protocol == 'from scratch':
        run.update(kind='supervised', pretrain_epochs=None)
    run.update(over)
    return run


def _test_result(root, method, seed, top1, protocol='finetune'):
    _write(root / method / f'seed{seed}' / 'test' / 'test_metrics.json',
           dict(config='c.py', checkpoint='best.pth',
                metrics={'acc/top1': top1 / 100, 'acc/top5': 1.0,
                         'acc/mean1': top1 / 100},
                run=_run(method, seed, protocol)))


def _probe_result(root, method, seed, linear, knn, neck=None,
                  random=None):
    rows = dict(fused=dict(linear_top1=linear, knn_top1=knn,
                           **{'recall@1': knn}),
                num_train=288, num_eval=576)
    if neck is not None:
        rows['neck fused'] = dict(linear_top1=neck, knn_top1=neck - 5)
    results = dict(pretrained=rows)
    if random is not None:
        results['random'] = dict(fused=dict(linear_top1=random,
                                            knn_top1=random))
    _write(root / method / f'seed{seed}' / 'probe.json',
           dict(run=_run(method, seed, 'frozen'), results=results,
                random_seed=seed))


@pytest.fixture
def fake_run(tmp_path):
    """Three seeds of AVCL, SimCLR and MoCo (probes and finetuning), a
    supervised baseline, AVCL's random-init rows, and an old result file
    without a run description."""
    root = tmp_path / 'bench'
    finetune = dict(AVCL=(70.0, 74.0, 71.0), SimCLR=(68.0, 70.0, 68.0),
                    MoCo=(60.0, 61.0, 65.0))
    for method, values in finetune.items():
        for seed, top1 in enumerate(values):
            _test_result(root, method, seed, top1)
    for seed, top1 in enumerate((50.0, 55.0, 57.5)):
        _test_result(root, 'Baseline-R+A', seed, top1, 'from scratch')
    linear = dict(AVCL=(60.0, 62.0, 67.0), SimCLR=(55.0, 56.0, 58.0),
                  MoCo=(63.0, 62.0, 67.0))
    for method, values in linear.items():
        for seed, value in enumerate(values):
            _probe_result(root, method, seed, value, value - 10,
                          neck=value - 2 if method != 'MoCo' else None,
                          random=20.0 + seed if method == 'AVCL' else None)
    _write(root / 'old' / 'test' / 'test_metrics.json',
           dict(config='c.py', checkpoint='x.pth',
                metrics={'acc/top1': 0.9}))
    return root


def test_groups_get_the_mean_interval_and_per_seed_values(fake_run):
    built = lb.build([str(fake_run)])
    groups = {(g['method'], g['protocol']): g for g in built['groups']}
    avcl = groups[('AVCL', 'frozen')]
    # 60, 62, 67: mean 63, s = sqrt(13): half-width 4.3027 * sqrt(13 / 3)
    stats = avcl['stats']['linear_va']
    assert stats['n'] == 3 and stats['mean'] == pytest.approx(63.0)
    assert stats['half_width'] == pytest.approx(T2 * math.sqrt(13 / 3),
                                                abs=1e-4)
    assert avcl['values']['linear_va'] == {0: 60.0, 1: 62.0, 2: 67.0}
    assert avcl['stats']['knn_va']['mean'] == pytest.approx(53.0)
    assert avcl['stats']['linear_neck']['mean'] == pytest.approx(61.0)
    # the random-init rows are their own group, seeded by the probe
    random = groups[('Random init', 'frozen')]
    assert random['values']['linear_va'] == {0: 20.0, 1: 21.0, 2: 22.0}
    fine = groups[('AVCL', 'finetune')]['stats']['top1']
    assert fine['mean'] == pytest.approx(215 / 3)
    assert built['skipped'] == [str(fake_run / 'old' / 'test' /
                                    'test_metrics.json')]


def test_tables_rank_by_the_mean_and_hold_their_protocols(fake_run):
    tables = lb.build([str(fake_run)])['tables']
    probe = tables[('probe', 'bench')]
    assert [(g['method'], g['rank']['probe']) for g in probe] == [
        ('MoCo', 1), ('AVCL', 2), ('SimCLR', 3), ('Random init', 4)]
    fine = tables[('finetune', 'bench')]
    assert [(g['method'], g['protocol'], g['rank']['finetune'])
            for g in fine] == [
        ('AVCL', 'finetune', 1), ('SimCLR', 'finetune', 2),
        ('MoCo', 'finetune', 3), ('Baseline-R+A', 'from scratch', 4)]


def test_paired_comparisons_of_the_reference_on_common_seeds(fake_run):
    comparisons = lb.build([str(fake_run)])['comparisons']
    found = {(c['metric'], c['method']): c for c in comparisons}
    # finetune AVCL - SimCLR: differences 2, 4, 3 (worked in test_stats)
    c = found[('top1', 'SimCLR')]
    t = 3 * math.sqrt(3)
    assert c['n'] == 3 and c['seeds'] == [0, 1, 2]
    assert c['mean_diff'] == pytest.approx(3.0)
    assert c['p'] == pytest.approx(1 - t / math.sqrt(2 + t * t))
    assert c['verdict'].startswith('AVCL higher')
    # probe AVCL - MoCo: differences -3, 0, 0: no significant difference
    c = found[('linear_va', 'MoCo')]
    assert c['mean_diff'] == pytest.approx(-1.0)
    assert c['verdict'] == 'no significant difference'
    # Holm: the smallest of m p-values is multiplied by m (capped at 1)
    fine = [c for c in comparisons if c['metric'] == 'top1']
    smallest = min(fine, key=lambda c: c['p'])
    assert smallest['p_holm'] == pytest.approx(min(1, len(fine) *
                                                   smallest['p']))
    assert ('top1', 'Baseline-R+A') in found  # against from scratch too
    assert all(c['reference'] == 'AVCL' for c in comparisons)


def test_holm_adjustment_known_values():
    assert lb.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert lb.holm([0.5, math.nan]) == [0.5, pytest.approx(math.nan,
                                                           nan_ok=True)]


def test_outputs_markdown_csv_json_png(fake_run, tmp_path):
    out = tmp_path / 'out'
    assert lb.main(['--work-dirs', str(fake_run), '--out', str(out),
                    '--title', 'T']) == 0
    md = (out / 'table.md').read_text()
    assert md.startswith('# T')
    assert md.index('Frozen-feature probes (bench)') < \
        md.index('Finetuning (bench)') < md.index('Paired comparisons')
    assert '| 2 | AVCL | R3D | frozen | 3 | 63.0 ± 9.0 | 53.0 ± 9.0 | ' \
        '61.0 ± 9.0 | 56.0 ± 9.0 |' in md
    assert '| 60.0, 62.0, 67.0 | 40 |' in md  # per seed, epochs
    assert '| 1 | MoCo | R3D | frozen | 3 | 64.0 ± 6.6 | 54.0 ± 6.6 | - |' \
        in md  # no neck: '-'
    assert '| 4 | Baseline-R+A | R3D | from scratch | 3 | 54.2 ± 9.5 |' in md
    assert '| top-1 | bench | AVCL − SimCLR | 3 | +3.0 | [0.5, 5.5] | ' \
        '0.035 |' in md
    assert '1 result file(s) without a `run` description' in md

    with open(out / 'table.csv') as f:
        rows = list(csv.DictReader(f))
    row = next(r for r in rows if r['method'] == 'AVCL' and
               r['metric'] == 'linear_va')
    assert (row['n'], row['mean'], row['per_seed']) == (
        '3', '63.0000', '0:60.0000 1:62.0000 2:67.0000')
    assert float(row['half_width']) == pytest.approx(8.9567, abs=1e-3)

    table = json.loads((out / 'table.json').read_text())
    assert table['measured'] is True and table['level'] == 0.95
    avcl = next(g for g in table['groups'] if g['method'] == 'AVCL' and
                g['protocol'] == 'finetune')
    assert avcl['values']['top1'] == {'0': 70.0, '1': 74.0, '2': 71.0}
    assert {c['method'] for c in table['comparisons']} >= {
        'SimCLR', 'MoCo', 'Baseline-R+A', 'Random init'}

    png = (out / 'table.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 1000
    assert not (out / 'paper_table.md').exists()


def test_a_seed_seen_twice_keeps_its_first_value(fake_run):
    _test_result(fake_run / 'again', 'AVCL', 0, 10.0)
    groups = lb.build([str(fake_run)])['groups']
    avcl = next(g for g in groups if (g['method'], g['protocol']) ==
                ('AVCL', 'finetune'))
    assert avcl['values']['top1'][0] == 70.0 and avcl['duplicates'] == 1
    copy = str(fake_run / 'again' / 'AVCL' / 'seed0' / 'test' /
               'test_metrics.json')
    assert avcl['duplicate_sources'] == [copy]


def test_the_tool_warns_of_a_seed_seen_twice(fake_run, tmp_path, capsys):
    _test_result(fake_run / 'again', 'AVCL', 0, 10.0)
    assert lb.main(['--work-dirs', str(fake_run), '--out',
                    str(tmp_path / 'out')]) == 0
    err = capsys.readouterr().err
    assert 'WARNING: AVCL (finetune) has this seed twice' in err
    assert osp.join('again', 'AVCL', 'seed0') in err


def test_paper_numbers_go_to_their_own_marked_table(fake_run, tmp_path):
    out = tmp_path / 'out'
    lb.main(['--work-dirs', str(fake_run), '--out', str(out), '--paper'])
    paper = (out / 'paper_table.md').read_text()
    assert "paper's reported" in paper and 'NOT measured' in paper
    assert '| AVCL | R(2+1)D | 77.2 | 67.1 |' in paper
    assert '| Baseline-A (audio, supervised) | R3D | 52.9 | 40.9 |' in paper
    measured = (out / 'table.md').read_text() + (out / 'table.csv').read_text()
    for number in ('77.2', '75.6', '52.9', '40.9'):
        assert number not in measured


def test_missing_work_dir_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        lb.main(['--work-dirs', str(tmp_path / 'nope'), '--out',
                 str(tmp_path / 'out')])


def test_no_results_is_a_failure_not_an_empty_table(tmp_path):
    (tmp_path / 'empty').mkdir()
    assert lb.main(['--work-dirs', str(tmp_path / 'empty'), '--out',
                    str(tmp_path / 'out')]) == 1
    assert not (tmp_path / 'out' / 'table.md').exists()
