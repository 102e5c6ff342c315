# AVCL R(2+1)D pretraining on K32 with every speed switch of issue 17 on:
# short-side-128 copies with their audio (tools/data/resize_videos_av.py),
# log-mel on the GPU (avcl_r2plus1d_k32_device_mel.py), bf16 autocast,
# channels_last_3d convolutions and torch.compile. Each switch below is
# independent; remove one to turn it off. Same model, loss and schedule as
# configs/avcl_r2plus1d_k32.py. Measured figures: docs/performance.md.
#   python tools/data/resize_videos_av.py data/kinetics400/videos \
#       data/kinetics400/videos_128 \
#       --ann-file data/kinetics_sounds/k32_train.txt --workers 16
#   bash tools/dist_train.sh configs/performance/avcl_r2plus1d_k32_fast.py 8
_base_ = ['./avcl_r2plus1d_k32_device_mel.py']

# 1. the resized copies (same relative paths, .mp4)
train_dataloader = dict(
    dataset=dict(data_prefix=dict(video='data/kinetics400/videos_128')))
# 2. bf16 autocast, keeping the non-finite-loss guard of the paper configs
#    (weights, gradients and SGD state stay float32; losses and log-mel
#    compute in float32)
optim_wrapper = dict(type='FiniteLossAmpOptimWrapper', dtype='bfloat16')
# 3. channels_last_3d weights and conv inputs
custom_hooks = [dict(type='BadSampleReportHook'),
                dict(type='AMFMMonitorHook', interval=20),
                dict(type='ChannelsLast3dHook')]
# 4. torch.compile of train_step (mmengine's key; the first iterations
#    compile for minutes; the log-mel preprocessing is never traced)
compile = dict(backend='inductor')
