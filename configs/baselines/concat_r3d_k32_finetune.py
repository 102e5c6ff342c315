# Finetuning + test of any self-supervised comparison method (SimCLR, MoCo,
# BYOL, SimSiam, Barlow Twins, IIC) on Kinetics-Sounds32: both online
# encoders from the pretraining checkpoint, classifier on [v; a] (no AMFM),
# AVCL finetuning schedule. Projector / momentum / queue weights of the
# checkpoint are not part of this model and are skipped (with a warning).
#   bash tools/dist_train.sh configs/baselines/concat_r3d_k32_finetune.py 8 \
#       --work-dir work_dirs/simclr_r3d_k32_finetune \
#       --cfg-options load_from=work_dirs/simclr_r3d_k32/epoch_300.pth
_base_ = ['./_base_/concat_r3d_k32.py']
