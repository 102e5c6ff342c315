# MoCo (He et al. 2020) as an AVCL comparison method (Table IV, R3D, K32:
# 68.2 top-1 in the paper): video queries against momentum audio keys and a
# queue of 4096 audio keys, and vice versa. MoCo v2's MLP projector
# 512 -> 512 (ReLU) -> 128, temperature 0.07, key encoders and projector
# follow the online ones with momentum 0.999.
#   bash tools/dist_train.sh configs/baselines/moco_r3d_k32.py 8
# then finetune with configs/baselines/concat_r3d_k32_finetune.py.
_base_ = ['./_base_/ssl_r3d_k32.py']
proj = dict(in_channels=512, hidden_channels=512, out_channels=128,
            num_layers=2, with_bn=False)
model = dict(
    type='MomentumAVRecognizer',
    momentum=0.999,
    momentum_schedule='constant',
    ssl_head=dict(
        _delete_=True,  # replace the base's ssl_head, do not merge
        type='AVSSLHead',
        projector=dict(type='AVProjection', video=proj, audio=proj),
        loss=dict(type='MoCoQueueLoss', temperature=0.07, queue_size=4096,
                  feat_dim=128)))
