"""The README's launch commands, run as written (data paths and the number
of processes aside) on CPU: the paper pretraining through
``tools/dist_train.sh`` without ``--seed``, its finetuning from that
checkpoint, the multi-clip ``tools/dist_test.sh``; ``--resume`` keeps the
drawn seed; ``tools/slurm_train.sh`` (under a stand-in ``srun``) starts
the paper configs too (mmaction2's own ``train.py``: test_mim_train.py)."""
import glob
import os
import os.path as osp
import re
import socket
import stat
import subprocess
import sys

import torch
from mmengine.config import Config

from helpers.runs import REPO, run_tool

sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
from smoke_configs import plan_options  # noqa: E402
from stress_dist_runs import ABORT_SIGNS  # noqa: E402

PAPER = 'configs/avcl_r2plus1d_k100.py'
PAPER_FT = 'configs/avcl_r2plus1d_k100_finetune.py'


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _opts(config, root, work, world=1, kind='train'):
    return plan_options(Config.fromfile(osp.join(REPO, config)), str(root),
                        str(work), world_size=world)[kind]


def _run(cmd, env=None, timeout=900):
    full = dict(os.environ, PYTHON=sys.executable, PORT=str(_free_port()),
                CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1')
    full.update(env or {})
    proc = subprocess.run(cmd, cwd=REPO, env=full, capture_output=True,
                          text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{cmd[:4]} exited {proc.returncode}:\n' \
        f'{out[-6000:]}'
    assert not [s for s in ABORT_SIGNS if s in out], out[-3000:]
    return out


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def _logged_seeds(work):
    logs = sorted(glob.glob(osp.join(str(work), '*', '*.log')))
    return [int(s) for log in logs
            for s in re.findall(r'Random seed: (\d+)', open(log).read())]


def test_paper_pretrain_finetune_test_with_the_dist_scripts(tiny_demo,
                                                            tmp_path):
    # bash tools/dist_train.sh configs/avcl_r2plus1d_k100.py 8
    pre = tmp_path / 'pre'
    out = _run(['bash', 'tools/dist_train.sh', PAPER, '2', '--cfg-options',
                *_opts(PAPER, tiny_demo, pre, world=2)])
    assert 'using the gloo backend' in out
    # the paper's sync_bn='torch' is turned off on CPU, once per process
    assert out.count("sync_bn='torch' turned off") == 2
    ckpt = _load(pre / 'epoch_1.pth')
    seed = ckpt['meta']['seed']
    assert isinstance(seed, int)
    assert _logged_seeds(pre) == [seed]  # rank 0 logs the drawn seed
    assert any(k.startswith('neck.') for k in ckpt['state_dict'])

    # bash tools/dist_train.sh configs/avcl_r2plus1d_k100_finetune.py 8 \
    #     --cfg-options load_from=work_dirs/avcl_r2plus1d_k100/epoch_300.pth
    ft = tmp_path / 'ft'
    _run(['bash', 'tools/dist_train.sh', PAPER_FT, '2', '--cfg-options',
          *_opts(PAPER_FT, tiny_demo, ft, world=2),
          f'load_from={pre / "epoch_1.pth"}'])
    best = glob.glob(str(ft / 'best_acc_top1_epoch_*.pth'))
    assert len(best) == 1
    tuned = _load(best[0])['state_dict']
    key = 'video_backbone.conv1.conv.conv_s.weight'
    assert key in tuned and tuned[key].shape == ckpt['state_dict'][key].shape

    # bash tools/dist_test.sh configs/avcl_r2plus1d_k100_finetune.py \
    #     work_dirs/.../best_acc_top1_epoch_*.pth 8
    test_dir = tmp_path / 'test'
    out = _run(['bash', 'tools/dist_test.sh', PAPER_FT, best[0], '2',
                '--work-dir', str(test_dir), '--cfg-options',
                *_opts(PAPER_FT, tiny_demo, ft, world=2, kind='test')])
    assert osp.isfile(test_dir / 'test_metrics.json')
    assert 'Epoch(test)' in out


def test_resume_continues_with_the_drawn_seed(tiny_demo, tmp_path):
    config = 'configs/avcl_r3d_k32.py'
    work = tmp_path / 'run'
    opts = _opts(config, tiny_demo, work)
    run_tool('tools/train.py', config, '--cfg-options', *opts)
    seed = _load(work / 'epoch_1.pth')['meta']['seed']
    # the resumed process draws another seed first, then takes the stored one
    run_tool('tools/train.py', config, '--resume', '--cfg-options', *opts,
             'train_cfg.max_epochs=2')
    assert _load(work / 'epoch_2.pth')['meta']['seed'] == seed
    assert _logged_seeds(work) == [seed, seed]
    # the log says how to repeat the run
    log = open(sorted(glob.glob(str(work / '*' / '*.log')))[0]).read()
    assert f'--seed {seed}' in log


def _fake_slurm(tmp_path):
    """A stand-in srun that starts the tasks locally with Slurm's variables
    (and a stand-in scontrol); returns the PATH to run under."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'srun').write_text(
        '#!/usr/bin/env bash\n'
        'n=1\n'
        'while [[ $# -gt 0 && $1 == -* ]]; do\n'
        '  case $1 in --ntasks=*) n=${1#--ntasks=};; -p) shift;; esac\n'
        '  shift\n'
        'done\n'
        'pids=()\n'
        'for ((i=0; i<n; i++)); do\n'
        '  SLURM_PROCID=$i SLURM_LOCALID=$i SLURM_NTASKS=$n '
        'SLURM_NODELIST=node-a "$@" & pids+=($!)\n'
        'done\n'
        'rc=0; for p in "${pids[@]}"; do wait $p || rc=1; done; exit $rc\n')
    (bin_dir / 'scontrol').write_text(
        '#!/usr/bin/env bash\necho 127.0.0.1\n')
    for f in ('srun', 'scontrol'):
        (bin_dir / f).chmod(stat.S_IRWXU)
    return f'{bin_dir}:{os.environ["PATH"]}'


def test_slurm_train_script_on_cpu(tiny_demo, tmp_path):
    """tools/slurm_train.sh under a stand-in srun."""
    path = _fake_slurm(tmp_path)
    work = tmp_path / 'slurm'
    out = _run(['bash', 'tools/slurm_train.sh', 'cpu', 'avcl', PAPER,
                '--cfg-options', *_opts(PAPER, tiny_demo, work, world=2)],
               env=dict(GPUS='2', GPUS_PER_NODE='2',
                        MASTER_PORT=str(_free_port()), PATH=path))
    assert 'using the gloo backend' in out
    log = open(glob.glob(str(work / '*' / '*.log'))[0]).read()
    assert 'Distributed launcher: slurm' in log
    assert 'Distributed training: True' in log
    assert isinstance(_load(work / 'epoch_1.pth')['meta']['seed'], int)


def test_slurm_test_script_on_cpu(tiny_demo, tmp_path):
    """tools/slurm_test.sh runs the multi-clip test of a finetuned model on
    2 Slurm tasks (stand-in srun, gloo on CPU)."""
    config = 'configs/demo/avcl_r3d_demo_finetune.py'
    work = tmp_path / 'ft'
    run_tool('tools/train.py', config, '--cfg-options',
             *_opts(config, tiny_demo, work))
    checkpoint = sorted(glob.glob(str(work / '*.pth')))[-1]
    test_dir = tmp_path / 'slurm_test'
    out = _run(['bash', 'tools/slurm_test.sh', 'cpu', 'avcl-test', config,
                checkpoint, '--work-dir', str(test_dir), '--cfg-options',
                *_opts(config, tiny_demo, work, world=2, kind='test')],
               env=dict(GPUS='2', GPUS_PER_NODE='2',
                        MASTER_PORT=str(_free_port()),
                        PATH=_fake_slurm(tmp_path)))
    assert 'Epoch(test)' in out
    assert osp.isfile(test_dir / 'test_metrics.json')
    log = open(glob.glob(str(test_dir / '*' / '*.log'))[0]).read()
    assert 'Distributed launcher: slurm' in log


def test_dist_runs_exit_zero_repeatedly(tiny_demo, tmp_path):
    """A finished two-process run exits 0 on every rank (the stress script
    repeats it; tools/analysis/stress_dist_runs.py --runs 30 for more)."""
    proc = run_tool('tools/analysis/stress_dist_runs.py', '--runs', '2',
                    '--config', 'configs/demo/avcl_r3d_demo_pretrain.py',
                    '--data-root', str(tiny_demo), '--work-dir',
                    str(tmp_path / 'stress'), timeout=900)
    assert '2 of 2 runs' in proc.stdout and '0 failed' in proc.stdout
