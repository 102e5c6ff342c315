"""Bad input during a real tools/train.py run.

The tiny demo's 12 training clips are sprinkled with a corrupt file (random
bytes), a zero-length file, a video without an audio track and a 2-frame
clip (shorter than the 8 x 3 frames a training clip spans). Unit-level
behaviour of each case is in tests/datasets/test_bad_input.py and
tests/engine/test_bad_sample_hook.py; here the whole run is checked.
"""
import os
import os.path as osp
import re

import pytest

from helpers.reliability import PRETRAIN, train_options, write_clip

BAD = ('no_audio', 'corrupt', 'empty')


@pytest.fixture(scope='module')
def sprinkled_demo(tiny_demo, tmp_path_factory):
    """A copy of the tiny demo (links) with 4 odd files among the 12 clips;
    annotation order: 2 good, no_audio, 3 good, corrupt, 3 good, empty,
    2 good, short, 2 good (16 lines)."""
    root = str(tmp_path_factory.mktemp('sprinkled'))
    videos = osp.join(root, 'videos')
    os.makedirs(osp.join(videos, 'train'))
    os.makedirs(osp.join(videos, 'bad'))
    with open(osp.join(tiny_demo, 'train.txt')) as f:
        good = [line.split()[0] for line in f if line.strip()]
    for rel in good:
        os.symlink(osp.join(tiny_demo, 'videos', rel), osp.join(videos, rel))
    write_clip(osp.join(videos, 'bad', 'no_audio.mp4'), audio=False)
    write_clip(osp.join(videos, 'bad', 'short.mp4'), n_frames=2)
    with open(osp.join(videos, 'bad', 'corrupt.mp4'), 'wb') as f:
        f.write(os.urandom(4096))
    open(osp.join(videos, 'bad', 'empty.mp4'), 'wb').close()
    order = good[:2] + ['bad/no_audio.mp4'] + good[2:5] + \
        ['bad/corrupt.mp4'] + good[5:8] + ['bad/empty.mp4'] + good[8:10] + \
        ['bad/short.mp4'] + good[10:]
    with open(osp.join(root, 'train.txt'), 'w') as f:
        f.write(''.join(f'{rel}\n' for rel in order))  # no labels: SSL
    return root


def test_run_with_bad_files_trains_to_the_end_and_lists_them(
        sprinkled_demo, tmp_path, background):
    work = str(tmp_path / 'warn')
    run = background(['tools/train.py', PRETRAIN, '--cfg-options',
                      *train_options(sprinkled_demo, work)],
                     str(tmp_path / 'warn.out'))
    out = run.finish()
    # 16 lines, batch 2: 8 iterations per epoch, both epochs complete
    assert 'Epoch(train) [2][8/8]' in out
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    bad_path = {name: osp.join(sprinkled_demo, 'videos', 'bad',
                               f'{name}.mp4') for name in BAD + ('short', )}
    with open(osp.join(work, 'bad_samples.txt')) as f:
        listed = dict(line.rstrip('\n').split('\t', 1) for line in f)
    assert sorted(listed) == sorted(bad_path[name] for name in BAD)
    assert listed[bad_path['no_audio']].startswith('no_audio:')
    assert 'using silence' in listed[bad_path['no_audio']]
    assert listed[bad_path['corrupt']].startswith('unreadable:')
    assert 'zero-length file' in listed[bad_path['empty']]
    assert 'replaced by the next sample' in listed[bad_path['empty']]
    # one warning per bad file over the 2 epochs, a count, the list's path
    for name in BAD:
        warnings = re.findall(
            r'bad input "' + re.escape(bad_path[name]) + '"', out)
        assert len(warnings) == 1, (name, warnings)
    assert '3 bad input file(s) so far' in out
    assert 'bad input files in this run: 3 (list: ' in out
    # the 2-frame clip is usable: mmaction's SampleFrames loops it to the
    # clip length and its audio gives a (resized) spectrogram. It is
    # trained on, not listed.
    assert bad_path['short'] not in out


def test_strict_mode_stops_at_the_first_bad_file_naming_it(
        sprinkled_demo, tmp_path, background):
    """The first bad file in reading order is the video without audio -
    which the transforms would read as silence - so strict mode must cover
    it, not only files that fail to decode."""
    work = str(tmp_path / 'strict')
    run = background(['tools/train.py', PRETRAIN, '--cfg-options',
                      *train_options(sprinkled_demo, work),
                      'train_dataloader.dataset.on_error=raise',
                      'train_dataloader.sampler.shuffle=False'],
                     str(tmp_path / 'strict.out'))
    run.proc.wait(timeout=300)
    out = run.output()
    assert run.proc.returncode != 0
    no_audio = osp.join(sprinkled_demo, 'videos', 'bad', 'no_audio.mp4')
    error = [line for line in out.splitlines()
             if line.startswith('RuntimeError')]
    assert error and no_audio in error[-1], out[-3000:]
    assert 'strict mode' in error[-1] and 'no audio' in error[-1].lower()
    assert 'corrupt.mp4' not in out  # it stopped at the first
    assert 'Epoch(train) [1][2/8]' not in out  # in the 2nd batch
    assert not osp.exists(osp.join(work, 'epoch_1.pth'))
