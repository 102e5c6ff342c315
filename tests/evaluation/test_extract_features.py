"""extract_features: stacks mode='tensor' features and labels."""
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.model import BaseDataPreprocessor, BaseModel

from avcl_mm.evaluation.feature_extraction import extract_features
from avcl_mm.utils.compat import set_gt_label


class TinyRecognizer(BaseModel):
    """Returns fixed functions of its inputs as 'video'/'audio'/'fused'."""

    def __init__(self) -> None:
        super().__init__(data_preprocessor=BaseDataPreprocessor())
        self.seen_training = []

    def forward(self, inputs, data_samples=None, mode='tensor'):
        assert mode == 'tensor'
        self.seen_training.append(self.training)
        return dict(video=inputs, audio=-inputs, fused=inputs[:, :1] * 10)


def _batch(rows, labels, clips=1):
    samples = [set_gt_label(ActionDataSample(), label) for label in labels]
    inputs = torch.tensor(rows, dtype=torch.float32)
    return dict(inputs=inputs.repeat_interleave(clips, dim=0),
                data_samples=samples)


def test_stacks_features_and_labels_over_batches():
    loader = [_batch([[1, 2], [3, 4]], [0, 1]), _batch([[5, 6]], [2])]
    out = extract_features(TinyRecognizer(), loader)
    torch.testing.assert_close(out['video'],
                               torch.tensor([[1., 2.], [3., 4.], [5., 6.]]))
    torch.testing.assert_close(out['audio'], -out['video'])
    torch.testing.assert_close(out['fused'], torch.tensor([[10.], [30.],
                                                           [50.]]))
    assert out['labels'].tolist() == [0, 1, 2]


def test_averages_the_clips_of_each_sample():
    batch = _batch([[1, 2], [3, 4]], [0, 1], clips=3)
    batch['inputs'][0] += 3  # clips of sample 0: (4, 5), (1, 2), (1, 2)
    out = extract_features(TinyRecognizer(), [batch], modality='video')
    torch.testing.assert_close(out['video'], torch.tensor([[2., 3.],
                                                           [3., 4.]]))
    assert set(out) == {'video', 'labels'}


def test_runs_in_eval_mode_and_restores_training_mode():
    model = TinyRecognizer().train()
    extract_features(model, [_batch([[1, 2]], [0])])
    assert model.seen_training == [False] and model.training


def test_missing_feature_key_names_the_available_ones():
    with pytest.raises(KeyError, match=r'no "depth".*audio.*fused.*video'):
        extract_features(TinyRecognizer(), [_batch([[1, 2]], [0])],
                         modality=('depth', ))


def test_sample_without_label_is_reported():
    batch = dict(inputs=torch.ones(1, 2), data_samples=[ActionDataSample()])
    with pytest.raises(ValueError, match='no ground-truth label'):
        extract_features(TinyRecognizer(), [batch])
