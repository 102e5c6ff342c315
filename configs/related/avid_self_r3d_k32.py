# Self-AVID (AVID Eq. 4: v -> memory v, a -> memory a), R3D encoders,
# Kinetics-Sounds32. Finetune with configs/related/related_r3d_k32_finetune.py.
#   bash tools/dist_train.sh configs/related/avid_self_r3d_k32.py 8
_base_ = ['./_base_/avid_r3d_k32.py']
model = dict(head=dict(loss=dict(target='self')))
