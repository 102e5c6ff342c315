# Supervised finetuning of demo-pretrained AVID / CMA / CMAC encoders: the
# baselines' demo finetuning (30 epochs, classifier on the plain
# concatenation [v; a], no fusion neck; best val top-1 kept, 3-clip test). Pass the
# pretraining checkpoint and a work dir per method, e.g.
#   python tools/train.py configs/related/demo/related_r3d_demo_finetune.py \
#       --work-dir work_dirs/related_demo/cma_finetune \
#       --cfg-options load_from=work_dirs/cma_r3d_demo_pretrain/epoch_15.pth
_base_ = ['../../baselines/_base_/concat_r3d_demo.py']
