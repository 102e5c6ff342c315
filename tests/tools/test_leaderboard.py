"""tools/leaderboard.py: reading, ranking and writing results, and one real
demo leaderboard on the tiny dataset."""
import csv
import importlib.util
import json
import os.path as osp

import pytest

from helpers.runs import REPO, run_tool


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        'leaderboard_tool', osp.join(REPO, 'tools', 'leaderboard.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lb = _load_tool()


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_text(json.dumps(data))


def _test_run(root, key, meta, top1, top5, mean1):
    _write(root / key / 'method.json', meta)
    _write(root / key / 'test' / 'test_metrics.json', dict(
        config='configs/demo/avcl_r3d_demo_finetune.py',
        checkpoint=f'{key}.pth',
        metrics={'acc/top1': top1, 'acc/top5': top5, 'acc/mean1': mean1}))
    return str(root / key / 'test' / 'test_metrics.json')


@pytest.fixture
def fake_work_dir(tmp_path):
    """Four finetune / from-scratch results (one tie) and a probe JSON."""
    root = tmp_path / 'wd'
    ssl = dict(kind='ssl', backbone='R3D', protocol='finetune',
               pretrain_epochs=2, train_epochs=3)
    paths = dict(
        avcl=_test_run(root, 'avcl', dict(ssl, name='AVCL', params_m=1.5),
                       0.75, 1.0, 0.7),
        simclr=_test_run(root, 'simclr',
                         dict(ssl, name='SimCLR', params_m=1.25),
                         0.5, 0.875, 0.5),
        moco=_test_run(root, 'moco', dict(ssl, name='MoCo', params_m=1.25),
                       0.5, 0.875, 0.5),
        base=_test_run(root, 'base', dict(
            name='Baseline-R', kind='supervised', backbone='R3D',
            protocol='from scratch', train_epochs=3, params_m=0.625),
            0.5, 0.9, 0.45))
    _write(root / 'probe' / 'method.json',
           dict(name='AVCL', backbone='R3D', pretrain_epochs=2))
    _write(root / 'probe' / 'probe.json', dict(
        checkpoint='missing.pth', eval_splits=['test'],
        results=dict(
            random=dict(fused=dict(knn_top1=20.0, linear_top1=30.0)),
            pretrained=dict(fused=dict(knn_top1=60.0, linear_top1=80.0),
                            video=dict(knn_top1=40.0, linear_top1=50.0),
                            num_train=12, num_eval=12))))
    paths['probe'] = str(root / 'probe' / 'probe.json')
    return root, paths


def test_rank_orders_groups_by_top1_top5_and_shares_ties():
    def row(method, protocol, top1, top5=None, mean=None):
        return dict(method=method, protocol=protocol, top1=top1, top5=top5,
                    mean_class_acc=mean)
    rows = [row('K1', 'kNN', 10.0), row('A', 'finetune', 50.0, 80.0, 40.0),
            row('B', 'from scratch', 50.0, 90.0, 45.0),
            row('C', 'finetune', 70.0, 90.0, 60.0),
            row('D', 'finetune', 50.0, 80.0, 40.0),
            row('E', 'finetune', 40.0, 99.0, 99.0),
            row('L1', 'linear probe', 30.0), row('L2', 'linear probe', 35.0)]
    ranked = lb.rank(rows)
    assert [(r['method'], r['rank']) for r in ranked] == [
        ('C', 1), ('B', 2), ('A', 3), ('D', 3), ('E', 5),  # end-to-end
        ('L2', 1), ('L1', 2), ('K1', 1)]


@pytest.mark.parametrize('hint, name', [
    ('avcl_r3d_demo_finetune.py', 'AVCL'),
    ('configs/baselines/demo/baseline_ra_r3d_demo.py', 'Baseline-R+A'),
    ('baseline_r_r3d_k32.py', 'Baseline-R'),
    ('baseline_a_r3d_demo', 'Baseline-A'),
    ('barlowtwins_r3d_demo_pretrain.py', 'Barlow Twins'),
    ('cmac_r3d_demo_pretrain.py', 'CMAC'),
    ('cma_r3d_k32.py', 'AVID+CMA'),
    ('avid_cross_r3d_demo_pretrain.py', 'Cross-AVID'),
    ('concat_r3d_demo_finetune.py', None),
    ('related_r3d_demo_finetune.py', None),
])
def test_identify_names_methods_from_config_names(hint, name):
    found = lb.identify(hint)
    assert (found and found['name']) == name


def test_identify_follows_load_from_to_the_pretraining(tmp_path):
    # test -> finetune (concat config: no method in its name) -> pretrain
    pre = tmp_path / 'simclr_r3d_demo_pretrain'
    loop = "type='EpochBasedTrainLoop')\n"
    _write(pre / 'simclr_r3d_demo_pretrain.py',
           f"load_from = None\ntrain_cfg = dict(\n    max_epochs=7, {loop}")
    fine = tmp_path / 'finetune'
    _write(fine / 'concat_r3d_demo_finetune.py',
           f"load_from = '{pre / 'epoch_7.pth'}'\n"
           f"train_cfg = dict(\n    max_epochs=3, {loop}")
    test = tmp_path / 'test'
    _write(test / 'concat_r3d_demo_finetune.py',
           f"x = 1\nload_from = '{fine / 'best.pth'}'\n")
    _write(test / 'test_metrics.json', dict(
        config='configs/baselines/demo/concat_r3d_demo_finetune.py',
        checkpoint=str(fine / 'best.pth'),
        metrics={'acc/top1': 0.5, 'acc/top5': 1.0, 'acc/mean1': 0.5}))
    assert lb.lineage(str(test))[-2:] == [
        'simclr_r3d_demo_pretrain', 'simclr_r3d_demo_pretrain.py']
    (row, ) = lb.rows_from_test_metrics(str(test / 'test_metrics.json'),
                                        str(tmp_path))
    assert (row['method'], row['protocol'], row['backbone']) == (
        'SimCLR', 'finetune', 'R3D')
    assert row['top1'] == 50.0 and row['params_m'] > 0  # built from config
    # the schedule, from the dumped configs along the chain
    assert (row['pretrain_epochs'], row['train_epochs']) == (7, 3)


def test_work_dirs_give_the_exact_ranked_table(fake_work_dir, tmp_path):
    root, paths = fake_work_dir
    out = tmp_path / 'out'
    p = {k: lb._short_path(v, str(out)) for k, v in paths.items()}
    assert lb.main(['--work-dirs', str(root), '--out', str(out),
                    '--title', 'T']) == 0
    header = ('| rank | method | backbone | protocol | top-1 (%) | '
              'top-5 (%) | mean class acc. (%) | params (M) | '
              'epochs (pretrain + train) | source |')
    expected = '\n'.join([
        '## T', '', header, '| ' + ' | '.join(['---'] * 10) + ' |',
        f'| 1 | AVCL | R3D | finetune | 75.0 | 100.0 | 70.0 | 1.50 | '
        f'2 + 3 | {p["avcl"]} |',
        f'| 2 | Baseline-R | R3D | from scratch | 50.0 | 90.0 | 45.0 | '
        f'0.62 | 3 | {p["base"]} |',
        f'| 3 | MoCo | R3D | finetune | 50.0 | 87.5 | 50.0 | 1.25 | '
        f'2 + 3 | {p["moco"]} |',
        f'| 3 | SimCLR | R3D | finetune | 50.0 | 87.5 | 50.0 | 1.25 | '
        f'2 + 3 | {p["simclr"]} |',
        f'| 1 | AVCL | R3D | linear probe | 80.0 | - | - | - | '
        f'2 (frozen) | {p["probe"]} |',
        f'| 1 | AVCL | R3D | kNN | 60.0 | - | - | - | 2 (frozen) | '
        f'{p["probe"]} |']) + '\n'
    assert (out / 'table.md').read_text() == expected

    with open(out / 'table.csv') as f:
        rows = list(csv.DictReader(f))
    assert [r['method'] for r in rows] == [
        'AVCL', 'Baseline-R', 'MoCo', 'SimCLR', 'AVCL', 'AVCL']
    assert rows[0]['top1'] == '75.0' and rows[4]['top5'] == ''
    assert rows[5]['protocol'] == 'kNN'

    table = json.loads((out / 'table.json').read_text())
    assert table['measured'] is True
    first = table['rows'][0]
    assert (first['method'], first['rank'], first['top1'], first['top5'],
            first['mean_class_acc'], first['params_m']) == (
                'AVCL', 1, 75.0, 100.0, 70.0, 1.5)
    assert table['rows'][4]['top5'] is None

    png = (out / 'table.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 1000
    assert not (out / 'paper_table.md').exists()


def test_probe_feature_rows_are_selectable(fake_work_dir, tmp_path):
    root, _ = fake_work_dir
    rows = lb.collect([str(root / 'probe')], ('fused', 'video'))
    assert sorted((r['method'], r['protocol'], r['top1']) for r in rows) == [
        ('AVCL', 'kNN', 60.0), ('AVCL', 'linear probe', 80.0),
        ('AVCL, video', 'kNN', 40.0), ('AVCL, video', 'linear probe', 50.0)]


def test_paper_numbers_go_to_their_own_marked_table(fake_work_dir, tmp_path):
    root, _ = fake_work_dir
    out = tmp_path / 'out'
    lb.main(['--work-dirs', str(root), '--out', str(out), '--paper'])
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


@pytest.fixture(scope='module')
def tiny_leaderboard(tiny_demo, tmp_path_factory):
    """One SSL method and one supervised baseline, 1 epoch each."""
    out = tmp_path_factory.mktemp('leaderboard')
    args = ['tools/leaderboard.py', '--demo', '--methods', 'simclr',
            'baseline_r', '--epochs', '1', '--train-epochs', '1',
            '--data-root', str(tiny_demo), '--workers', '0', '--out',
            str(out), '--cfg-options', 'train_dataloader.batch_size=4']
    first = run_tool(*args)
    return out, args, first


def test_demo_leaderboard_runs_every_stage_and_ranks(tiny_leaderboard):
    out, _, proc = tiny_leaderboard
    assert '[1/2] SimCLR (simclr)' in proc.stdout
    assert '[2/2] Baseline-R (baseline_r)' in proc.stdout
    for stage in ('simclr/pretrain/epoch_1.pth', 'simclr/finetune.log',
                  'baseline_r/train.log',
                  'simclr/test/test_metrics.json',
                  'baseline_r/test/test_metrics.json'):
        assert osp.exists(osp.join(out, stage)), stage
    # the finetuning started from the pretraining checkpoint
    log = open(osp.join(out, 'simclr', 'finetune.log')).read()
    assert f'load_from={out}/simclr/pretrain/epoch_1.pth' in log
    rows = json.load(open(osp.join(out, 'table.json')))['rows']
    assert sorted((r['method'], r['protocol']) for r in rows) == [
        ('Baseline-R', 'from scratch'), ('SimCLR', 'finetune')]
    for row in rows:
        metrics = json.load(open(osp.join(out, row['source'])))['metrics']
        assert row['top1'] == pytest.approx(100 * metrics['acc/top1'])
        assert 0 <= row['top1'] <= 100 and row['params_m'] > 0
    assert osp.getsize(osp.join(out, 'table.png')) > 1000
    assert '| SimCLR | R3D | finetune |' in open(
        osp.join(out, 'table.md')).read()


def test_demo_leaderboard_resumes_without_retraining(tiny_leaderboard):
    out, args, _ = tiny_leaderboard
    before = open(osp.join(out, 'table.md')).read()
    proc = run_tool(*args)
    assert '[1/2] SimCLR (simclr): tested before, skipped' in proc.stdout
    assert '[2/2] Baseline-R (baseline_r): tested before, skipped' in \
        proc.stdout
    assert open(osp.join(out, 'table.md')).read() == before


def test_run_pairs_tests_a_checkpoint_with_tools_test(tiny_leaderboard,
                                                      tiny_demo, tmp_path):
    out, _, _ = tiny_leaderboard
    ckpt = open(osp.join(out, 'baseline_r', 'train', 'stage.done')).read()
    root = str(tiny_demo)
    proc = run_tool(
        'tools/leaderboard.py', '--out', str(tmp_path),
        '--run', 'configs/baselines/demo/baseline_r_r3d_demo.py', ckpt,
        'Baseline-R', '--cfg-options',
        f'test_dataloader.dataset.ann_file={root}/test.txt',
        f'test_dataloader.dataset.data_prefix.video={root}/videos',
        f'test_dataloader.dataset.classes={root}/classes.txt',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False')
    assert '[1/1] Baseline-R: testing' in proc.stdout
    (row, ) = json.load(open(tmp_path / 'table.json'))['rows']
    demo = json.load(open(osp.join(out, 'baseline_r', 'test',
                                   'test_metrics.json')))['metrics']
    assert (row['method'], row['protocol']) == ('Baseline-R', 'from scratch')
    assert row['top1'] == pytest.approx(100 * demo['acc/top1'])
