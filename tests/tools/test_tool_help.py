"""Every command-line tool explains itself: its whole docstring in --help
and a description for every argument."""
import argparse
import glob
import importlib.util
import os.path as osp

import pytest

from helpers.runs import REPO

# every script a user runs (modules named _*.py are their libraries)
TOOLS = sorted(
    osp.relpath(p, REPO) for pattern in ('tools/*.py', 'tools/*/*.py')
    for p in glob.glob(osp.join(REPO, pattern))
    if not osp.basename(p).startswith('_'))


class _Captured(Exception):

    def __init__(self, parser):
        super().__init__('parser captured')
        self.parser = parser


def _parser(path, monkeypatch):
    """The tool's ArgumentParser, caught when it starts parsing."""

    def capture(self, *args, **kwargs):
        raise _Captured(self)

    monkeypatch.setattr(argparse.ArgumentParser, 'parse_args', capture)
    monkeypatch.setattr(argparse.ArgumentParser, 'parse_known_args',
                        capture)
    spec = importlib.util.spec_from_file_location(
        'tool_' + osp.basename(path)[:-3], osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    entry = getattr(module, 'parse_args', None) or getattr(module, 'main')
    try:
        entry([]) if entry.__code__.co_argcount else entry()
    except _Captured as caught:
        return caught.parser, module
    raise AssertionError(f'{path} never built an argument parser')


@pytest.mark.parametrize('path', TOOLS)
def test_every_argument_has_a_description(path, monkeypatch):
    parser, module = _parser(path, monkeypatch)
    undocumented = [a.option_strings[0] if a.option_strings else a.dest
                    for a in parser._actions
                    if not isinstance(a, argparse._HelpAction) and
                    not (a.help and a.help.strip())]
    assert not undocumented, f'{path}: no help for {undocumented}'
    doc = (module.__doc__ or '').strip()
    assert doc, f'{path} has no docstring'
    # the whole docstring, not only its first line
    assert parser.description and \
        doc.split('\n\n')[-1].strip().split('\n')[0].strip() in \
        parser.description + (parser.epilog or ''), path
