"""AudioVisualDataset: annotation parsing, class lists, filtering, errors."""
import os.path as osp

import pytest

from avcl_mm.datasets.audio_visual_dataset import (AudioVisualDataset,
                                                   read_class_list)
from avcl_mm.utils.compat import get_gt_label, has_gt_label

LISTS = osp.join(osp.dirname(__file__), '..', '..', 'avcl_mm', 'datasets',
                 'class_lists')
K32 = osp.join(LISTS, 'kinetics_sounds32.txt')
K100 = osp.join(LISTS, 'kinetics_sounds100.txt')


def make(tmp_path, text, **kwargs):
    ann = tmp_path / 'ann.txt'
    ann.write_text(text)
    return AudioVisualDataset(str(ann), [], **kwargs)


def test_lines_become_filename_label_and_sample_idx(tmp_path):
    ds = make(tmp_path, 'a/x.mp4 1\n\n# comment\nb/y.mp4 0\n',
              data_prefix=dict(video='/videos'), classes=['cat', 'dog'])
    assert len(ds) == 2
    first, second = ds.get_data_info(0), ds.get_data_info(1)
    assert first['filename'] == '/videos/a/x.mp4' and first['label'] == 1
    assert second['filename'] == '/videos/b/y.mp4' and second['label'] == 0
    assert (first['sample_idx'], second['sample_idx']) == (0, 1)
    assert ds.metainfo['classes'] == ('cat', 'dog')
    assert ds.num_classes == 2


def test_lines_without_label_have_no_gt_label(tmp_path):
    from mmaction.datasets.transforms import PackActionInputs
    import numpy as np
    ds = make(tmp_path, 'x.mp4\ny.mp4\n')
    info = ds.get_data_info(0)
    assert 'label' not in info
    packed = PackActionInputs()(dict(info, imgs=np.zeros((1, 3, 1, 2, 2),
                                                          np.float32)))
    assert not has_gt_label(packed['data_samples'])


def test_labels_reach_the_packed_sample(tmp_path):
    from mmaction.datasets.transforms import PackActionInputs
    import numpy as np
    ds = make(tmp_path, 'x.mp4 3\n', num_classes=5)
    packed = PackActionInputs()(dict(ds.get_data_info(0),
                                     imgs=np.zeros((1, 3, 1, 2, 2),
                                                   np.float32)))
    assert get_gt_label(packed['data_samples']).tolist() == [3]


@pytest.mark.parametrize('text,match', [
    ('x.mp4 1\ny.mp4 one\n', r'ann.txt, line 2'),
    ('x.mp4 1 2\n', r'line 1'),
    ('x.mp4 -1\n', r'outside'),
    ('x.mp4 2\n', r'outside \[0, 2\)'),
])
def test_malformed_lines_name_the_file_and_line(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        make(tmp_path, text, classes=['a', 'b'])


def test_multi_class_lines_become_one_hot(tmp_path):
    ds = make(tmp_path, 'x.mp4 0 2\n', multi_class=True, num_classes=3)
    assert ds.get_data_info(0)['label'].tolist() == [1.0, 0.0, 1.0]


def test_missing_annotation_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        AudioVisualDataset(str(tmp_path / 'nope.txt'), [])


def test_class_list_file_skips_comments_and_blank_lines(tmp_path):
    path = tmp_path / 'classes.txt'
    path.write_text('# header\ncat\n\n  dog  \n')
    assert read_class_list(str(path)) == ['cat', 'dog']
    ds = make(tmp_path, 'x.mp4 1\n', classes=str(path))
    assert ds.metainfo['classes'] == ('cat', 'dog')


def test_filter_classes_keeps_and_reindexes(tmp_path):
    ds = make(tmp_path, 'a.mp4 0\nb.mp4 1\nc.mp4 2\nd.mp4 2\n',
              classes=['ant', 'bee', 'cow'], filter_classes=['cow', 'ant'])
    kept = [(osp.basename(ds.get_data_info(i)['filename']),
             ds.get_data_info(i)['label']) for i in range(len(ds))]
    assert kept == [('a.mp4', 1), ('c.mp4', 0), ('d.mp4', 0)]
    assert ds.metainfo['classes'] == ('cow', 'ant') and ds.num_classes == 2


def test_filter_classes_with_unknown_names_raises(tmp_path):
    with pytest.raises(ValueError, match='emu'):
        make(tmp_path, 'a.mp4 0\n', classes=['ant'], filter_classes=['emu'])


def test_invalid_options_raise(tmp_path):
    with pytest.raises(ValueError, match='on_error'):
        make(tmp_path, 'a.mp4 0\n', on_error='skip')
    with pytest.raises(ValueError, match='filter_classes needs classes'):
        make(tmp_path, 'a.mp4 0\n', filter_classes=['a'])
    with pytest.raises(ValueError, match='num_classes=3'):
        make(tmp_path, 'a.mp4 0\n', classes=['a', 'b'], num_classes=3)


def test_packaged_kinetics_sounds_class_lists():
    k32, k100 = read_class_list(K32), read_class_list(K100)
    assert len(k32) == len(set(k32)) == 32
    assert len(k100) == len(set(k100)) == 100
    assert set(k32) <= set(k100)
    assert {'dancing charleston', 'belly dancing', 'playing volleyball',
            'playing cricket', 'applauding', 'celebrating'} <= set(k100)
    with open(K100) as f:
        assert 'RECONSTRUCTION' in f.readline()
