import pytest
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True)
def mmaction_scope():
    # mmcv builds some layers (Conv2plus1d, ...) through the default scope, as
    # the Runner sets it
    with DefaultScope.overwrite_default_scope('mmaction'):
        yield
