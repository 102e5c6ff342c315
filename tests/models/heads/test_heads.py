"""AVCLHead (Eq. 11, ablation switches) and AVClsHead (labels, views)."""
import pytest
import torch
import torch.nn.functional as F
from mmaction.structures import ActionDataSample
from mmengine.model import BaseModel

from avcl_mm.models.heads.av_cls_head import AVClsHead
from avcl_mm.models.heads.avcl_head import AVCLHead
from avcl_mm.models.losses.cgra_loss import CGRALoss
from avcl_mm.models.losses.selfcl_loss import SelfCLLoss
from avcl_mm.utils.compat import get_pred_score, set_gt_label


def _feats(n=6, c=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, generator=g), torch.randn(n, c, generator=g)


def _samples(labels):
    return [set_gt_label(ActionDataSample(), int(y)) for y in labels]


def test_avcl_losses_are_weighted_by_lambdas():
    f_v, f_a = _feats()
    losses = AVCLHead(lambda_cor=0.9, lambda_self=0.1).loss(f_v, f_a)
    torch.testing.assert_close(losses['loss_cor'],
                               0.9 * CGRALoss(lambd=0.005)(f_v, f_a))
    torch.testing.assert_close(losses['loss_self'],
                               0.1 * SelfCLLoss(temperature=0.07)(f_v, f_a))


def test_mmengine_total_is_the_weighted_sum_and_parts_are_logged():
    f_v, f_a = _feats()
    losses = AVCLHead().loss(f_v, f_a)
    total, log_vars = BaseModel.parse_losses(None, losses)
    torch.testing.assert_close(
        total, 0.9 * losses['cor'] + 0.1 * losses['selfcl'])
    assert {'cor', 'selfcl', 'loss_cor', 'loss_self'} <= set(log_vars)
    assert not losses['cor'].requires_grad


@pytest.mark.parametrize('weights,present,absent', [
    (dict(lambda_cor=0.0, lambda_self=1.0), 'loss_self', 'loss_cor'),
    (dict(lambda_cor=1.0, lambda_self=0.0), 'loss_cor', 'loss_self'),
])
def test_zero_weight_drops_that_loss(weights, present, absent):
    head = AVCLHead(**weights)
    losses = head.loss(*_feats())
    assert present in losses and absent not in losses


def test_both_weights_zero_is_rejected():
    with pytest.raises(ValueError, match='nothing to train'):
        AVCLHead(lambda_cor=0, lambda_self=0)


def test_cgra_is_summed_over_stage_pairs_and_final_pair():
    f_v, f_a = _feats()
    stage = _feats(c=3, seed=1)
    losses = AVCLHead(lambda_cor=1.0).loss(f_v, f_a, stage_feats=[stage])
    cgra = CGRALoss()
    torch.testing.assert_close(losses['cor'],
                               cgra(*stage) + cgra(f_v, f_a))


def test_cgra_only_at_stages_when_final_is_off():
    f_v, f_a = _feats()
    stage = _feats(c=3, seed=1)
    head = AVCLHead(lambda_cor=1.0, cor_on_final=False)
    torch.testing.assert_close(
        head.loss(f_v, f_a, stage_feats=[stage])['cor'], CGRALoss()(*stage))
    with pytest.raises(ValueError, match='cgra_stages'):
        head.loss(f_v, f_a)


def test_cls_loss_is_cross_entropy_of_the_labels():
    torch.manual_seed(0)
    head = AVClsHead(num_classes=5, in_channels=4, dropout_ratio=0.0)
    x, labels = torch.randn(3, 4), torch.tensor([0, 4, 2])
    losses = head.loss(x, _samples(labels))
    want = F.cross_entropy(x @ head.fc_cls.weight.t() + head.fc_cls.bias,
                           labels)
    torch.testing.assert_close(losses['loss_cls'], want)
    assert 'top1_acc' in losses


def test_cls_head_under_bf16_autocast_scores_and_predicts():
    """Finetuning with bf16 AMP: the accuracies and the predicted scores
    go through float32 (numpy has no bfloat16)."""
    torch.manual_seed(0)
    head = AVClsHead(num_classes=5, in_channels=4, dropout_ratio=0.0)
    x, labels = torch.randn(3, 4), torch.tensor([0, 4, 2])
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = head.loss(x, _samples(labels))
        head.eval()
        out = head.predict(x, _samples(labels))
    assert 0 <= float(losses['top1_acc']) <= 1
    assert get_pred_score(out[0]).dtype == torch.float32


def test_cls_predict_averages_softmax_over_views():
    torch.manual_seed(1)
    head = AVClsHead(num_classes=4, in_channels=3, average_clips='prob')
    head.eval()
    x = torch.randn(2 * 3, 3)  # 2 samples x 3 views
    out = head.predict(x, _samples([0, 1]))
    logits = x @ head.fc_cls.weight.t() + head.fc_cls.bias
    want = logits.softmax(dim=1).view(2, 3, 4).mean(dim=1)
    for sample, score in zip(out, want):
        torch.testing.assert_close(get_pred_score(sample), score)


def test_cls_predict_score_averaging():
    torch.manual_seed(2)
    head = AVClsHead(num_classes=4, in_channels=3, average_clips='score')
    head.eval()
    x = torch.randn(2 * 2, 3)
    out = head.predict(x, _samples([0, 1]))
    logits = x @ head.fc_cls.weight.t() + head.fc_cls.bias
    torch.testing.assert_close(get_pred_score(out[1]),
                               logits.view(2, 2, 4).mean(dim=1)[1])


def test_cls_dropout_is_active_in_training_only():
    head = AVClsHead(num_classes=2, in_channels=64, dropout_ratio=0.7)
    x = torch.ones(4, 64)
    head.train()
    assert not torch.equal(head(x), head(x))
    head.eval()
    assert torch.equal(head(x), head(x))


def test_cls_loss_without_labels_is_a_clear_error():
    head = AVClsHead(num_classes=2, in_channels=3)
    with pytest.raises(ValueError, match='no ground-truth label'):
        head.loss(torch.randn(1, 3), [ActionDataSample()])


def test_cls_rejects_features_of_the_wrong_size():
    with pytest.raises(ValueError, match='in_channels'):
        AVClsHead(num_classes=2, in_channels=3)(torch.randn(2, 4))


@pytest.mark.parametrize('kwargs', [dict(num_classes=0),
                                    dict(dropout_ratio=1.0),
                                    dict(average_clips=None)])
def test_cls_rejects_invalid_arguments(kwargs):
    args = dict(num_classes=2, in_channels=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match='AVClsHead'):
        AVClsHead(**args)
