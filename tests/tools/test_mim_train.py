"""`mim train mmaction2 CONFIG` runs mmaction2's own tools/train.py (shipped
in the package's .mim folder) on our config: the plugin must train through
it too (custom_imports registers avcl_mm, checkpoints save)."""
import os.path as osp

import pytest
import torch

from helpers.runs import REPO, demo_options, run_tool


def _mmaction_train_script():
    import mmaction
    script = osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools',
                      'train.py')
    if not osp.isfile(script):
        pytest.skip('this mmaction2 install has no .mim/tools/train.py')
    return script


def test_mmaction_own_train_script_trains_our_config(tiny_demo, tmp_path):
    script = _mmaction_train_script()
    work = tmp_path / 'mim'
    run_tool(script, 'configs/demo/avcl_r3d_demo_pretrain.py', '--work-dir',
             str(work), '--cfg-options', *demo_options(tiny_demo, work),
             'train_cfg.max_epochs=1', 'train_dataloader.dataset.classes=None',
             'val_dataloader=None', 'test_dataloader=None')
    ckpt = torch.load(work / 'epoch_1.pth', map_location='cpu',
                      weights_only=False)
    assert any(k.startswith('audio_backbone.') for k in ckpt['state_dict'])
    assert ckpt['meta']['epoch'] == 1


def test_mmaction_own_train_script_starts_a_paper_config(tiny_demo,
                                                         tmp_path):
    """A paper config without --seed (mmaction2 draws one) and without our
    launcher's additions."""
    import sys
    from mmengine.config import Config
    sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
    from smoke_configs import plan_options
    config = 'configs/avcl_c3d_k32.py'
    work = tmp_path / 'paper'
    opts = plan_options(Config.fromfile(osp.join(REPO, config)),
                        str(tiny_demo), str(work))['train']
    run_tool(_mmaction_train_script(), config, '--cfg-options', *opts)
    ckpt = torch.load(work / 'epoch_1.pth', map_location='cpu',
                      weights_only=False)
    assert isinstance(ckpt['meta']['seed'], int)
    assert ckpt['meta']['iter'] == 2
