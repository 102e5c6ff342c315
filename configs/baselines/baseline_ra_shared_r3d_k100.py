# Baseline-R+A with one shared R3D network (see baseline_ra_shared_r3d_k32.py)
# on Kinetics-Sounds100.
#   bash tools/dist_train.sh configs/baselines/baseline_ra_shared_r3d_k100.py 8
_base_ = ['./baseline_ra_r3d_k100.py']
model = dict(audio_backbone=None, share_backbone=True)
