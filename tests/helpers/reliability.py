"""Helpers of the reliability tests: run the real tools as subprocesses,
watch their output, kill them, look at what they left behind."""
import glob
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time
from typing import List, Optional

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
PRETRAIN = 'configs/demo/avcl_r3d_demo_pretrain.py'
FAULTS = osp.join(osp.dirname(osp.abspath(__file__)), 'fault_inject.py')


def tool_env(extra: Optional[dict] = None) -> dict:
    """CPU only, one thread: runs are reproducible and share the machine."""
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1',
               PYTHONUNBUFFERED='1')
    env.pop('AVCL_BAD_SAMPLE_LOG', None)
    env.pop('AVCL_TRUST_CHECKPOINTS', None)
    env.update(extra or {})
    return env


def run_tool(*args, timeout: float = 300, check: bool = True,
             env: Optional[dict] = None) -> subprocess.CompletedProcess:
    """Run ``python *args`` in the repository; with ``check`` fail the test
    with the tail of the output when it exits non-zero."""
    proc = subprocess.run([sys.executable, *map(str, args)], cwd=REPO,
                          env=tool_env(env), capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args[:2]} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


def make_tiny_demo(out: str) -> str:
    """6 classes x 2 training clips of 1 s (12 frames), 80 px, with audio."""
    run_tool('tools/data/make_demo_dataset.py', '--out', out,
             '--train-per-class', '2', '--val-per-class', '0',
             '--test-per-class', '0', '--seconds', '1.0')
    return out


def train_options(root: str, work_dir: str, ann: str = 'train.txt',
                  max_epochs: int = 2, batch_size: int = 2) -> List[str]:
    """--cfg-options for a short, deterministic CPU pretraining run on the
    demo config: no workers, a checkpoint and a log line every epoch /
    iteration, fixed seed, deterministic algorithms."""
    return [f'work_dir={work_dir}',
            f'train_dataloader.dataset.ann_file={osp.join(root, ann)}',
            f'train_dataloader.dataset.data_prefix.video='
            f'{osp.join(root, "videos")}',
            'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False',
            f'train_dataloader.batch_size={batch_size}',
            f'train_cfg.max_epochs={max_epochs}',
            'default_hooks.checkpoint.interval=1',
            'default_hooks.logger.interval=1',
            'randomness.seed=0', 'randomness.deterministic=True']


class Background:
    """A tool started in the background with its output in a file."""

    def __init__(self, args, log_path: str, env: Optional[dict] = None):
        self.log_path = log_path
        self._log = open(log_path, 'w')
        self.proc = subprocess.Popen([sys.executable, *map(str, args)],
                                     cwd=REPO, env=tool_env(env),
                                     stdout=self._log,
                                     stderr=subprocess.STDOUT)

    def output(self) -> str:
        with open(self.log_path, errors='replace') as f:
            return f.read()

    def wait_for(self, pattern: str, timeout: float = 240) -> str:
        """Block until ``pattern`` (a regex) is in the output; fail the test
        if the process ends or the time runs out first."""
        regex, end = re.compile(pattern), time.time() + timeout
        while time.time() < end:
            out = self.output()
            if regex.search(out):
                return out
            if self.proc.poll() is not None:
                raise AssertionError(
                    f'process ended ({self.proc.returncode}) before '
                    f'{pattern!r}:\n{out[-5000:]}')
            time.sleep(0.02)
        self.kill()
        raise AssertionError(f'timeout waiting for {pattern!r}:\n'
                             f'{self.output()[-5000:]}')

    def kill(self) -> None:
        """SIGKILL: no handler, no ``finally``, no atexit runs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)
        self._log.close()

    def finish(self, timeout: float = 300) -> str:
        """Wait for a normal end and return the output (fail on error)."""
        try:
            self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.kill()
        self._log.close()
        out = self.output()
        assert self.proc.returncode == 0, out[-5000:]
        return out


def iteration_pattern(epoch: int, index: int) -> str:
    """Regex of mmengine's log line of iteration ``index`` (1-based) of
    ``epoch`` (1-based): ``Epoch(train) [2][3/6] ...``."""
    return rf'Epoch\(train\)\s*\[{epoch}\]\[\s*{index}/\d+\]'


def load_checkpoint(path: str) -> dict:
    from avcl_mm.engine.checkpoint import safe_torch_load
    return safe_torch_load(path, map_location='cpu')


def checkpoint_files(work_dir: str) -> List[str]:
    return sorted(glob.glob(osp.join(work_dir, '*.pth')))


def leftover_temp_files(work_dir: str) -> List[str]:
    """Anything in the work dir that looks like an unfinished write."""
    names = os.listdir(work_dir)
    return sorted(n for n in names
                  if n.startswith('.') or '.tmp' in n or '.part' in n)


def assert_checkpoints_whole(work_dir: str) -> List[str]:
    """Every ``*.pth`` loads (safely) with weights and meta, and
    ``last_checkpoint`` names one of them."""
    files = checkpoint_files(work_dir)
    for path in files:
        state = load_checkpoint(path)
        assert 'state_dict' in state and 'meta' in state, path
        assert 'optimizer' in state, path
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.exists(last):
        with open(last) as f:
            assert f.read().strip() in files, (open(last).read(), files)
    return files


def train_log(work_dir: str) -> str:
    """The text of the newest mmengine log file of a work dir."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.log')))
    assert logs, f'no log in {work_dir}'
    with open(logs[-1], errors='replace') as f:
        return f.read()


def write_clip(path: str, n_frames: int = 12, fps: int = 12,
               size: int = 80, audio: bool = True,
               sample_rate: int = 24000) -> str:
    """A small H.264 mp4 of moving noise, with an AAC sine track unless
    ``audio=False`` (a video without any audio stream)."""
    import av
    import numpy as np
    rng = np.random.default_rng(n_frames)
    with av.open(path, 'w') as out:
        video = out.add_stream('libx264', rate=fps)
        video.width = video.height = size
        video.pix_fmt = 'yuv420p'
        if audio:
            track = out.add_stream('aac', rate=sample_rate)
            track.layout = 'mono'
        for _ in range(n_frames):
            img = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
            for packet in video.encode(
                    av.VideoFrame.from_ndarray(img, format='rgb24')):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if audio:
            n = int(round(n_frames / fps * sample_rate))
            wav = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) /
                                sample_rate)).astype(np.float32)
            for start in range(0, n, 1024):
                frame = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(wav[None, start:start + 1024]),
                    format='fltp', layout='mono')
                frame.sample_rate, frame.pts = sample_rate, start
                for packet in track.encode(frame):
                    out.mux(packet)
            for packet in track.encode():
                out.mux(packet)
    return path
