"""tools/dist_train.sh on CPU (gloo), and a stock mmaction backbone mixed in
by --cfg-options alone."""
import glob
import os
import os.path as osp
import socket
import subprocess
import sys

from helpers.runs import REPO, demo_options, run_tool

PRETRAIN = 'configs/demo/avcl_r3d_demo_pretrain.py'


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _train_opts(root, work_dir):
    return [o for o in demo_options(root, work_dir)
            if not o.startswith(('val_', 'test_'))]


def test_dist_train_two_cpu_processes_with_gloo(tiny_demo, tmp_path):
    work = tmp_path / 'dist'
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(_free_port()),
               CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1')
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', PRETRAIN, '2', '--cfg-options',
         *_train_opts(tiny_demo, work), 'train_dataloader.batch_size=2',
         'train_cfg.max_epochs=1', 'default_hooks.checkpoint.interval=1'],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    assert 'using the gloo backend' in out
    log = open(glob.glob(str(work / '*' / '*.log'))[-1]).read()
    assert "'world_size': 2" in log or 'world_size: 2' in log or \
        'Distributed launcher: pytorch' in log
    assert osp.isfile(work / 'epoch_1.pth')


def test_stock_x3d_video_backbone_by_cfg_options(tiny_demo, tmp_path):
    work = tmp_path / 'x3d'
    run_tool('tools/train.py', PRETRAIN, '--cfg-options',
             *_train_opts(tiny_demo, work),
             'model.video_backbone._delete_=True',
             'model.video_backbone.type=X3D',
             'model.video_backbone.gamma_w=1',
             'model.video_backbone.gamma_b=2.25',
             'model.video_backbone.gamma_d=1',
             'model.feat_channels=None', 'model.proj_channels=128',
             'train_cfg.max_epochs=1', 'default_hooks.checkpoint.interval=1')
    from avcl_mm.engine.checkpoint import safe_torch_load
    state = safe_torch_load(str(work / 'epoch_1.pth'))['state_dict']
    assert any(k.startswith('video_backbone.conv1_s') for k in state)
    # X3D's width (432, read by the dry run) projected to the audio's 128
    assert tuple(state['proj_v.weight'].shape) == (128, 432)
    assert state['neck.squeeze.weight'].shape[1] == 128 + 128
