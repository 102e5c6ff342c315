"""avcl_mm.evaluation.run_info: what a checkpoint is, read from the config
and seed mmengine stores in it and from the pretraining checkpoint its
``load_from`` names (never from file names)."""
import torch
from mmengine.config import Config

from avcl_mm.evaluation.run_info import describe_run, jsonable

ENC = dict(type='ResNet3d', base_channels=8)


def _ckpt(path, model, seed, epoch, **cfg):
    """A checkpoint as mmengine writes it: meta with the run's config text,
    seed and epoch (a file name that says nothing about the method)."""
    text = Config(dict(model=model, **cfg)).pretty_text
    torch.save(dict(meta=dict(cfg=text, seed=seed, epoch=epoch),
                    state_dict={}), str(path))
    return str(path)


def _loaders(root='data/bench'):
    return dict(test_dataloader=dict(dataset=dict(
        ann_file=f'{root}/test.txt')))


def test_a_pretraining_checkpoint_names_its_method_epochs_and_seed(
        tmp_path):
    ckpt = _ckpt(tmp_path / 'x.pth', dict(type='SimCLR',
                                          video_backbone=ENC), 7, 40,
                 train_cfg=dict(max_epochs=40), **_loaders())
    info = describe_run(checkpoint=ckpt)
    assert (info['method'], info['kind'], info['protocol']) == (
        'SimCLR', 'ssl', 'frozen')
    assert (info['backbone'], info['base_channels']) == ('R3D', 8)
    assert (info['pretrain_epochs'], info['seed'], info['dataset']) == (
        40, 7, 'bench')


def test_a_finetuned_checkpoint_follows_load_from(tmp_path):
    pre = _ckpt(tmp_path / 'a.pth', dict(
        type='AVID', video_backbone=ENC,
        head=dict(loss=dict(target='joint'))), 2, 40)
    fine = _ckpt(tmp_path / 'b.pth', dict(type='AudioVisualRecognizer',
                                          video_backbone=ENC), 2, 14,
                 load_from=pre, train_cfg=dict(max_epochs=20), **_loaders())
    info = describe_run(checkpoint=fine)
    assert (info['method'], info['protocol'], info['kind']) == (
        'Joint-AVID', 'finetune', 'ssl')
    assert (info['pretrain_epochs'], info['finetune_epochs'],
            info['best_epoch']) == (40, 20, 14)
    assert (info['seed'], info['pretrain_seed']) == (2, 2)
    assert info['pretrain_checkpoint'] == pre
    # the dataset of the evaluated clips wins over the config's
    assert describe_run(checkpoint=fine, ann_file='/d/demo/test.txt')[
        'dataset'] == 'demo'
    assert jsonable(info)['method'] == 'Joint-AVID'


def test_cma_counts_the_cross_avid_epochs_it_started_from(tmp_path):
    cross = _ckpt(tmp_path / 'c.pth', dict(type='AVID', video_backbone=ENC,
                                           head=dict(loss=dict(
                                               target='cross'))), 1, 20)
    cma = _ckpt(tmp_path / 'd.pth', dict(type='CMA', video_backbone=ENC),
                1, 20, load_from=cross)
    info = describe_run(checkpoint=cma)
    assert (info['method'], info['pretrain_epochs']) == ('AVID+CMA', 40)


def test_classifiers_without_load_from_are_the_supervised_baselines(
        tmp_path):
    for modality, name in (('video', 'Baseline-R'), ('audio', 'Baseline-A'),
                           ('av', 'Baseline-R+A')):
        ckpt = _ckpt(tmp_path / f'{modality}.pth', dict(
            type='AudioVisualRecognizer', modality=modality,
            video_backbone=ENC), 0, 20, load_from=None,
            train_cfg=dict(max_epochs=20))
        info = describe_run(checkpoint=ckpt)
        assert (info['method'], info['protocol'], info['kind']) == (
            name, 'from scratch', 'supervised')
        assert info['pretrain_epochs'] is None


def test_avcl_variants_and_a_lost_pretraining(tmp_path):
    pre = _ckpt(tmp_path / 'e.pth', dict(type='AVCL', video_backbone=ENC,
                                         neck=None,
                                         amfm_reading='literal'), 0, 30)
    assert describe_run(checkpoint=pre)['method'] == \
        'AVCL (AMFM off, literal)'
    centred = _ckpt(tmp_path / 'g.pth', dict(
        type='AVCL', video_backbone=ENC, neck=dict(type='AMFM'),
        head=dict(loss_cor=dict(type='CGRALoss', center=True))), 0, 30)
    assert describe_run(checkpoint=centred)['method'] == 'AVCL (centred C)'
    fine = _ckpt(tmp_path / 'f.pth', dict(type='AudioVisualRecognizer',
                                          video_backbone=ENC), 0, 3,
                 load_from=str(tmp_path / 'gone.pth'))
    info = describe_run(checkpoint=fine)
    assert (info['method'], info['protocol']) == ('unknown pretraining',
                                                  'finetune')


def test_no_checkpoint_is_the_random_initialisation():
    cfg = Config(dict(model=dict(type='AVCL', video_backbone=ENC),
                      randomness=dict(seed=3), **_loaders('data/demo')))
    info = describe_run(cfg)
    assert (info['method'], info['kind'], info['seed'], info['dataset']) \
        == ('Random init', 'random', 3, 'demo')


def test_a_resumed_finetuning_still_names_its_pretraining(tmp_path):
    """tools/train.py --resume clears load_from (or points it at the
    checkpoint resumed from) and keeps the start in init_from."""
    pre = _ckpt(tmp_path / 'p.pth', dict(type='BYOL', video_backbone=ENC),
                1, 40)
    clf = dict(type='AudioVisualRecognizer', video_backbone=ENC)
    resumed = _ckpt(tmp_path / 'r.pth', clf, 1, 18, load_from=None,
                    resume=True, init_from=pre,
                    train_cfg=dict(max_epochs=20))
    info = describe_run(checkpoint=resumed)
    assert (info['method'], info['protocol'], info['pretrain_epochs']) == (
        'BYOL', 'finetune', 40)
    # resumed from an explicit checkpoint: that one is not the pretraining
    explicit = _ckpt(tmp_path / 'e.pth', clf, 1, 18,
                     load_from=str(tmp_path / 'r.pth'), resume=True,
                     init_from=None, train_cfg=dict(max_epochs=20))
    assert describe_run(checkpoint=explicit)['method'] == 'Baseline-R+A'
    # an older resumed run that kept nothing: unknown, never a baseline
    old = _ckpt(tmp_path / 'o.pth', clf, 1, 18, load_from=None, resume=True,
                train_cfg=dict(max_epochs=20))
    info = describe_run(checkpoint=old)
    assert info['protocol'] == 'unknown' and 'unknown' in info['method']
