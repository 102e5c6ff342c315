# Finetuning + test of the related methods (AVID Self/Cross/Joint, CMA,
# CMAC), R3D encoders, Kinetics-Sounds32: both encoders from the pretraining
# checkpoint, classifier on the plain concatenation [v; a] (no fusion neck;
# SPEC 1.7). The AVCL finetuning schedule (wd 5e-3, 150 epochs, dropout
# 0.7, best val top-1 kept, 10-clip test). Pass the checkpoint and a work
# dir per method, e.g.
#   bash tools/dist_train.sh configs/related/related_r3d_k32_finetune.py 8 \
#       --work-dir work_dirs/cma_r3d_k32_finetune \
#       --cfg-options load_from=work_dirs/cma_r3d_k32/epoch_150.pth
# (avid_*_r3d_k32 and cmac_r3d_k32: .../epoch_300.pth). Only the encoder
# weights are used; the SSL head, memory banks, queues and momentum
# encoders of the checkpoint are reported as unexpected keys and ignored.
# The same model and schedule as the baselines' [v; a] finetuning.
_base_ = ['../baselines/_base_/concat_r3d_k32.py']
