"""C3DGAP: C3D's conv/pool layout without fc layers."""
import pytest
import torch
import torch.nn as nn
from mmaction.registry import MODELS

import avcl_mm  # noqa: F401  (registers C3DGAP)
from avcl_mm.models.backbones.c3d_gap import C3DGAP


def test_registered_under_a_new_name():
    assert MODELS.get('C3DGAP') is C3DGAP
    assert MODELS.get('C3D') is not C3DGAP


def test_paper_clip_gives_the_c3d_pool5_map():
    # C3D's fc6 input is 8192 = 512 x 1 x 4 x 4 for a 16x112x112 clip
    net = C3DGAP(base_channels=4)
    out = net(torch.randn(1, 3, 16, 112, 112))
    assert out.shape == (1, 32, 1, 4, 4)


def test_eight_convs_with_c3d_channel_widths():
    convs = [m for m in C3DGAP(base_channels=64).modules()
             if isinstance(m, nn.Conv3d)]
    assert [c.out_channels for c in convs] == \
        [64, 128, 256, 256, 512, 512, 512, 512]
    assert all(c.kernel_size == (3, 3, 3) for c in convs)


def test_short_clip_stops_temporal_pooling_at_one_frame():
    out = C3DGAP(base_channels=2)(torch.randn(1, 3, 4, 32, 32))
    assert out.shape == (1, 16, 1, 2, 2)


def test_no_temporal_pool_keeps_time_for_one_frame_audio():
    net = C3DGAP(in_channels=1, base_channels=2, temporal_pool=False,
                 temporal_kernel=1)
    assert net(torch.randn(2, 1, 1, 32, 32)).shape == (2, 16, 1, 2, 2)
    assert net(torch.randn(1, 1, 4, 32, 32)).shape[2] == 4
    assert all(m.kernel_size[0] == 1 for m in net.modules()
               if isinstance(m, nn.Conv3d))


def test_init_weights_keeps_outputs_finite():
    net = C3DGAP(base_channels=2, norm_cfg=dict(type='BN3d'))
    net.init_weights()
    assert torch.isfinite(net(torch.randn(2, 3, 8, 32, 32))).all()


@pytest.mark.parametrize('shape', [(1, 1, 8, 32, 32), (1, 3, 8, 8, 8),
                                   (1, 3, 32, 32)])
def test_rejects_bad_input(shape):
    with pytest.raises(ValueError, match='C3DGAP'):
        C3DGAP(base_channels=2)(torch.randn(*shape))


@pytest.mark.parametrize('kwargs', [dict(temporal_kernel=2),
                                    dict(base_channels=0)])
def test_rejects_invalid_arguments(kwargs):
    with pytest.raises(ValueError, match='C3DGAP'):
        C3DGAP(**kwargs)
