"""signed_features=True drops exactly the encoders' final activation: the
pooled features become signed, nothing else changes (same parameters, same
output where it was positive)."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from avcl_mm.models.utils.recognizer_utils import drop_final_activation

CASES = [('configs/_base_/models/avcl_r3d.py', 'layer4.0.relu'),
         ('configs/_base_/models/avcl_r2plus1d.py', 'layer4.0.relu'),
         ('configs/_base_/models/avcl_c3d.py', 'groups.4.1.activate')]


@pytest.mark.parametrize('path,name', CASES,
                         ids=[c[0].split('/')[-1] for c in CASES])
def test_final_activation_dropped_and_features_signed(path, name):
    import avcl_mm  # noqa: F401
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    cfg = Config.fromfile(path).model
    cfg.video_backbone.base_channels = 8
    cfg.audio_backbone.base_channels = 8
    torch.manual_seed(0)
    plain = MODELS.build(dict(cfg, feat_channels=(64, 64),
                               signed_features=False))
    torch.manual_seed(0)
    signed = MODELS.build(dict(cfg, feat_channels=(64, 64),
                               signed_features=True))
    assert plain.state_dict().keys() == signed.state_dict().keys()
    signed.load_state_dict(plain.state_dict())
    plain.eval(), signed.eval()
    x = torch.randn(2, 3, 8, 64, 64)
    with torch.no_grad():
        out_plain = plain.video_backbone(x)
        out_signed = signed.video_backbone(x)
    assert out_plain.min() >= 0 and out_signed.min() < 0
    # the dropped ReLU was the last op: ReLU(signed) == plain output (C3D
    # max-pools after its last conv, which commutes with the ReLU)
    torch.testing.assert_close(out_signed.clamp_min(0), out_plain)
    backbone = MODELS.build(cfg.video_backbone)  # a fresh, plain one
    assert drop_final_activation(backbone, 'video_backbone') == name


def test_backbone_without_activation_is_refused():
    with pytest.raises(ValueError, match='signed_features=True needs'):
        drop_final_activation(torch.nn.Linear(2, 2), 'video_backbone')
