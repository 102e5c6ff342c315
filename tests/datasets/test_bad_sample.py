"""The process-wide bad-sample registry."""
import warnings

import pytest

from avcl_mm.datasets.bad_sample import (BadSampleWarning, bad_sample_counts,
                                         bad_sample_summary, count_event,
                                         report_bad_sample, reset_bad_samples,
                                         set_bad_sample_log,
                                         write_bad_sample_list)


def test_first_report_of_a_file_warns_and_repeats_only_count():
    with pytest.warns(BadSampleWarning, match='a.mp4'):
        assert report_bad_sample('a.mp4', 'no audio', kind='no_audio')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert not report_bad_sample('a.mp4', 'no audio', kind='no_audio')
    assert bad_sample_counts() == {'no_audio': 2}
    assert bad_sample_summary() == {'a.mp4': 'no_audio: no audio'}


def test_reset_forgets_reports_and_counts():
    with pytest.warns(BadSampleWarning):
        report_bad_sample('a.mp4', 'x')
    count_event('nonfinite_audio_samples', 5)
    reset_bad_samples()
    assert bad_sample_summary() == {} and bad_sample_counts() == {}


def test_reasons_are_one_short_line():
    with pytest.warns(BadSampleWarning):
        report_bad_sample('a.mp4', 'line one\nline two ' + 'x' * 1000)
    reason = bad_sample_summary()['a.mp4']
    assert '\n' not in reason and len(reason) < 400


def test_log_file_collects_reports_of_other_processes(tmp_path):
    log = tmp_path / 'bad.txt'
    log.write_text('/data/other_worker.mp4\tunreadable: boom\n')
    set_bad_sample_log(str(log))
    try:
        with pytest.warns(BadSampleWarning):
            report_bad_sample('/data/here.mp4', 'no audio', kind='no_audio')
        assert bad_sample_summary() == {
            '/data/other_worker.mp4': 'unreadable: boom',
            '/data/here.mp4': 'no_audio: no audio'}
        assert log.read_text().count('\n') == 2
    finally:
        set_bad_sample_log(None)


def test_write_bad_sample_list_sorts_and_counts(tmp_path):
    with pytest.warns(BadSampleWarning):
        report_bad_sample('b.mp4', 'y')
        report_bad_sample('a.mp4', 'x')
    out = tmp_path / 'work' / 'bad_samples.txt'
    assert write_bad_sample_list(str(out)) == 2
    assert out.read_text() == 'a.mp4\tbad_file: x\nb.mp4\tbad_file: y\n'
