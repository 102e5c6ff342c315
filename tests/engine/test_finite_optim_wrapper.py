"""FiniteLossOptimWrapper skips non-finite steps and stops a diverged run."""
import pytest
import torch
import torch.nn as nn

from avcl_mm.engine.finite_optim_wrapper import FiniteLossOptimWrapper


def _wrapper(max_skips=2):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    return model, FiniteLossOptimWrapper(max_consecutive_skips=max_skips,
                                         optimizer=opt)


def test_finite_loss_updates_weights():
    model, wrapper = _wrapper()
    before = model.weight.detach().clone()
    wrapper.update_params(model(torch.ones(2, 3)).sum())
    assert not torch.equal(before, model.weight)


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
def test_non_finite_loss_leaves_weights_untouched(bad):
    model, wrapper = _wrapper()
    before = model.weight.detach().clone()
    loss = model(torch.ones(2, 3)).sum() * bad
    wrapper.update_params(loss)
    assert torch.equal(before, model.weight)
    assert torch.isfinite(model.weight).all()
    assert wrapper.total_skips == 1


def test_too_many_bad_steps_in_a_row_raise():
    model, wrapper = _wrapper(max_skips=1)
    nan = lambda: model(torch.ones(1, 3)).sum() * float('nan')  # noqa: E731
    wrapper.update_params(nan())
    with pytest.raises(FloatingPointError, match='in a row'):
        wrapper.update_params(nan())


def test_good_step_resets_the_consecutive_count():
    model, wrapper = _wrapper(max_skips=1)
    x = torch.ones(1, 3)
    wrapper.update_params(model(x).sum() * float('nan'))
    wrapper.update_params(model(x).sum())
    wrapper.update_params(model(x).sum() * float('nan'))
    assert wrapper.consecutive_skips == 1 and wrapper.total_skips == 2
