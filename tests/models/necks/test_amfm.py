"""AMFM against Eq. 1-4 written with plain matrix products."""
import pytest
import torch

from avcl_mm.models.necks.amfm import AMFM


def _reference(neck, v, a, excite, gate):
    """Eq. 1 (Z), Eq. 2 (E) and Eq. 3/4 (gating) from the raw weights."""
    z = torch.cat([v, a], dim=1) @ neck.squeeze.weight.t() + \
        neck.squeeze.bias
    e = z @ excite.weight.t() + excite.bias
    return gate(e)


def test_matches_equations_with_shared_relu_gate():
    torch.manual_seed(0)
    neck = AMFM(in_channels=6)
    v, a = torch.randn(3, 6), torch.randn(3, 6)
    f_v, f_a = neck((v, a))
    g = _reference(neck, v, a, neck.excite_v, torch.relu)
    torch.testing.assert_close(f_v, g * v)
    torch.testing.assert_close(f_a, g * a)


def test_hidden_size_is_mean_of_input_sizes():
    assert AMFM(in_channels=8).squeeze.out_features == 8
    assert AMFM(in_channels=8, audio_channels=4).squeeze.out_features == 6
    assert AMFM(in_channels=8, hidden_channels=3).squeeze.out_features == 3


def test_same_gate_recalibrates_both_modalities():
    torch.manual_seed(1)
    neck = AMFM(in_channels=5, gate='sigmoid')
    g_v, g_a = neck.gates(torch.randn(4, 5), torch.randn(4, 5))
    assert g_v is g_a and neck.excite_a is None


def test_relu_gate_is_non_negative_and_zeroes_some_channels():
    torch.manual_seed(2)
    neck = AMFM(in_channels=16)
    g_v, _ = neck.gates(torch.randn(8, 16), torch.randn(8, 16))
    assert (g_v >= 0).all() and (g_v == 0).any()


def test_sigmoid_gate_lies_in_open_unit_interval():
    torch.manual_seed(3)
    neck = AMFM(in_channels=8, gate='sigmoid')
    g_v, _ = neck.gates(torch.randn(5, 8), torch.randn(5, 8))
    assert ((g_v > 0) & (g_v < 1)).all()


def test_one_excitation_per_modality_when_sizes_differ():
    torch.manual_seed(4)
    neck = AMFM(in_channels=6, audio_channels=4, gate='sigmoid')
    v, a = torch.randn(3, 6), torch.randn(3, 4)
    f_v, f_a = neck((v, a))
    assert f_v.shape == (3, 6) and f_a.shape == (3, 4)
    torch.testing.assert_close(
        f_v, _reference(neck, v, a, neck.excite_v, torch.sigmoid) * v)
    torch.testing.assert_close(
        f_a, _reference(neck, v, a, neck.excite_a, torch.sigmoid) * a)


def test_hidden_relu_option_changes_the_joint_embedding():
    torch.manual_seed(5)
    plain = AMFM(in_channels=4, gate='sigmoid')
    with_act = AMFM(in_channels=4, gate='sigmoid', hidden_act='relu')
    with_act.load_state_dict(plain.state_dict())
    v, a = torch.randn(6, 4), torch.randn(6, 4)
    assert not torch.allclose(plain((v, a))[0], with_act((v, a))[0])


def test_gradients_reach_both_encoders_features():
    torch.manual_seed(6)
    neck = AMFM(in_channels=4, gate='sigmoid')
    v = torch.randn(3, 4, requires_grad=True)
    a = torch.randn(3, 4, requires_grad=True)
    f_v, _ = neck((v, a))
    f_v.sum().backward()
    # f_v depends on the audio through the shared gate
    assert a.grad.abs().sum() > 0


@pytest.mark.parametrize('kwargs', [dict(gate='tanh'), dict(in_channels=0),
                                    dict(hidden_act='gelu')])
def test_rejects_invalid_arguments(kwargs):
    with pytest.raises(ValueError, match='AMFM'):
        AMFM(**kwargs)


def test_rejects_features_of_the_wrong_size():
    with pytest.raises(ValueError, match='audio_channels'):
        AMFM(in_channels=4)((torch.randn(2, 4), torch.randn(2, 5)))
