"""train -> checkpoint -> resume -> test through the tools, on demo data."""
import glob
import json
import os.path as osp

import torch

from helpers.runs import demo_options, run_tool

PRETRAIN = 'configs/demo/avcl_r3d_demo_pretrain.py'
FINETUNE = 'configs/demo/avcl_r3d_demo_finetune.py'


def _state(path):
    from avcl_mm.engine.checkpoint import safe_torch_load
    return safe_torch_load(path, map_location='cpu')


def test_pretrain_resume_finetune_test(tiny_demo, tmp_path):
    pre = tmp_path / 'pretrain'
    opts = demo_options(tiny_demo, pre)
    # pretraining config has no val/test loaders
    opts = [o for o in opts if not o.startswith(('val_', 'test_'))]
    run_tool('tools/train.py', PRETRAIN, '--cfg-options', *opts,
             'train_cfg.max_epochs=1', 'default_hooks.checkpoint.interval=1')
    first = _state(str(pre / 'epoch_1.pth'))
    assert first['meta']['epoch'] == 1
    # resume from the latest checkpoint and run one more epoch
    run_tool('tools/train.py', PRETRAIN, '--resume', '--cfg-options', *opts,
             'train_cfg.max_epochs=2', 'default_hooks.checkpoint.interval=1')
    second = _state(str(pre / 'epoch_2.pth'))
    assert second['meta']['epoch'] == 2
    log = open(sorted(glob.glob(str(pre / '*' / '*.log')))[-1]).read()
    assert 'resumed epoch: 1' in log
    # --resume clears load_from; the resumed run keeps where it started
    assert 'init_from = None' in second['meta']['cfg']
    w1 = first['state_dict']['video_backbone.conv1.conv.weight']
    w2 = second['state_dict']['video_backbone.conv1.conv.weight']
    assert not torch.equal(w1, w2)  # training went on from the checkpoint

    # frozen-feature probes: random vs pretrained, val + test (6 + 6 clips)
    probe_json = tmp_path / 'probe.json'
    proc = run_tool('tools/analysis/probe_features.py', PRETRAIN,
                    '--checkpoint', str(pre / 'last_checkpoint'),
                    '--data-root', str(tiny_demo), '--workers', '0',
                    '--out', str(probe_json))
    probe = json.load(open(probe_json))
    assert probe['checkpoint'].endswith('epoch_2.pth')
    for name in ('random', 'pretrained'):
        rows = probe['results'][name]
        assert rows['num_train'] == 12 and rows['num_eval'] == 12
        for row in ('video', 'audio', 'fused', 'neck fused'):
            for value in rows[row].values():
                # a whole number of the 12 clips right
                assert 0 <= value <= 100
                assert abs(value * 12 / 100 - round(value * 12 / 100)) < 1e-6
            assert set(rows[row]) == {'knn_top1', 'linear_top1',
                                      'recall@1', 'recall@5', 'recall@10'}
            # a query that hits at 1 hits at 5 and 10
            assert rows[row]['recall@1'] <= rows[row]['recall@5'] <= \
                rows[row]['recall@10']
    assert '| pretrained | neck fused |' in proc.stdout
    assert 'retrieval R@10' in proc.stdout
    # any annotation files, video root and class list (Kinetics-style
    # layout): the same clips give the same numbers
    explicit_json = tmp_path / 'probe_explicit.json'
    run_tool('tools/analysis/probe_features.py', PRETRAIN,
             '--checkpoint', str(pre / 'epoch_2.pth'), '--train-ann',
             str(tiny_demo / 'train.txt'), '--eval-ann',
             str(tiny_demo / 'val.txt'), str(tiny_demo / 'test.txt'),
             '--video-root', str(tiny_demo / 'videos'), '--classes',
             str(tiny_demo / 'classes.txt'), '--workers', '0', '--out',
             str(explicit_json))
    assert json.load(open(explicit_json))['results'] == probe['results']
    # a wrong path fails loudly and writes nothing
    bad = run_tool('tools/analysis/probe_features.py', PRETRAIN,
                   '--checkpoint', str(pre / 'epoch_2.pth'), '--train-ann',
                   str(tiny_demo / 'train.txt'), '--eval-ann',
                   str(tiny_demo / 'nope.txt'), '--out',
                   str(tmp_path / 'bad.json'), check=False)
    assert bad.returncode != 0 and 'nope.txt' in bad.stderr
    assert not (tmp_path / 'bad.json').exists()

    fine = tmp_path / 'finetune'
    run_tool('tools/train.py', FINETUNE, '--cfg-options',
             *demo_options(tiny_demo, fine), 'train_cfg.max_epochs=2',
             'train_cfg.val_interval=1',
             f'load_from={pre / "epoch_2.pth"}')
    log = open(glob.glob(str(fine / '*' / '*.log'))[-1]).read()
    assert 'Load checkpoint from' in log
    best = glob.glob(str(fine / 'best_acc_top1_epoch_*.pth'))
    assert len(best) == 1
    loaded = _state(best[0])['state_dict']['video_backbone.conv1.conv.weight']
    assert loaded.shape == w2.shape

    test_dir = tmp_path / 'test'
    dump = tmp_path / 'preds.pkl'
    run_tool('tools/test.py', FINETUNE, best[0], '--work-dir', str(test_dir),
             '--dump', str(dump), '--cfg-options',
             *demo_options(tiny_demo, test_dir)[1:])
    result = json.load(open(test_dir / 'test_metrics.json'))
    metrics = result['metrics']
    assert {'acc/top1', 'acc/top5', 'acc/mean1'} <= set(metrics)
    assert 0.0 <= metrics['acc/top1'] <= 1.0
    # the result says what it is, from the checkpoints' stored configs and
    # seeds (the finetuning drew its seed; the pretraining resumed with its)
    run = result['run']
    assert (run['method'], run['backbone'], run['protocol']) == (
        'AVCL', 'R3D', 'finetune')
    assert (run['pretrain_epochs'], run['finetune_epochs']) == (2, 2)
    assert run['dataset'] == tiny_demo.name
    assert run['seed'] == _state(best[0])['meta']['seed']
    assert run['pretrain_seed'] == second['meta']['seed']
    assert osp.getsize(dump) > 0
