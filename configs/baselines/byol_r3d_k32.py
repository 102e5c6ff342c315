# BYOL (Grill et al. 2020) as an AVCL comparison method (Table IV, R3D, K32:
# 73.3 top-1 in the paper): the online prediction of each modality regresses
# the target projection of the other modality of the same clip. BYOL's
# projector 512 -> 4096 (BN, ReLU) -> 256 and predictor 256 -> 4096 -> 256;
# the target encoders and projector follow the online ones with momentum
# 0.996 raised to 1 by BYOL's cosine schedule.
#   bash tools/dist_train.sh configs/baselines/byol_r3d_k32.py 8
# then finetune with configs/baselines/concat_r3d_k32_finetune.py.
_base_ = ['./_base_/ssl_r3d_k32.py']
proj = dict(in_channels=512, hidden_channels=4096, out_channels=256,
            num_layers=2)
pred = dict(in_channels=256, hidden_channels=4096, out_channels=256,
            num_layers=2)
model = dict(
    type='MomentumAVRecognizer',
    momentum=0.996,
    momentum_schedule='cosine',
    ssl_head=dict(
        _delete_=True,  # replace the base's ssl_head, do not merge
        type='AVSSLHead',
        projector=dict(type='AVProjection', video=proj, audio=proj,
                       predictor=pred),
        loss=dict(type='BYOLLoss')))
