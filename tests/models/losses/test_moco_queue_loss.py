"""MoCoQueueLoss: InfoNCE against queued keys, FIFO queue behaviour."""
import pytest
import torch
import torch.nn.functional as F

from avcl_mm.models.losses.moco_queue_loss import MoCoQueueLoss


def reference_info_nce(queries, keys, queue, tau):
    """-mean_i log exp(q_i.k_i/t) / (exp(q_i.k_i/t) + sum_m exp(q_i.Q_m/t))."""
    total = 0.0
    for q, k in zip(queries, keys):
        q, k = q / q.norm(), k / k.norm()
        positive = torch.exp(q @ k / tau)
        negatives = sum(torch.exp(q @ (m / m.norm()) / tau) for m in queue)
        total = total - torch.log(positive / (positive + negatives))
    return total / queries.shape[0]


def test_value_and_gradient_match_reference_with_queue_before_update():
    torch.manual_seed(0)
    loss_fn = MoCoQueueLoss(temperature=0.2, queue_size=6, feat_dim=4)
    queue_v = loss_fn.queue.video.clone().double()
    queue_a = loss_fn.queue.audio.clone().double()
    q_v = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    q_a = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    k_v, k_a = torch.randn(3, 4).double(), torch.randn(3, 4).double()
    loss = loss_fn(q_v, q_a, k_v, k_a, update_queue=True)
    expected = reference_info_nce(q_v, k_a, queue_a, 0.2) + \
        reference_info_nce(q_a, k_v, queue_v, 0.2)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    grads = torch.autograd.grad(loss, (q_v, q_a))
    ref_grads = torch.autograd.grad(expected, (q_v, q_a))
    for grad, ref in zip(grads, ref_grads):
        torch.testing.assert_close(grad, ref, rtol=1e-4, atol=1e-6)


def test_queue_is_fifo_and_wraps_around():
    loss_fn = MoCoQueueLoss(queue_size=5, feat_dim=3)
    keys = [F.normalize(torch.randn(2, 3), dim=1) for _ in range(3)]
    for step, key in enumerate(keys):
        loss_fn(torch.randn(2, 3), torch.randn(2, 3), key, -key,
                update_queue=True)
        assert int(loss_fn.queue.ptr) == [2, 4, 1][step]
    written = torch.cat(keys)  # keys 0..5 go to slots 0,1,2,3,4,0
    expected = torch.stack([written[5], written[1], written[2], written[3],
                            written[4]])
    torch.testing.assert_close(loss_fn.queue.video, expected)
    torch.testing.assert_close(loss_fn.queue.audio, -expected)


def test_queue_stores_unit_keys():
    loss_fn = MoCoQueueLoss(queue_size=4, feat_dim=3)
    key = torch.tensor([[3.0, 0.0, 4.0], [0.0, 2.0, 0.0]])
    loss_fn(torch.randn(2, 3), torch.randn(2, 3), key, key,
            update_queue=True)
    torch.testing.assert_close(loss_fn.queue.video[:2],
                               torch.tensor([[0.6, 0.0, 0.8],
                                             [0.0, 1.0, 0.0]]))


def test_queue_updates_only_in_training_mode_by_default():
    loss_fn = MoCoQueueLoss(queue_size=4, feat_dim=3)
    before = loss_fn.queue.video.clone()
    loss_fn.eval()
    loss_fn(*[torch.randn(2, 3) for _ in range(4)])
    torch.testing.assert_close(loss_fn.queue.video, before)
    assert int(loss_fn.queue.ptr) == 0
    loss_fn.train()
    loss_fn(*[torch.randn(2, 3) for _ in range(4)])
    assert int(loss_fn.queue.ptr) == 2


def test_no_gradient_reaches_keys_or_queue():
    loss_fn = MoCoQueueLoss(queue_size=4, feat_dim=3)
    q_v, q_a, k_v, k_a = [torch.randn(2, 3, requires_grad=True)
                          for _ in range(4)]
    loss_fn(q_v, q_a, k_v, k_a).backward()
    assert k_v.grad is None and k_a.grad is None
    assert q_v.grad is not None and not loss_fn.queue.video.requires_grad


def test_matching_cross_modal_keys_give_lower_loss_than_random_keys():
    torch.manual_seed(1)
    loss_fn = MoCoQueueLoss(queue_size=64, feat_dim=16)
    q_v, q_a = torch.randn(8, 16), torch.randn(8, 16)
    # The positive of a video query is the audio key and vice versa.
    matched = loss_fn(q_v, q_a, q_a, q_v, update_queue=False)
    random = loss_fn(q_v, q_a, torch.randn(8, 16), torch.randn(8, 16),
                     update_queue=False)
    assert matched < random


def test_rejects_batch_larger_than_queue():
    loss_fn = MoCoQueueLoss(queue_size=3, feat_dim=2)
    with pytest.raises(ValueError, match='queue_size'):
        loss_fn(*[torch.randn(4, 2) for _ in range(4)], update_queue=True)


def test_rejects_wrong_feature_size():
    with pytest.raises(ValueError, match='feat_dim=8'):
        MoCoQueueLoss(queue_size=4, feat_dim=8)(
            *[torch.randn(2, 3) for _ in range(4)])


@pytest.mark.parametrize('kwargs', [dict(temperature=0),
                                    dict(queue_size=0),
                                    dict(feat_dim=2.5)])
def test_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match='MoCoQueueLoss'):
        MoCoQueueLoss(**kwargs)
