"""BadSampleReportHook routes worker reports to the work dir and writes the
de-duplicated list with a count at the end of the run."""
import logging
import os
import subprocess
import sys
import types

from avcl_mm.datasets.bad_sample import ENV_LOG, reset_bad_samples
from avcl_mm.engine.bad_sample_hook import BadSampleReportHook


class _Logger:

    def __init__(self):
        self.lines = []

    def warning(self, msg):
        self.lines.append(('W', msg))

    def info(self, msg):
        self.lines.append(('I', msg))


def test_reports_from_other_processes_are_counted_and_listed(
        tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_LOG, str(tmp_path / 'unused'))  # restored after
    reset_bad_samples()
    runner = types.SimpleNamespace(work_dir=str(tmp_path), rank=0,
                                   logger=_Logger())
    hook = BadSampleReportHook()
    hook.before_run(runner)
    assert os.environ[ENV_LOG].startswith(str(tmp_path))
    # a "dataloader worker": a separate process reporting two bad files,
    # one of them twice
    code = ('from avcl_mm.datasets.bad_sample import report_bad_sample\n'
            'report_bad_sample("a.mp4", "corrupt")\n'
            'report_bad_sample("a.mp4", "corrupt")\n'
            'report_bad_sample("b.mp4", "no audio")\n')
    subprocess.run([sys.executable, '-c', code], check=True,
                   env=dict(os.environ))
    hook.after_train_epoch(runner)
    assert any('2 bad input file(s)' in m for k, m in runner.logger.lines)
    hook.after_run(runner)
    listed = (tmp_path / 'bad_samples.txt').read_text().splitlines()
    assert [line.split('\t')[0] for line in listed] == ['a.mp4', 'b.mp4']
    assert any('bad input files in this run: 2' in m
               for k, m in runner.logger.lines)
    reset_bad_samples()
