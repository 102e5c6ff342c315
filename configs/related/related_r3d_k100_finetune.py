# related_r3d_k32_finetune.py on Kinetics-Sounds100: K100 splits, 100
# classes (classifier on [v; a]).
#   bash tools/dist_train.sh configs/related/related_r3d_k100_finetune.py 8 \
#       --work-dir work_dirs/cma_r3d_k100_finetune \
#       --cfg-options load_from=work_dirs/cma_r3d_k100/epoch_150.pth
_base_ = ['../baselines/_base_/concat_r3d_k100.py']
