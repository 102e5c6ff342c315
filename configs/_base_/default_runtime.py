# Runtime shared by every avcl_mm config.
default_scope = 'mmaction'
custom_imports = dict(imports=['avcl_mm'], allow_failed_imports=False)
# AVRunner (avcl_mm.engine.runner): config checks before anything is built,
# gloo and no SyncBN on machines without GPUs, atomic checkpoint writes, safe
# checkpoint loading, a clean end of the process group; every entry point
# that builds the runner from the config (tools/train.py, mmaction2's
# train.py, mim train) gets it
runner_type = 'AVRunner'

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # rotation that deletes an old checkpoint only after the new one is on
    # disk (avcl_mm.engine.safe_checkpoint_hook)
    checkpoint=dict(type='SafeCheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'),
    # every epoch a function of (seed, epoch): a resumed epoch repeats the
    # interrupted one (avcl_mm.engine.epoch_seed_hook)
    epoch_seed=dict(type='EpochSeedHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # AVRunner switches to 'gloo' when no GPU is present; force it with
    # --cfg-options env_cfg.dist_cfg.backend=gloo
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
