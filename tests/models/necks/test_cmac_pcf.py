"""CMACPyramidCorrelation (CMAC Eq. 3-4) on constructed feature maps."""
import pytest
import torch
import torch.nn.functional as F

from avcl_mm.models.necks.cmac_pcf import CMACPyramidCorrelation


def identity_pcf(channels: int, **kwargs) -> CMACPyramidCorrelation:
    """PCF whose g is the identity up to the BN scale 1/sqrt(1 + eps)
    (cosines do not see that scale)."""
    pcf = CMACPyramidCorrelation(channels, channels, channels, **kwargs)
    for g in (pcf.g_v, pcf.g_a):
        with torch.no_grad():
            g[0].weight.copy_(torch.eye(channels)[:, :, None, None, None])
    return pcf.eval()


def cos01(kernel: torch.Tensor, feat: torch.Tensor) -> float:
    return (float(F.cosine_similarity(kernel, feat, dim=0)) + 1) / 2


def test_filter_equal_to_one_location_peaks_there():
    gen = torch.Generator().manual_seed(0)
    u = torch.tensor([1., 0, 0, 0])
    video = torch.randn(1, 4, 2, 4, 4, generator=gen)
    video[:, 0] = -video[:, 0].abs()  # every other position points away
    video[0, :, 1, 2, 3] = u
    audio = u[None, :, None, None].expand(1, 4, 3, 5).clone()
    for scales in (1, 2):
        s_v = identity_pcf(4, num_scales=scales)((video, audio))[2]
        assert s_v.shape == (1, 2, 4, 4)
        flat_argmax = s_v.flatten().argmax().item()
        assert flat_argmax == 1 * 16 + 2 * 4 + 3
        if scales == 1:
            assert s_v[0, 1, 2, 3].item() == pytest.approx(1.0, abs=1e-6)


def test_two_scale_response_matches_hand_computation():
    gen = torch.Generator().manual_seed(1)
    video = torch.randn(1, 3, 2, 2, 2, generator=gen)
    audio = torch.randn(1, 3, 2, 2, generator=gen)
    kappa_v, kappa_a, s_v, s_a = identity_pcf(3, num_scales=2)((video,
                                                                audio))
    k_a = audio[0].mean((1, 2))
    k_v = video[0].mean((1, 2, 3))
    torch.testing.assert_close(kappa_a[0] / kappa_a[0].norm(),
                               k_a / k_a.norm())
    half_v = cos01(k_a, video[0].mean((1, 2, 3)))  # 2x2x2 pools to 1 cell
    for t in range(2):
        for h in range(2):
            for w in range(2):
                full = cos01(k_a, video[0, :, t, h, w])
                assert s_v[0, t, h, w].item() == pytest.approx(
                    (full + half_v) / 2, abs=1e-5)
    half_a = cos01(k_v, audio[0].mean((1, 2)))
    for h in range(2):
        for w in range(2):
            full = cos01(k_v, audio[0, :, h, w])
            assert s_a[0, h, w].item() == pytest.approx((full + half_a) / 2,
                                                        abs=1e-5)


@pytest.mark.parametrize('norm', ['cosine', 'cosine_relu', 'softmax'])
def test_maps_lie_in_unit_interval_and_keep_input_layout(norm):
    torch.manual_seed(0)
    pcf = CMACPyramidCorrelation(6, 5, 8, num_scales=3, norm=norm,
                                 kernel_size=3)
    video, audio = torch.randn(2, 6, 3, 5, 7), torch.randn(2, 5, 1, 9, 6)
    kappa_v, kappa_a, s_v, s_a = pcf((video, audio))
    assert kappa_v.shape == kappa_a.shape == (2, 8)
    assert s_v.shape == (2, 3, 5, 7) and s_a.shape == (2, 1, 9, 6)
    for s in (s_v, s_a):
        assert torch.isfinite(s).all() and s.min() >= 0 and s.max() <= 1


def test_gradients_reach_both_transforms():
    pcf = CMACPyramidCorrelation(4, 4, 4)
    kappa_v, kappa_a, s_v, s_a = pcf((torch.randn(2, 4, 2, 3, 3),
                                      torch.randn(2, 4, 3, 3)))
    (s_v.sum() + s_a.sum() + kappa_v.sum()).backward()
    assert pcf.g_v[0].weight.grad.abs().sum() > 0
    assert pcf.g_a[0].weight.grad.abs().sum() > 0


def test_bad_inputs_and_arguments_raise():
    pcf = CMACPyramidCorrelation(4, 4, 4)
    with pytest.raises(ValueError, match='pool=False'):
        pcf((torch.randn(2, 4), torch.randn(2, 4)))
    with pytest.raises(ValueError, match='norm'):
        CMACPyramidCorrelation(norm='l2')
    with pytest.raises(ValueError, match='num_scales'):
        CMACPyramidCorrelation(num_scales=0)
