"""The AVID / CMA neck + MemoryBankHead and the CMACHead,
MemoryBankSizeHook: NCE against a loop reference, bank EMA update,
checkpoint round trips, bank size from the training set."""
import io
import logging
import math
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from mmaction.structures import ActionDataSample
from mmengine.dataset import BaseDataset, RepeatDataset
from mmengine.registry import DefaultScope
from mmengine.config import Config
from mmengine.runner import load_checkpoint, save_checkpoint
from mmengine.runner.priority import get_priority
from torch import nn

import avcl_mm  # noqa: F401
from avcl_mm.engine.cma_positive_hook import CMAPositiveSetHook
from avcl_mm.engine.memory_bank_hook import (MemoryBankSizeHook,
                                             train_set_size)
from avcl_mm.models.heads.cmac_head import CMACHead
from avcl_mm.models.heads.memory_bank_head import MemoryBankHead
from avcl_mm.models.losses.cma_loss import cma_positive_sets
from avcl_mm.models.necks.av_projection import AVProjection
from helpers.runs import REPO

C, H, D, N, K, TAU = 6, 8, 4, 10, 5, 0.2
PAIRS = {'self': [('v', 'v'), ('a', 'a')], 'cross': [('v', 'a'), ('a', 'v')],
         'joint': [('v', 'v'), ('a', 'a'), ('v', 'a'), ('a', 'v')]}


@pytest.fixture(autouse=True)
def mmaction_scope():
    with DefaultScope.overwrite_default_scope('mmaction'):
        yield


def samples(indices):
    return [ActionDataSample(metainfo=dict(sample_idx=i)) for i in indices]


def feats(b=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, C, generator=g), torch.randn(b, C, generator=g)


class AVIDParts(nn.Module):
    """The neck and head of the AVID / CMA methods, wired as ``AVID.loss``
    wires them (embed, then the memory-bank head)."""

    def __init__(self, loss: dict) -> None:
        super().__init__()
        mlp = dict(hidden_channels=H, out_channels=D, num_layers=3,
                   with_bn=True, last_bn=True)
        self.neck = AVProjection(video=mlp, audio=mlp, in_channels=C)
        self.head = MemoryBankHead(loss=loss, in_channels=D)

    loss_nce = property(lambda self: self.head.loss_nce)
    num_samples = property(lambda self: self.head.num_samples)
    proj_v = property(lambda self: self.neck.video_projector)
    proj_a = property(lambda self: self.neck.audio_projector)

    def set_num_samples(self, n):
        self.head.set_num_samples(n)

    def loss(self, v, a, data_samples):
        return self.head.loss(*self.neck((v, a)), data_samples)


def avid_head(variant='cross', num_samples=N, **loss):
    torch.manual_seed(0)
    return AVIDParts(dict(type='AVIDNCELoss', target=variant,
                          num_negatives=K, temperature=TAU,
                          num_samples=num_samples, **loss))


def cma_head(num_samples=N):
    torch.manual_seed(0)
    return AVIDParts(dict(type='CMALoss', num_negatives=K, num_positives=2,
                          temperature=TAU, num_samples=num_samples))


def fix_negatives(head, negs):
    head.loss_nce.sample_negatives = lambda idx: negs[:len(idx)]


def reference_avid(variant, z, banks, idx, negs):
    """AVID Eq. 1-6 in plain Python: Z̄ per (query, memory) pair is the
    mean of exp(x·x̄_j/τ) over the batch's negatives; P(D=1|x, x̄) =
    e^{x·x̄/τ} / (e^{x·x̄/τ} + K Z̄); mean over samples of the terms'
    average (the official code averages the terms of Eq. 4-6).
    """
    total = 0.0
    for q, m in PAIRS[variant]:
        sims = [[math.exp(float(z[q][i] @ banks[m][j]) / TAU)
                 for j in negs[i]] for i in range(len(idx))]
        z_bar = sum(map(sum, sims)) / sum(map(len, sims))
        for i in range(len(idx)):
            e_pos = math.exp(float(z[q][i] @ banks[m][idx[i]]) / TAU)
            total -= math.log(e_pos / (e_pos + K * z_bar))
            total -= sum(math.log(1 - e / (e + K * z_bar)) for e in sims[i])
    return total / len(idx) / len(PAIRS[variant])


@pytest.mark.parametrize('variant', ['self', 'cross', 'joint'])
def test_avid_head_matches_hand_written_nce(variant):
    head = avid_head(variant).eval()
    v, a = feats()
    idx, negs = [7, 0, 3], torch.tensor([[1, 2, 3, 4, 5], [9, 9, 8, 0, 1],
                                         [6, 2, 5, 3, 7]])
    fix_negatives(head, negs)
    banks = dict(v=head.loss_nce.memory_v.clone(),
                 a=head.loss_nce.memory_a.clone())
    loss = head.loss(v, a, samples(idx))['loss_nce']
    with torch.no_grad():
        z = dict(v=F.normalize(head.proj_v(v), dim=1),
                 a=F.normalize(head.proj_a(a), dim=1))
    expected = reference_avid(variant, z, banks, idx, negs.tolist())
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    # eval mode leaves the banks alone
    assert torch.equal(banks['v'], head.loss_nce.memory_v)


def test_views_of_a_sample_share_its_bank_row():
    head = avid_head().eval()
    v, a = feats(b=4)
    negs = torch.randint(0, N, (4, K), generator=torch.Generator())
    fix_negatives(head, negs)
    two_views = head.loss(v, a, samples([5, 2]))['loss_nce']
    head.loss_nce.z_bar.zero_()
    explicit = head.loss(v, a, samples([5, 5, 2, 2]))['loss_nce']
    torch.testing.assert_close(two_views, explicit)


def test_projection_is_a_3_layer_mlp_to_unit_128d_by_default():
    model = Config.fromfile(
        f'{REPO}/configs/_base_/models/avid_r3d.py').model
    neck_cfg = {k: v for k, v in model.neck.items() if k != 'type'}
    neck = AVProjection(**neck_cfg, in_channels=16, audio_channels=8)
    linears = [m for m in neck.video_projector.modules()
               if isinstance(m, torch.nn.Linear)]
    assert [(l.in_features, l.out_features) for l in linears] == \
        [(16, 512), (512, 512), (512, 128)]
    assert neck.audio_projector.in_channels == 8
    head = MemoryBankHead(loss=model.head.loss, in_channels=128)
    loss = head.loss_nce
    assert (loss.num_negatives, loss.temperature, loss.memory_momentum,
            loss.target, loss.feat_dim) == (1024, 0.07, 0.5, 'cross', 128)
    assert head.num_samples == 0
    assert model.feat_pool == 'max'  # "output activations are max-pooled"


def test_memory_bank_ema_update_in_training():
    head = avid_head().train()
    v, a = feats()
    idx = [4, 1, 8]
    old_v = head.loss_nce.memory_v.clone()
    old_a = head.loss_nce.memory_a.clone()
    head.loss(v, a, samples(idx))
    with torch.no_grad():  # same batch -> same BN batch statistics
        z_v = F.normalize(head.proj_v(v), dim=1)
        z_a = F.normalize(head.proj_a(a), dim=1)
    for bank, old, z in ((head.loss_nce.memory_v, old_v, z_v),
                         (head.loss_nce.memory_a, old_a, z_a)):
        expected = F.normalize(0.5 * old[idx] + 0.5 * z, dim=1)
        torch.testing.assert_close(bank[idx], expected)
        rest = [i for i in range(N) if i not in idx]
        assert torch.equal(bank[rest], old[rest])


def test_missing_sample_idx_and_empty_banks_explain_the_fix():
    head = avid_head(num_samples=None)
    with pytest.raises(RuntimeError, match='MemoryBankSizeHook'):
        head.loss(*feats(), samples([0, 1, 2]))
    head.set_num_samples(N)
    with pytest.raises(KeyError, match='sample_idx'):
        head.loss(*feats(), [ActionDataSample() for _ in range(3)])


def _round_trip(state):
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


@pytest.mark.parametrize('make', [avid_head, cma_head], ids=['avid', 'cma'])
def test_banks_survive_a_state_dict_round_trip(make):
    head = make().train()
    if hasattr(head.loss_nce, 'set_positives'):
        mem = head.loss_nce
        mem.set_positives(cma_positive_sets(mem.memory_v, mem.memory_a, 2))
    for step in range(2):
        head.loss(*feats(seed=step), samples([2, 6, 9]))
    state = _round_trip(head.state_dict())
    fresh = make(num_samples=None)  # empty banks, as built from a config
    fresh.load_state_dict(state, strict=True)
    for key, value in head.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value), key
    assert fresh.num_samples == N and bool((fresh.loss_nce.z_bar > 0).any())
    head.eval(), fresh.eval()
    negs = torch.randint(0, N, (3, K), generator=torch.Generator())
    for h in (head, fresh):
        fix_negatives(h, negs)
    v, a = feats(seed=9)
    torch.testing.assert_close(fresh.loss(v, a, samples([1, 2, 3])),
                               head.loss(v, a, samples([1, 2, 3])))


def test_cma_head_starts_from_a_cross_avid_checkpoint(tmp_path):
    avid = avid_head().train()
    avid.loss(*feats(), samples([0, 4, 5]))
    path = str(tmp_path / 'cross_avid.pth')
    save_checkpoint({'state_dict': avid.state_dict()}, path)
    cma = cma_head(num_samples=None)
    load_checkpoint(cma, path, strict=True, logger='silent')
    assert torch.equal(cma.loss_nce.memory_v, avid.loss_nce.memory_v)
    assert torch.equal(cma.proj_a.mlp[0].weight, avid.proj_a.mlp[0].weight)
    assert cma.loss_nce.positives.shape[0] == 0  # the hook fills them


class TinySet(BaseDataset):
    def __init__(self, n):
        self.n = n
        super().__init__(ann_file='', serialize_data=False)

    def load_data_list(self):
        return [dict(x=i) for i in range(self.n)]


def fake_runner(model, dataset):
    return SimpleNamespace(model=SimpleNamespace(module=model), epoch=0,
                           train_dataloader=SimpleNamespace(dataset=dataset),
                           logger=logging.getLogger('test_related_heads'))


def test_hook_sizes_banks_to_the_training_set():
    head = avid_head(num_samples=None)
    MemoryBankSizeHook().before_train(fake_runner(head, TinySet(37)))
    assert head.num_samples == 37
    assert head.loss_nce.memory_a.shape == (37, D)
    norms = head.loss_nce.memory_v.norm(dim=1)
    torch.testing.assert_close(norms, torch.ones(37))


def test_hook_keeps_restored_banks_and_unwraps_repeat_dataset():
    head = avid_head(num_samples=7)
    restored = head.loss_nce.memory_v.clone().mul_(-1)
    head.loss_nce.memory_v.copy_(restored)
    dataset = RepeatDataset(TinySet(7), times=3)
    assert len(dataset) == 21 and train_set_size(dataset) == 7
    MemoryBankSizeHook().before_train(fake_runner(head, dataset))
    assert torch.equal(head.loss_nce.memory_v, restored)


def test_hook_runs_before_cma_positive_sets_and_feeds_them():
    assert get_priority(MemoryBankSizeHook.priority) < \
        get_priority(CMAPositiveSetHook.priority)
    head = cma_head(num_samples=None)
    runner = fake_runner(head, TinySet(12))
    for hook in (MemoryBankSizeHook(), CMAPositiveSetHook(k_pos=3)):
        hook.before_train(runner)
    assert head.loss_nce.positives.shape == (12, 3)


def test_hook_without_banks_says_so():
    with pytest.raises(RuntimeError, match='no module'):
        MemoryBankSizeHook().before_train(
            fake_runner(torch.nn.Linear(2, 2), TinySet(3)))


def cmac_head(**kwargs):
    torch.manual_seed(0)
    cfg = dict(in_channels=8, audio_channels=6, filter_channels=8,
               saliency_channels=4, feat_dim=5,
               loss=dict(type='CMACLoss', queue_size=16))
    cfg.update(kwargs)
    return CMACHead(**cfg)


def maps(n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, 8, 2, 3, 3, generator=g),
            torch.randn(n, 6, 1, 4, 4, generator=g))


def test_cmac_head_parts_equal_the_loss_of_its_modules():
    head = cmac_head(momentum=None).eval()
    v, a = maps()
    out = head.loss(v, a)
    kappa_v, kappa_a, s_v, s_a = head.pcf((v, a))
    expected = head.loss_cmac.loss_parts(
        head.proj_v(kappa_v), head.proj_a(kappa_a), s_v, s_a,
        head.saliency_v(v), head.saliency_a(a))
    torch.testing.assert_close(out, expected)
    assert s_v.shape == (4, 2, 3, 3) and s_a.shape == (4, 1, 4, 4)


def test_cmac_key_twins_follow_with_momentum_and_are_not_trained():
    head = cmac_head(momentum=0.5).train()
    head.init_weights()  # the twins start as copies
    twin = head.target.module['proj_v']
    assert all(not p.requires_grad for p in head.target.parameters())
    torch.testing.assert_close(twin.mlp[0].weight, head.proj_v.mlp[0].weight)
    with torch.no_grad():
        for p in head.proj_v.parameters():
            p.add_(1.0)
    before = twin.mlp[0].weight.clone()
    online = head.proj_v.mlp[0].weight.clone()
    losses = head.loss(*maps())
    sum(losses.values()).backward()
    torch.testing.assert_close(twin.mlp[0].weight,
                               0.5 * before + 0.5 * online)
    assert twin.mlp[0].weight.grad is None
    assert head.proj_v.mlp[0].weight.grad is not None
    assert int(head.loss_cmac.queue.ptr) == 4  # keys were enqueued


def test_cmac_head_refuses_pooled_features():
    with pytest.raises(ValueError, match="type='CMAC'"):
        cmac_head().loss(torch.randn(4, 8), torch.randn(4, 6))


def test_cmac_queues_and_twins_survive_a_state_dict_round_trip():
    head = cmac_head().train()
    head.loss(*maps())
    fresh = cmac_head()
    fresh.load_state_dict(_round_trip(head.state_dict()), strict=True)
    for key, value in head.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value), key
