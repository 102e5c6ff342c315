"""CMAPositiveSetHook on a tiny fake runner."""
import logging
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from avcl_mm.engine.cma_positive_hook import CMAPositiveSetHook
from avcl_mm.models.losses.cma_loss import CMALoss


class SpyBanks(nn.Module):
    """Duck-typed CMA module recording every set_positives call."""

    def __init__(self, mem_v: torch.Tensor, mem_a: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer('memory_v', mem_v)
        self.register_buffer('memory_a', mem_a)
        self.positives = torch.zeros(0, 1, dtype=torch.long)
        self.calls = []

    def set_positives(self, positives: torch.Tensor) -> None:
        self.calls.append(positives.clone())
        self.positives = positives


def two_clusters() -> torch.Tensor:
    """Rows 0-2 near e1, rows 3-5 near e2 (unit norm)."""
    rows = torch.tensor([[1., .1], [1., .2], [1., .3],
                         [.1, 1.], [.2, 1.], [.3, 1.]])
    return rows / rows.norm(dim=1, keepdim=True)


def fake_runner(module: nn.Module, epoch: int = 0) -> SimpleNamespace:
    head = nn.Module()
    head.loss_module = module
    model = nn.Module()
    model.head = head
    ddp = SimpleNamespace(module=model)  # what DDP wrapping looks like
    return SimpleNamespace(model=ddp, epoch=epoch,
                           logger=logging.getLogger('test'))


def test_before_train_sets_cluster_mates_as_positives():
    spy = SpyBanks(two_clusters(), two_clusters())
    CMAPositiveSetHook(k_pos=2).before_train(fake_runner(spy))
    assert len(spy.calls) == 1
    for i, row in enumerate(spy.calls[0].tolist()):
        assert set(row) == {j for j in range(6) if j // 3 == i // 3} - {i}


def test_recomputes_every_interval_epochs_only():
    spy = SpyBanks(two_clusters(), two_clusters())
    hook = CMAPositiveSetHook(interval_epochs=2, k_pos=2)
    runner = fake_runner(spy)
    hook.before_train(runner)
    for epoch in range(5):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
    assert len(spy.calls) == 1 + 2  # start, epochs 2 and 4


def test_restored_positive_sets_are_kept_at_start():
    spy = SpyBanks(two_clusters(), two_clusters())
    spy.positives = torch.zeros(6, 2, dtype=torch.long)  # from a checkpoint
    CMAPositiveSetHook(k_pos=2).before_train(fake_runner(spy))
    assert spy.calls == []


def test_finds_a_real_cma_loss_and_fills_it():
    loss_fn = CMALoss(12, feat_dim=4, num_positives=3)
    CMAPositiveSetHook(k_pos=3).before_train(fake_runner(loss_fn))
    assert loss_fn.positives.shape == (12, 3)


def test_model_without_cma_module_raises_clear_error():
    with pytest.raises(RuntimeError, match='CMALoss'):
        CMAPositiveSetHook().before_train(fake_runner(nn.Linear(2, 2)))


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match='interval_epochs'):
        CMAPositiveSetHook(interval_epochs=0)
    with pytest.raises(ValueError, match='k_pos'):
        CMAPositiveSetHook(k_pos=0)


def test_hook_builds_from_config_by_registered_name():
    from mmaction.registry import HOOKS
    hook = HOOKS.build(dict(type='CMAPositiveSetHook', interval_epochs=5))
    assert isinstance(hook, CMAPositiveSetHook) and hook.interval_epochs == 5
