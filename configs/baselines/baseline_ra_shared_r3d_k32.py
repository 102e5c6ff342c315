# Baseline-R+A with ONE R3D network for both modalities, as the journal
# describes it ("features of different modalities ... through only one R3D
# network"): the video R3D also encodes the spectrogram (its one channel
# repeated to 3), the classifier sees [v; a]. Supervised, from scratch, with
# the finetuning schedule. The Table IV row of the leaderboard uses the
# two-network baseline_ra_r3d_k32.py (the same encoders every compared method
# gets, so only the objective differs); see docs/paper_notes.md.
#   bash tools/dist_train.sh configs/baselines/baseline_ra_shared_r3d_k32.py 8
_base_ = ['./baseline_ra_r3d_k32.py']
model = dict(audio_backbone=None, share_backbone=True)
