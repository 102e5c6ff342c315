"""Puts the tests folder on sys.path, so that test modules import their
shared helpers as ``helpers.<module>``; fixtures shared by several
folders."""
import os.path as osp
import sys

import pytest

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from helpers.runs import run_tool  # noqa: E402


@pytest.fixture(scope='session')
def tiny_demo(tmp_path_factory):
    """A 6-class demo dataset with 2 train / 1 val / 1 test clips a class."""
    out = tmp_path_factory.mktemp('demo')
    run_tool('tools/data/make_demo_dataset.py', '--out', str(out),
             '--train-per-class', '2', '--val-per-class', '1',
             '--test-per-class', '1', '--seconds', '1.0')
    return out
