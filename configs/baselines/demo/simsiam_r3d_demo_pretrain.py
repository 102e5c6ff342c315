# SimSiam (predictor + stop-gradient): demo pretraining
# (CPU, minutes), the demo pretraining with a demo-sized projector
# (the paper-sized one is in
# configs/baselines/simsiam_r3d_k32.py). Then finetune:
#   python tools/train.py configs/baselines/demo/concat_r3d_demo_finetune.py \
#       --work-dir work_dirs/simsiam_r3d_demo_finetune \
#       --cfg-options \
#       load_from=work_dirs/simsiam_r3d_demo_pretrain/epoch_30.pth
_base_ = ['../../_base_/models/simsiam_r3d.py',
          '../../_base_/pretrain_demo.py']
model = dict(
    video_backbone=dict(base_channels=16),
    audio_backbone=dict(base_channels=16),
    feat_channels=(128, 128),
    neck=dict(video=dict(hidden_channels=256, out_channels=256),
              audio=dict(hidden_channels=256, out_channels=256)),
    head=dict(predictor=dict(hidden_channels=64, out_channels=256)))
# the lr the comparison methods were measured with on the demo (AVCL's demo
# uses the paper's 0.001 with its reading of Eq. 3-11)
optim_wrapper = dict(optimizer=dict(lr=0.01))
