"""The baseline losses and necks build from configs by their new names."""
import pytest
from mmaction.registry import MODELS

import avcl_mm  # noqa: F401  (registers the modules)

CONFIGS = [
    dict(type='NTXentCrossModalLoss', temperature=0.2),
    dict(type='MoCoQueueLoss', queue_size=32, feat_dim=8),
    dict(type='BYOLLoss'),
    dict(type='SimSiamLoss'),
    dict(type='BarlowTwinsLoss', lambd=0.005),
    dict(type='InvariantInfoClusteringLoss', num_clusters=10),
    dict(type='InterIntraContrastLoss', temperature=0.07),
    dict(type='ProjectionMLP', num_layers=3),
    dict(type='AVProjection', in_channels=128),
]


@pytest.mark.parametrize('cfg', CONFIGS, ids=lambda cfg: cfg['type'])
def test_builds_from_config_as_the_avcl_mm_class(cfg):
    module = MODELS.build(dict(cfg))
    assert type(module).__name__ == cfg['type']
    assert type(module).__module__.startswith('avcl_mm.')
