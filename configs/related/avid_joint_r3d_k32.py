# Joint-AVID (AVID Eq. 6: self- and cross-modal terms), R3D encoders,
# Kinetics-Sounds32.
#   bash tools/dist_train.sh configs/related/avid_joint_r3d_k32.py 8
_base_ = ['./_base_/avid_r3d_k32.py']
model = dict(head=dict(loss=dict(target='joint')))
