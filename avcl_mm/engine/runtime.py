"""Launch-time helpers of ``AVRunner``: a GPU config on a machine without
GPUs, and a clean end of the process group."""
import os
import subprocess
import warnings

from mmengine.config import Config


def _slurm_master_addr() -> str:
    """The first host of ``SLURM_NODELIST`` (as mmengine reads it)."""
    nodes = os.environ.get('SLURM_NODELIST', '127.0.0.1')
    try:
        out = subprocess.run(['scontrol', 'show', 'hostname', nodes],
                             capture_output=True, text=True, timeout=30)
        first = out.stdout.split()
        if out.returncode == 0 and first:
            return first[0]
    except (OSError, subprocess.SubprocessError):
        pass
    # no scontrol: a plain single-host list ("node1" or "node1,node2")
    return nodes.split(',')[0].split('[')[0] or '127.0.0.1'


def _set_slurm_env() -> None:
    """Fill the torch.distributed variables from Slurm's, as mmengine's slurm
    launcher does (it then needs a GPU to call ``cuda.set_device``)."""
    os.environ.setdefault('MASTER_ADDR', _slurm_master_addr())
    os.environ.setdefault('MASTER_PORT', '29500')
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')


def use_gloo_without_gpu(cfg: Config) -> bool:
    """Make a GPU config run on a machine without GPUs.

    When a launcher is set and no GPU is present:

    - the distributed backend becomes ``gloo`` (``nccl`` needs GPUs);
    - ``sync_bn`` is turned off with one warning (``SyncBatchNorm`` only
      works on GPU modules; each process keeps its own BN statistics);
    - DDP gets no device ids, and the process group is started here for the
      ``pytorch`` (torchrun) and ``slurm`` launchers, whose mmengine
      initialisation calls ``torch.cuda.set_device``.

    Force a backend explicitly with
    ``--cfg-options env_cfg.dist_cfg.backend=gloo``.

    Returns:
        bool: whether the backend was changed.
    """
    import torch
    if 'env_cfg' not in cfg:
        cfg.env_cfg = dict()
    if 'dist_cfg' not in cfg.env_cfg:
        cfg.env_cfg.dist_cfg = dict(backend='nccl')
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return False
    changed = False
    if cfg.env_cfg.dist_cfg.get('backend', 'nccl') == 'nccl':
        cfg.env_cfg.dist_cfg.backend = 'gloo'
        print('[avcl_mm] no GPU found: using the gloo backend', flush=True)
        changed = True
    if cfg.get('sync_bn', None):
        warnings.warn(
            f'[avcl_mm] no GPU found: sync_bn={cfg.sync_bn!r} turned off '
            '(SyncBatchNorm needs GPU modules); every process keeps its own '
            'BatchNorm statistics in this run.', stacklevel=2)
        cfg.sync_bn = None
    # DDP on CPU modules takes no device ids (mmengine passes LOCAL_RANK)
    wrapper = dict(cfg.get('model_wrapper_cfg') or
                   dict(type='MMDistributedDataParallel'))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    # mmengine's pytorch and slurm launchers call torch.cuda.set_device,
    # which fails without a GPU; a process group that exists already is
    # reused by the Runner, so start it here.
    import torch.distributed as dist
    if not dist.is_available() or dist.is_initialized():
        return changed
    if launcher == 'slurm' and 'SLURM_PROCID' in os.environ:
        _set_slurm_env()
    if launcher in ('pytorch', 'slurm') and 'RANK' in os.environ:
        dist.init_process_group(
            backend=cfg.env_cfg.dist_cfg.get('backend', 'gloo'),
            init_method='env://')
    return changed


def shutdown_distributed(wait: bool = True) -> None:
    """End a run's process group cleanly: wait for every rank (``wait``),
    then destroy the group.

    A gloo group left to the interpreter's exit can abort a rank with
    ``terminate called without an active exception`` (SIGABRT) after the run
    finished, so torchrun reports a finished run as failed. ``AVRunner``
    calls this when the process exits (without waiting after an uncaught
    exception: the other ranks may never arrive).
    """
    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()):
        return
    try:
        if wait:
            dist.barrier()
    finally:
        dist.destroy_process_group()


def end_distributed_process(runner=None) -> None:
    """End a rank of a finished distributed run without the interpreter's
    teardown, and exit 0.

    After a run's last checkpoint, a gloo rank can still abort with
    ``terminate called without an active exception`` (SIGABRT) while C++
    objects are destroyed after Python has finalised (faulthandler shows no
    Python frame), so torchrun reports the finished run as failed. Ending
    the process group at exit made it rarer, not impossible (1 of 20 runs of
    the demo config, ``tools/analysis/stress_dist_runs.py``). This ends the
    group (every rank waits for the others), closes the runner's
    visualizer backends (TensorBoard files), stops dataloader worker
    processes, flushes the logs and streams, and leaves with ``os._exit(0)``
    so no late destructor runs. Does nothing outside a distributed run.
    """
    import logging
    import multiprocessing
    import sys
    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()):
        return
    shutdown_distributed(wait=True)
    if runner is not None:
        runner.visualizer.close()
    for child in multiprocessing.active_children():  # dataloader workers
        child.terminate()
        child.join(timeout=10)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)
