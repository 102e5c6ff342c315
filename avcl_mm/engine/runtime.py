"""Launch-time helpers shared by tools/train.py and tools/test.py."""
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
        return True
    return False
