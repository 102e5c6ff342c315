# Video encoder of the transformer family: MViT-S (multiscale vision
# transformer, Li et al. / Fan et al.) on the 16x112x112 clip. Its class token
# (768-d, LayerNorm output, already signed) is the clip feature; projected to
# the audio encoder's 512 for CGRA and AMFM. signed_features=False: the
# transformer has no final ReLU to drop. Use it as `model = {{_base_.mvit_s}}`.
mvit_s = dict(
    video_backbone=dict(
        _delete_=True,  # replace the R3D video encoder, do not merge
        type='MViT', arch='small', spatial_size=112, temporal_size=16,
        drop_path_rate=0.1),
    video_input='clip',
    signed_features=False,
    probe_shape=dict(video=(16, 112, 112)),
    proj_channels=512)
