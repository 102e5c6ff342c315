"""The README's "Adding a method" example, taken from the README text: the
class registers, the config builds it, and it trains (its momentum target
steps, its queue fills)."""
import re
import sys

import torch
from mmengine.config import Config

from helpers.builders import batch, optim
from helpers.runs import REPO


def _blocks():
    text = open(f'{REPO}/README.md', encoding='utf-8').read()
    section = text.split('## Adding a method', 1)[1].split('\n## ', 1)[0]
    return re.findall(r'```python\n(.*?)```', section, flags=re.S)


def test_readme_method_example_trains(tmp_path, monkeypatch):
    code, config = _blocks()
    (tmp_path / 'my_method.py').write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop('my_method', None)
    cfg_file = tmp_path / 'avcl_queue_demo.py'
    cfg_file.write_text(config.replace("'configs/", f"'{REPO}/configs/"))
    cfg = Config.fromfile(str(cfg_file))  # imports my_method
    from mmaction.registry import MODELS
    cfg.model.feat_channels = (128, 128)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert type(model).__name__ == 'AVCLQueue'
    assert type(model.neck).__name__ == 'AMFM'
    log = model.train_step(batch(labels=False), optim(model))
    assert torch.isfinite(log['loss'])
    assert int(model.head.loss_module.queue.ptr) == 4
    assert int(model.target.steps) == 2  # init copy + one EMA step
