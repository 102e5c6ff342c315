# Self-AVID (AVID Eq. 4) pretraining on the bench data: Cross-AVID's bench
# config (8 base channels, MLPs of 128 hidden and 64-d outputs, 256
# negatives from the other training clips' memory-bank rows) with
# within-modality targets.
_base_ = ['./avid_cross_r3d_bench_pretrain.py']
model = dict(head=dict(loss=dict(target='self')))
