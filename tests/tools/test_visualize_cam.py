"""tools/analysis/visualize_cam.py: Grad-CAM on the last encoder stages."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest
import torch
from torch import nn

from helpers.runs import REPO, run_tool


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        'visualize_cam_tool',
        osp.join(REPO, 'tools', 'analysis', 'visualize_cam.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cam_tool = _load_tool()


class _BrightnessEncoder(nn.Module):
    """A 1x1x1 conv summing the input channels into 4 equal non-negative
    channels, then a 2x spatial average pool: its map is high where the
    input is bright, at half resolution."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv3d(in_channels, 4, 1, bias=False)
        nn.init.constant_(self.conv.weight, 1.0)
        self.pool = nn.AvgPool3d((1, 2, 2))

    def forward(self, x):
        return self.pool(torch.relu(self.conv(x)))


@pytest.fixture
def bright_model():
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    import avcl_mm  # noqa: F401
    from mmaction.registry import MODELS
    MODELS.register_module('CamTestEncoder', module=_BrightnessEncoder,
                           force=True)
    model = MODELS.build(dict(
        type='AudioVisualRecognizer',
        video_backbone=dict(type='CamTestEncoder', in_channels=3),
        audio_backbone=dict(type='CamTestEncoder', in_channels=1),
        feat_channels=(4, 4), neck=None,
        cls_head=dict(type='AVClsHead', num_classes=2, in_channels=8,
                      dropout_ratio=0.0)))
    with torch.no_grad():  # class 0 grows with brightness, class 1 shrinks
        model.cls_head.fc_cls.weight[0] = 1.0
        model.cls_head.fc_cls.weight[1] = -1.0
        model.cls_head.fc_cls.bias.zero_()
    return model


def _inputs():
    """A dark clip with a bright patch (frames 1-2, rows 8-15, cols 40-47)
    and a dark spectrogram with a bright patch (rows 40-49, cols 4-13)."""
    imgs = torch.zeros(1, 1, 3, 4, 64, 64)
    imgs[..., 1:3, 8:16, 40:48] = 1.0
    audios = torch.zeros(1, 1, 1, 1, 64, 64)
    audios[..., 40:50, 4:14] = 1.0
    return dict(imgs=imgs, audios=audios)


def test_grad_cam_peaks_on_the_bright_patches(bright_model):
    bright_model.train()
    result = cam_tool.grad_cam(bright_model, _inputs())
    assert result['pred'] == 0 and result['target'] == 0
    assert result['probs'].sum().item() == pytest.approx(1.0)
    video, audio = result['video'], result['audio']
    assert video.shape == (1, 4, 64, 64) and audio.shape == (1, 64, 64)
    for cam in (video, audio):
        assert cam.min() >= 0 and cam.max() == pytest.approx(1.0)
    t, h, w = np.unravel_index(int(video[0].argmax()), video[0].shape)
    assert t in (1, 2) and 8 <= h < 16 and 40 <= w < 48
    inside = video[0, 1:3, 8:16, 40:48].mean()
    outside = video[0, [0, 3]].mean()
    assert inside > 10 * outside
    h, w = np.unravel_index(int(audio[0].argmax()), audio[0].shape)
    assert 40 <= h < 50 and 4 <= w < 14
    assert audio[0, 40:50, 4:14].mean() > 10 * audio[0, :30].mean()
    # the model is left as it was, without hooks
    assert bright_model.training
    assert not bright_model.video_backbone._forward_hooks
    assert not bright_model.audio_backbone._forward_hooks


def test_grad_cam_of_a_class_nothing_supports_is_empty(bright_model):
    result = cam_tool.grad_cam(bright_model, _inputs(), target=1)
    assert result['target'] == 1 and result['pred'] == 0
    assert result['video'].abs().max() == 0
    assert result['audio'].abs().max() == 0
    with pytest.raises(ValueError, match='outside'):
        cam_tool.grad_cam(bright_model, _inputs(), target=2)


def test_cli_writes_frame_and_spectrogram_images(tiny_demo, tmp_path):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    import avcl_mm  # noqa: F401
    from mmaction.registry import MODELS
    config = 'configs/demo/avcl_r3d_demo_finetune.py'
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(osp.join(REPO, config)).model)
    ckpt = tmp_path / 'random.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    video = osp.join(tiny_demo, 'videos', 'test', 'up_clicks_000.mp4')
    out = tmp_path / 'cam'
    run_tool('tools/analysis/visualize_cam.py', config, str(ckpt), video,
             '--out', str(out), '--target-class', '2', '--classes',
             str(tiny_demo / 'classes.txt'))
    import matplotlib.image as mpimg
    frames = mpimg.imread(out / 'up_clicks_000_video_cam.png')
    spec = mpimg.imread(out / 'up_clicks_000_audio_cam.png')
    assert frames.ndim == 3 and frames.shape[1] > 2 * frames.shape[0]
    assert spec.ndim == 3 and frames.std() > 0.05 and spec.std() > 0.05
    info = json.load(open(out / 'up_clicks_000_cam.json'))
    assert info['target'] == 2 and info['target_name'] == 'up_clicks'
    assert 0 <= info['pred'] < 6 and 0 < info['prob'] <= 1
