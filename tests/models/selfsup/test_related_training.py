"""AVID (Self/Cross/Joint), CMA and CMAC built from the shipped demo configs
train: the loss falls on a fixed tiny batch; and through mmengine's Runner,
Cross-AVID -> checkpoint -> CMA (banks restored, positive sets computed)
and CMAC -> checkpoint -> finetuning model."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.datasets.transforms import PackActionInputs
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.dataset import BaseDataset, pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner, load_checkpoint
from mmengine.runner.checkpoint import _load_checkpoint

import avcl_mm  # noqa: F401
from avcl_mm.models.losses.cma_loss import cma_positive_sets

from helpers.runs import REPO
DEMO = osp.join(REPO, 'configs', 'related', 'demo')
T, S, BANK = 4, 32, 16
METHODS = ['avid_self', 'avid_cross', 'avid_joint', 'cma', 'cmac']


@pytest.fixture(autouse=True)
def mmaction_scope():
    with DefaultScope.overwrite_default_scope('mmaction'):
        yield


def config(name):
    return Config.fromfile(osp.join(DEMO, f'{name}_r3d_demo_pretrain.py'))


def clip(i):
    g = torch.Generator().manual_seed(100 + i)
    return dict(imgs=torch.randint(0, 256, (1, 3, T, S, S), generator=g,
                                   dtype=torch.uint8),
                audios=torch.randn(1, 1, 1, S, S, generator=g))


def fixed_batch(n=8):
    return pseudo_collate([
        dict(inputs=clip(i),
             data_samples=ActionDataSample(metainfo=dict(sample_idx=i)))
        for i in range(n)])


def build(name):
    torch.manual_seed(0)
    model = MODELS.build(config(name).model)
    model.init_weights()
    if hasattr(model.head, 'set_num_samples'):
        model.head.set_num_samples(BANK)
    return model


def warm_start(model, batch):
    """Put an AVID / CMA model where a run is after its first epoch: the
    memory banks already hold the batch's own features and Z̄ is estimated
    on them (from random banks with the fixed Z̄ of the first iteration,
    the loss climbs while the banks fill, whatever the model learns); CMA's
    positive sets come from these banks, as CMAPositiveSetHook computes
    them."""
    mem = model.head.loss_nce
    is_cma = hasattr(mem, 'set_positives')
    for _ in range(2 if is_cma else 1):
        if is_cma:  # positive sets are needed to run the loss at all
            mem.set_positives(cma_positive_sets(
                mem.memory_v, mem.memory_a, mem.num_positives))
        with torch.no_grad():
            data = model.data_preprocessor(batch, True)
            for _ in range(3):
                model(**data, mode='loss')
    mem.z_bar.zero_()


def probe_loss(model, batch):
    """Training-mode loss of ``batch`` on a copy of the model (banks, queues
    and key encoders of the original stay as they are), with the same
    random negatives each time."""
    twin = copy.deepcopy(model)
    torch.manual_seed(123)
    with torch.no_grad():
        losses = twin(**twin.data_preprocessor(batch, True), mode='loss')
    return float(sum(v for k, v in losses.items() if 'loss' in k))


@pytest.mark.parametrize('name', METHODS)
def test_loss_falls_on_a_fixed_batch(name):
    """AVID / CMA against banks held fixed (random unit memories, Z̄ of the
    first step): the encoders and projections learn to point each clip at
    its memories. CMAC end to end (queues and key encoders updating)."""
    model = build(name).train()
    mem = getattr(model.head, 'loss_nce', None)
    if mem is not None:
        mem.update_in_forward = False
        if hasattr(mem, 'set_positives'):
            mem.set_positives(cma_positive_sets(
                mem.memory_v, mem.memory_a, mem.num_positives))
    batch = fixed_batch()
    before = probe_loss(model, batch)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.001,
                                         momentum=0.9))
    losses = [float(model.train_step(batch, optim)['loss'].detach())
              for _ in range(10)]
    after = probe_loss(model, batch)
    assert np.isfinite(losses).all()
    assert after < 0.9 * before, (before, after, losses)


@pytest.mark.parametrize('name', ['avid_cross', 'avid_joint', 'cma'])
def test_loss_falls_with_memory_updates_from_a_warm_start(name):
    """End to end, banks updating (Self-AVID is left out: from a warm start
    on 8 clips its loss is already at its floor, the final BN spreading the
    batch's embeddings apart)."""
    model = build(name).train()
    batch = fixed_batch()
    warm_start(model, batch)
    before = probe_loss(model, batch)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.001,
                                         momentum=0.9))
    losses = [float(model.train_step(batch, optim)['loss'].detach())
              for _ in range(10)]
    after = probe_loss(model, batch)
    assert after < 0.9 * before, (before, after, losses)


def test_cmac_method_hands_unpooled_maps_and_momentum_keys():
    model = build('cmac').train()
    seen = {}

    def spy(v, a, data_samples=None, key_feats=None):
        seen.update(v=v, a=a, keys=key_feats)
        return dict(loss=(v.mean() + a.mean()))
    model.head.loss = spy
    model.train_step(fixed_batch(4), OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.0)))
    assert seen['v'].shape == (4, 128, 1, 2, 2)  # (N, C, T, H, W) maps
    assert seen['a'].shape == (4, 128, 1, 2, 2)
    assert seen['keys'][0].shape == seen['v'].shape
    assert not seen['keys'][0].requires_grad
    momentum = model.target_modules['video_backbone']
    assert all(not p.requires_grad for p in momentum.parameters())


class TinyAVSet(BaseDataset):
    """In-memory clips through PackActionInputs, which packs sample_idx."""

    def __init__(self, n=BANK):
        self.n = n
        super().__init__(ann_file='', serialize_data=False, pipeline=[
            PackActionInputs(collect_keys=('imgs', 'audios'),
                             meta_keys=('sample_idx', ))])

    def load_data_list(self):
        return [dict(idx=i) for i in range(self.n)]

    def prepare_data(self, idx):
        info = self.get_data_info(idx)
        info.update({k: v.numpy() for k, v in clip(idx).items()})
        return self.pipeline(info)


def run(tmp_path, name, model, hooks, epochs=1, load_from=None):
    runner = Runner(
        model=model, work_dir=str(tmp_path / name),
        experiment_name=f'test_related_{name}',
        train_dataloader=dict(
            dataset=TinyAVSet(), batch_size=4, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='pseudo_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01,
                                          momentum=0.9)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=epochs)),
        custom_hooks=hooks, load_from=load_from, default_scope='mmaction',
        randomness=dict(seed=0), log_level='WARNING')
    runner.train()
    return runner.model, str(tmp_path / name / f'epoch_{epochs}.pth')


def test_runner_cross_avid_then_cma_from_its_checkpoint(tmp_path):
    cfg = config('avid_cross')
    assert dict(type='MemoryBankSizeHook') in cfg.custom_hooks
    avid, ckpt = run(tmp_path, 'cross', cfg.model, cfg.custom_hooks,
                     epochs=2)
    assert avid.head.num_samples == BANK  # read from the dataset
    saved = _load_checkpoint(ckpt, map_location='cpu')['state_dict']
    assert torch.equal(saved['head.loss_nce.memory_v'],
                       avid.head.loss_nce.memory_v)
    cma_cfg = config('cma')
    assert cma_cfg.load_from.endswith('avid_cross_r3d_demo_pretrain/'
                                      'epoch_15.pth')
    cma, _ = run(tmp_path, 'cma', cma_cfg.model, cma_cfg.custom_hooks,
                 load_from=ckpt)
    expected = cma_positive_sets(saved['head.loss_nce.memory_v'],
                                 saved['head.loss_nce.memory_a'], 8)
    # computed once, before training, from the Cross-AVID banks
    assert torch.equal(cma.head.loss_nce.positives, expected)
    assert not torch.equal(cma.head.loss_nce.memory_v,
                           saved['head.loss_nce.memory_v'])


def test_runner_cmac_then_finetune_model_loads_the_encoders(tmp_path):
    cfg = config('cmac')
    cmac, ckpt = run(tmp_path, 'cmac', cfg.model, [])
    ft_cfg = Config.fromfile(osp.join(DEMO, 'related_r3d_demo_finetune.py'))
    assert ft_cfg.model.get('neck') is None
    finetune = MODELS.build(ft_cfg.model)
    load_checkpoint(finetune, ckpt, logger='silent')
    for key, value in cmac.state_dict().items():
        if key.startswith(('video_backbone.', 'audio_backbone.')):
            assert torch.equal(finetune.state_dict()[key], value), key
    assert finetune.cls_head.fc_cls.in_features == 256  # [v; a], no neck


def test_avid_pools_the_encoder_maps_by_their_maximum():
    """AVID: "output activations are max-pooled" (feat_pool='max' in its
    model config): the pooled features are the maxima of the last maps."""
    model = build('avid_cross').eval()
    assert model.feat_pool == 'max'
    inputs = model.data_preprocessor(fixed_batch(2), False)['inputs']
    with torch.no_grad():
        v, a = model.encode(inputs, fuse=False)
        maps_v, maps_a = model.paired_maps(inputs)
    torch.testing.assert_close(v, maps_v.flatten(2).amax(dim=2))
    torch.testing.assert_close(a, maps_a.flatten(2).amax(dim=2))
