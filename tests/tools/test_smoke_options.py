"""tools/analysis/smoke_configs.py shrinks what the speed configs move to the
model: the device log-mel's crop, and compiles without inductor's code
generation."""
import os.path as osp
import sys

from mmengine.config import Config

from helpers.runs import REPO

sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
from smoke_configs import plan_options  # noqa: E402


def _train_options(config, tmp_path):
    cfg = Config.fromfile(osp.join(REPO, config))
    return plan_options(cfg, str(tmp_path), str(tmp_path / 'work'),
                        crop=64)['train']


def test_device_log_mel_crop_and_compile_are_shrunk(tmp_path):
    fast = _train_options('configs/performance/avcl_r2plus1d_k32_fast.py',
                          tmp_path)
    assert 'model.data_preprocessor.crop=(64,64)' in fast
    assert 'compile.backend=aot_eager' in fast
    plain = _train_options('configs/avcl_r2plus1d_k32.py', tmp_path)
    assert not [o for o in plain if o.startswith(('model.data_preprocessor',
                                                  'compile'))]
    # the CPU pipeline's spectrogram crop is shrunk as before
    assert any(o.startswith('train_dataloader.dataset.pipeline.') and
               o.endswith('.size=(64,64)') for o in plain)
