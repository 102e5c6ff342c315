"""The GPU speed paths give the same training step on CPU: bf16 autocast
(FiniteLossAmpOptimWrapper), channels_last_3d (ChannelsLast3dHook) and
torch.compile of train_step (what a config's ``compile=True`` does), with the
spectrogram computed on the device (LogMelDataPreprocessor)."""
import copy
import os
import types

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

import avcl_mm  # noqa: F401

init_default_scope('mmaction')

from mmaction.registry import HOOKS, MODELS, OPTIM_WRAPPERS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def _model_cfg(device_mel: bool):
    cfg = Config.fromfile(os.path.join(REPO, 'configs', '_base_', 'models',
                                       'avcl_r2plus1d.py')).model
    cfg.video_backbone.base_channels = 8
    cfg.audio_backbone.base_channels = 8
    if device_mel:
        cfg.data_preprocessor = dict(
            type='LogMelDataPreprocessor',
            preprocessors=cfg.data_preprocessor.preprocessors,
            resize=(64, 64), crop=(32, 32), random_crop=False)
    return cfg


def _build(device_mel: bool = True, seed: int = 0):
    torch.manual_seed(seed)
    model = MODELS.build(_model_cfg(device_mel))
    model.train()
    return model


def _batch(device_mel: bool = True, n: int = 4, shorter: int = 480):
    g = torch.Generator().manual_seed(1)
    samples = []
    for i in range(n):
        audio = torch.randn(1, 24000 - shorter * i, generator=g) * 0.1 \
            if device_mel else torch.randn(1, 1, 1, 32, 32, generator=g)
        samples.append(dict(
            inputs=dict(imgs=torch.randint(0, 256, (1, 3, 8, 32, 32),
                                           generator=g, dtype=torch.uint8),
                        audios=audio),
            data_samples=ActionDataSample()))
    return pseudo_collate(samples)


def _wrapper(model, kind='FiniteLossOptimWrapper', **kwargs):
    sgd = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    return OPTIM_WRAPPERS.build(dict(type=kind, optimizer=sgd, **kwargs))


def _step(model, wrapper, batch, grads=True):
    """One train_step: its logged values and the gradients it computed
    (``grads=False``: none, e.g. for a compiled step, whose graphs would
    include the capturing hooks)."""
    wrapper.zero_grad()
    kept = {}
    if grads:
        params = [p for p in model.parameters() if p.requires_grad]
        for i, p in enumerate(params):
            p.register_hook(
                lambda g, i=i: kept.__setitem__(i, g.detach().clone()))
    log = model.train_step(copy.deepcopy(batch), wrapper)
    return {k: float(v.detach()) for k, v in log.items()}, kept


def test_bf16_autocast_gives_the_fp32_loss():
    ref_model, amp_model = _build(), _build()
    ref, _ = _step(ref_model, _wrapper(ref_model), _batch())
    dtypes = []
    conv = next(m for m in amp_model.modules()
                if isinstance(m, torch.nn.Conv3d))
    conv.register_forward_hook(lambda m, i, o: dtypes.append(o.dtype))
    amp, _ = _step(amp_model, _wrapper(amp_model, 'FiniteLossAmpOptimWrapper',
                                       dtype='bfloat16'), _batch())
    assert dtypes == [torch.bfloat16]  # autocast was on
    for key in ('loss', 'loss_cor', 'loss_self'):
        assert amp[key] == pytest.approx(ref[key], rel=3e-2), key
    assert ref['loss'] != amp['loss']  # not silently fp32
    # weights and SGD state stay float32 and finite
    assert all(p.dtype == torch.float32 and torch.isfinite(p).all()
               for p in amp_model.parameters())


def test_bf16_leaves_the_device_log_mel_in_float32():
    pre = _build().data_preprocessor
    ref = pre(_batch(), False)['inputs']['audios']
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = pre(_batch(), False)['inputs']['audios']
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, ref, rtol=0, atol=0)


def test_the_amp_wrapper_refuses_float16():
    model = _build()
    with pytest.raises(ValueError, match='loss scaler'):
        _wrapper(model, 'FiniteLossAmpOptimWrapper', dtype='float16')


def test_channels_last_3d_hook_gives_the_same_step():
    ref_model, cl_model = _build(), _build()
    ref, ref_grads = _step(ref_model, _wrapper(ref_model), _batch())
    runner = types.SimpleNamespace(
        model=cl_model, logger=types.SimpleNamespace(info=lambda msg: None))
    hook = HOOKS.build(dict(type='ChannelsLast3dHook'))
    hook.before_train(runner)
    hook.before_train(runner)  # idempotent: each conv hooked once
    convs = [m for m in cl_model.modules() if isinstance(m, torch.nn.Conv3d)]
    assert all(len(c._forward_pre_hooks) == 1 for c in convs)
    assert all(c.weight.is_contiguous(memory_format=torch.channels_last_3d)
               for c in convs)
    assert sum(not c.weight.is_contiguous() for c in convs) > len(convs) / 2
    layouts = []
    convs[0].register_forward_hook(lambda m, i, o: layouts.append(
        i[0].is_contiguous(memory_format=torch.channels_last_3d)))
    got, grads = _step(cl_model, _wrapper(cl_model), _batch())
    assert layouts == [True]
    for key in ('loss', 'loss_cor', 'loss_self'):
        assert got[key] == pytest.approx(ref[key], rel=1e-4), key
    assert grads.keys() == ref_grads.keys() and grads
    for i, g in ref_grads.items():  # float rounding only
        assert float((grads[i] - g).norm()) <= 1e-3 * float(g.norm()) + 1e-8


def _compiled_step(backend: str):
    ref_model, comp_model = _build(), _build()
    ref, _ = _step(ref_model, _wrapper(ref_model), _batch())
    # what mmengine's Runner does with cfg.compile = dict(backend=...)
    comp_model.train_step = torch.compile(comp_model.train_step,
                                          backend=backend)
    wrapper = _wrapper(comp_model)
    got, _ = _step(comp_model, wrapper, _batch(), grads=False)
    for key in ('loss', 'loss_cor', 'loss_self'):
        assert got[key] == pytest.approx(ref[key], rel=1e-4), key
    # other waveform lengths: the log-mel is not traced (no recompilation;
    # the step before fills the SGD state, a recompilation of its own)
    import torch._dynamo.utils as dynamo_utils
    _step(comp_model, wrapper, _batch(), grads=False)
    before = dynamo_utils.counters['stats']['unique_graphs']
    again, _ = _step(comp_model, wrapper, _batch(shorter=1000), grads=False)
    assert np.isfinite(again['loss'])
    assert dynamo_utils.counters['stats']['unique_graphs'] == before


@pytest.mark.skipif(
    tuple(int(x) for x in torch.__version__.split('.')[:2]) < (2, 4),
    reason='torch.compile of the optimizer step fails in dynamo before torch '
    '2.4 (the compile switch is for the stack of requirements/lock.txt)')
def test_compiled_train_step_gives_the_same_loss():
    """Dynamo capture and AOT autograd (``aot_eager``: the graphs inductor
    would compile, run without code generation; about 15 s here)."""
    _compiled_step('aot_eager')


@pytest.mark.skipif(
    os.environ.get('AVCL_TEST_INDUCTOR') != '1',
    reason='inductor compiles this tiny model for about 3.5 min on the '
    "project's 2-core CPU machines; set AVCL_TEST_INDUCTOR=1 to run it")
def test_inductor_compiled_train_step_gives_the_same_loss():
    _compiled_step('inductor')
