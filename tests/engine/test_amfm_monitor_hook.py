"""AMFMMonitorHook: the dead-gate share and diag(C) it logs, against sums
by hand; a loud warning once on a collapsed neck, none on a healthy one."""
import types

import pytest
import torch
from mmengine.logging import MessageHub

from avcl_mm.engine.amfm_monitor_hook import AMFMMonitorHook
from avcl_mm.models.necks.amfm import AMFM


class _Model(torch.nn.Module):
    def __init__(self, neck, center=False):
        super().__init__()
        self.neck = neck
        self.head = types.SimpleNamespace(
            loss_cor=types.SimpleNamespace(center=center))


def _runner(model, max_iters=100):
    warnings, infos = [], []
    runner = types.SimpleNamespace(
        model=model, iter=0, max_iters=max_iters,
        message_hub=MessageHub.get_instance(f'amfm_monitor_{id(model)}'),
        logger=types.SimpleNamespace(warning=warnings.append,
                                     info=infos.append),
        train_loop=types.SimpleNamespace(max_iters=max_iters))
    runner.warnings, runner.infos = warnings, infos
    return runner


def _steps(hook, runner, neck, batches):
    for i, (v, a) in enumerate(batches):
        runner.iter = i
        neck((v, a))
        hook.after_train_iter(runner, i)


def _scalar(runner, key):
    return runner.message_hub.get_scalar(f'train/{key}').current()


def test_collapsed_relu_gate_is_reported_once_loudly():
    torch.manual_seed(0)
    neck = AMFM(in_channels=8, gate='relu').train()
    with torch.no_grad():  # 6 of 8 excitation channels always negative
        neck.excite_v.weight.zero_()
        neck.excite_v.bias.copy_(torch.tensor([1., 1.] + [-1.] * 6))
    hook = AMFMMonitorHook(interval=2)
    runner = _runner(_Model(neck))
    hook.before_train(runner)
    _steps(hook, runner, neck, [(torch.rand(4, 8), torch.rand(4, 8))
                                for _ in range(6)])
    assert _scalar(runner, 'amfm_dead_share') == pytest.approx(6 / 8)
    assert len(runner.warnings) == 1
    assert 'AMFM COLLAPSE' in runner.warnings[0]
    assert '6 of 8 gate channels' in runner.warnings[0]
    hook.after_train(runner)
    assert not neck._forward_hooks  # removed at the end of training


def test_healthy_neck_is_quiet_and_diag_matches_eq6_over_the_window():
    torch.manual_seed(1)
    neck = AMFM(in_channels=5, gate='sigmoid').train()
    hook = AMFMMonitorHook(interval=3)
    runner = _runner(_Model(neck))
    hook.before_train(runner)
    batches = [(torch.randn(4, 5), torch.randn(4, 5)) for _ in range(3)]
    _steps(hook, runner, neck, batches)
    assert _scalar(runner, 'amfm_dead_share') == 0.0
    assert runner.warnings == []
    # Eq. 6's diagonal over the 12 clips of the window, by hand
    with torch.no_grad():
        outs = [neck((v, a)) for v, a in batches]
    f_v = torch.cat([o[0] for o in outs])
    f_a = torch.cat([o[1] for o in outs])
    diag = (f_v * f_a).sum(0) / (f_v.norm(dim=0) * f_a.norm(dim=0))
    assert _scalar(runner, 'cgra_diag_mean') == pytest.approx(
        float(diag.mean()), abs=1e-5)


def test_centred_diag_when_the_loss_centres():
    torch.manual_seed(2)
    neck = AMFM(in_channels=4, gate='sigmoid').train()
    hook = AMFMMonitorHook(interval=1)
    runner = _runner(_Model(neck, center=True))
    hook.before_train(runner)
    v, a = torch.randn(6, 4) + 3, torch.randn(6, 4) - 2
    _steps(hook, runner, neck, [(v, a)])
    with torch.no_grad():
        f_v, f_a = neck((v, a))
    diag = torch.stack([torch.corrcoef(torch.stack([f_v[:, i], f_a[:, i]]))
                        [0, 1] for i in range(4)])
    assert _scalar(runner, 'cgra_diag_mean') == pytest.approx(
        float(diag.mean()), abs=1e-4)


def test_eval_forwards_are_ignored_and_models_without_amfm_skipped():
    neck = AMFM(in_channels=4).eval()
    hook = AMFMMonitorHook(interval=1)
    runner = _runner(_Model(neck))
    hook.before_train(runner)
    _steps(hook, runner, neck, [(torch.rand(2, 4), torch.rand(2, 4))])
    with pytest.raises(Exception):  # nothing was recorded
        _scalar(runner, 'amfm_dead_share')
    other = _runner(_Model(None))
    hook2 = AMFMMonitorHook()
    hook2.before_train(other)
    hook2.after_train_iter(other, 0)
    assert 'no AMFM neck' in other.infos[0]
