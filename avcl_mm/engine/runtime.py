"""Launch-time helpers shared by tools/train.py and tools/test.py."""
import os

from mmengine.config import Config


def use_gloo_without_gpu(cfg: Config) -> bool:
    """Switch the distributed backend to gloo when no GPU is present.

    nccl needs GPUs; on CPU-only machines (CI, laptops) distributed runs use
    gloo. Force a backend explicitly with
    ``--cfg-options env_cfg.dist_cfg.backend=gloo``.

    Returns:
        bool: whether the backend was changed.
    """
    import torch
    if 'env_cfg' not in cfg:
        cfg.env_cfg = dict()
    if 'dist_cfg' not in cfg.env_cfg:
        cfg.env_cfg.dist_cfg = dict(backend='nccl')
    if cfg.get('launcher', 'none') != 'none' and \
            not torch.cuda.is_available() and \
            cfg.env_cfg.dist_cfg.get('backend', 'nccl') == 'nccl':
        cfg.env_cfg.dist_cfg.backend = 'gloo'
        print('[avcl_mm] no GPU found: using the gloo backend', flush=True)
        changed = True
    else:
        changed = False
    # mmengine's pytorch launcher calls torch.cuda.set_device, which fails
    # without a GPU; a process group that exists already is reused by the
    # Runner, so start it here for CPU-only torchrun launches.
    if cfg.get('launcher', 'none') != 'none' and \
            not torch.cuda.is_available():
        # DDP on CPU modules takes no device ids (mmengine passes LOCAL_RANK)
        wrapper = dict(cfg.get('model_wrapper_cfg') or
                       dict(type='MMDistributedDataParallel'))
        wrapper['device_ids'] = None
        cfg.model_wrapper_cfg = wrapper
    import torch.distributed as dist
    if cfg.get('launcher', 'none') == 'pytorch' and \
            not torch.cuda.is_available() and dist.is_available() and \
            not dist.is_initialized() and 'RANK' in os.environ:
        dist.init_process_group(
            backend=cfg.env_cfg.dist_cfg.get('backend', 'gloo'),
            init_method='env://')
    return changed
