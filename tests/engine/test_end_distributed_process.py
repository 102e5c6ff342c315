"""avcl_mm.engine.runtime.end_distributed_process: a finished distributed
rank closes what it holds, stops its worker processes and leaves with exit
status 0 before any interpreter teardown; outside a distributed run it does
nothing."""
import os
import subprocess
import sys
import textwrap
import time

from helpers.runs import REPO

SCRIPT = textwrap.dedent("""
    import multiprocessing, sys, time
    import torch.distributed as dist
    from avcl_mm.engine.runtime import end_distributed_process

    out = sys.argv[1]

    class Visualizer:
        def close(self):
            open(out + '/closed', 'w').write('yes')

    class Runner:
        visualizer = Visualizer()

    if __name__ == '__main__':
        end_distributed_process(Runner())  # not distributed: returns
        print('RETURNED', flush=True)
        dist.init_process_group('gloo', init_method='file://' + out + '/store',
                                rank=0, world_size=1)
        worker = multiprocessing.Process(target=time.sleep, args=(120, ))
        worker.start()
        open(out + '/worker', 'w').write(str(worker.pid))
        print('partial line without newline', end='')
        end_distributed_process(Runner())
        print('AFTER', flush=True)  # must never run
        sys.exit(3)
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_finished_rank_closes_stops_workers_and_exits_zero(tmp_path):
    script = tmp_path / 'rank.py'
    script.write_text(SCRIPT)
    # output to files, not pipes: a worker left alive would hold a pipe open
    # and make the run wait for it
    with open(tmp_path / 'out.txt', 'w') as out, \
            open(tmp_path / 'err.txt', 'w') as err:
        proc = subprocess.run([sys.executable, str(script), str(tmp_path)],
                              cwd=REPO, stdout=out, stderr=err, timeout=100)
    stdout = (tmp_path / 'out.txt').read_text()
    assert proc.returncode == 0, (tmp_path / 'err.txt').read_text()[-3000:]
    assert 'RETURNED' in stdout  # no-op outside a distributed run
    assert 'AFTER' not in stdout  # left at once, status 0
    assert 'partial line without newline' in stdout  # streams flushed
    assert (tmp_path / 'closed').read_text() == 'yes'  # visualizer closed
    pid = int((tmp_path / 'worker').read_text())
    deadline = time.time() + 10
    while _alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)  # the worker process was stopped and reaped
