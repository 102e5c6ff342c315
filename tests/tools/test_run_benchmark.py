"""tools/analysis/run_benchmark.py: its plan (stages, dependencies, the
commands), a tiny real run through every stage of one method and the
leaderboard, and resuming without rerunning anything."""
import importlib.util
import json
import os.path as osp

import pytest

from helpers.runs import REPO, run_tool

TOOL = 'tools/analysis/run_benchmark.py'


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        'run_benchmark_tool', osp.join(REPO, TOOL))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


rb = _load_tool()


def test_help_explains_stages_presets_and_resuming():
    proc = run_tool(TOOL, '--help')
    for words in ('--preset', '--seeds', '--jobs', 'quick', 'full',
                  'Resumable', 'OMP_NUM_THREADS', 'leaderboard'):
        assert words in proc.stdout


def test_plan_orders_stages_and_cma_waits_for_cross_avid(tmp_path):
    args = rb.parse_args(['--methods', 'cma', 'baseline_r', 'random',
                          '--seeds', '0', '1', '2', '--out',
                          str(tmp_path)])
    assert args.methods[:2] == ['avid_cross', 'cma']  # added for CMA
    tasks = {t.name: t for t in rb.plan(args)}
    assert [d.name for d in tasks['cma seed1 pretrain'].deps] == [
        'data prepare', 'avid_cross seed1 pretrain']
    assert [d.name for d in tasks['cma seed1 finetune'].deps] == [
        'cma seed1 pretrain']
    assert [d.name for d in tasks['baseline_r seed2 test'].deps] == [
        'baseline_r seed2 train']
    assert 'random seed0 probe' in tasks and \
        'random seed0 test' not in tasks
    cma = rb.command(tasks['cma seed1 pretrain'], args)
    assert f'load_from={tmp_path}/avid_cross/seed1/pretrain/epoch_20.pth' \
        in cma and 'train_cfg.max_epochs=20' in cma
    probe = rb.command(tasks['cma seed1 probe'], args)
    assert probe[probe.index('--checkpoint') + 1].endswith(
        'cma/seed1/pretrain/epoch_20.pth')
    fine = rb.command(tasks['cma seed1 finetune'], args)
    assert fine[2] == 'configs/bench/concat_r3d_bench_finetune.py'
    assert any(o.startswith('load_from=') and o.endswith('epoch_20.pth')
               for o in fine)


def test_presets_and_errors(tmp_path, capsys):
    quick = rb.parse_args(['--preset', 'quick'])
    assert quick.methods == ['random', 'avcl', 'simclr', 'baseline_ra']
    assert (quick.pretrain_epochs, quick.finetune_epochs) == (15, 8)
    full = rb.parse_args([])
    assert len(full.methods) >= 15 and full.seeds == [0, 1, 2]
    with pytest.raises(SystemExit):
        rb.parse_args(['--methods', 'nope'])
    with pytest.raises(SystemExit):
        rb.parse_args(['--seeds', '1', '1', '2'])


@pytest.fixture(scope='module')
def tiny_bench(tmp_path_factory):
    """4 bench classes, 2 train / 1 val / 1 test clips each."""
    out = tmp_path_factory.mktemp('bench')
    run_tool('tools/data/make_demo_dataset.py', '--preset', 'bench',
             '--out', str(out), '--classes', '4', '--train-per-class', '2',
             '--val-per-class', '1', '--test-per-class', '1')
    return out


def test_a_tiny_run_then_a_resume_that_reruns_nothing(tiny_bench,
                                                      tmp_path):
    out = tmp_path / 'run'
    args = [TOOL, '--methods', 'simclr', '--seeds', '0', '--out', str(out),
            '--data-root', str(tiny_bench), '--pretrain-epochs', '2',
            '--finetune-epochs', '2', '--cfg-options',
            'train_dataloader.batch_size=4']
    proc = run_tool(*args, timeout=900)
    assert '5 stages to run, 0 done before' in proc.stdout
    seed = out / 'simclr' / 'seed0'
    for stage in ('pretrain', 'probe', 'finetune', 'test'):
        assert (seed / f'{stage}.done').is_file()
        assert (seed / f'{stage}.log').is_file()
    run = json.loads((seed / 'test' / 'test_metrics.json').read_text())[
        'run']
    assert (run['method'], run['protocol'], run['seed'],
            run['pretrain_epochs'], run['finetune_epochs']) == (
        'SimCLR', 'finetune', 0, 2, 2)
    probe = json.loads((seed / 'probe.json').read_text())
    assert probe['run']['method'] == 'SimCLR'
    assert 'neck fused' in probe['results']['pretrained']
    table = (out / 'leaderboard' / 'table.md').read_text()
    assert '| 1 | SimCLR | R3D | frozen | 1 |' in table
    assert '| 1 | SimCLR | R3D | finetune | 1 |' in table
    timing = json.loads((out / 'benchmark.json').read_text())
    assert timing['cpu_seconds'] > 0 and len(timing['sessions']) == 1
    # again: only the (idempotent) data step runs
    again = run_tool(*args, timeout=600)
    assert '1 stages to run, 4 done before' in again.stdout
    assert len(json.loads((out / 'benchmark.json').read_text())[
        'sessions']) == 2
