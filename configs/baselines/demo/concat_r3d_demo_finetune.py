# Demo finetuning + test of a self-supervised comparison method: both online
# encoders from its demo pretraining checkpoint, classifier on [v; a] (no
# AMFM). Projector / momentum / queue weights are skipped (with a warning).
#   python tools/train.py configs/baselines/demo/concat_r3d_demo_finetune.py \
#       --work-dir work_dirs/simclr_r3d_demo_finetune \
#       --cfg-options load_from=work_dirs/simclr_r3d_demo_pretrain/epoch_30.pth
_base_ = ['../_base_/concat_r3d_demo.py']
