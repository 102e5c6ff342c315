# Finetuning + test of any self-supervised comparison method on
# Kinetics-Sounds100 (classifier on [v; a], AVCL finetuning schedule).
#   bash tools/dist_train.sh configs/baselines/concat_r3d_k100_finetune.py 8 \
#       --work-dir work_dirs/simclr_r3d_k100_finetune \
#       --cfg-options load_from=work_dirs/simclr_r3d_k100/epoch_300.pth
_base_ = ['./_base_/concat_r3d_k100.py']
