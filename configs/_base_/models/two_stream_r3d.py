# Two-stream R3D encoders (paper Sec. III-B), shared by AVCL and every method
# compared with it; as a model, the supervised classifier on the plain
# concatenation [v; a] (no fusion neck).
# R3D: 3D ResNet-18 layout with one BasicBlock per stage (conv1 + 4 x 2 convs
# = 9 conv layers), 3x3x3 convs in the residual blocks. Stem: 3x7x7 conv,
# spatial stride 2, no max-pool (the R3D of Tran et al.; the paper's
# "3x3x3 kernels" is read as the residual convs - set conv1_kernel=(3, 3, 3)
# for the literal reading). Video: 16x112x112 -> 512 x 2x7x7.
# Audio: the same family on the one-frame, one-channel spectrogram clip:
# temporal kernel 1 and temporal stride 1 everywhere (a 3-tap temporal kernel
# on a 1-frame clip would only ever see zero padding). 112x112 -> 512 x 1x7x7.
# Both outputs have 512 channels, pooled globally by the recognizer.
model = dict(
    type='AudioVisualRecognizer',
    video_backbone=dict(
        type='ResNet3d',
        in_channels=3,
        conv1_kernel=(3, 7, 7),
        temporal_strides=(1, 2, 2, 2),
        inflate=(1, 1, 1, 1),
        depth=18,
        stage_blocks=(1, 1, 1, 1),
        pretrained=None,
        pretrained2d=False,
        base_channels=64,
        conv1_stride_s=2,
        conv1_stride_t=1,
        with_pool1=False,
        with_pool2=False,
        spatial_strides=(1, 2, 2, 2),
        inflate_style='3x3x3',
        norm_cfg=dict(type='BN3d', requires_grad=True)),
    audio_backbone=dict(
        type='ResNet3d',
        in_channels=1,
        conv1_kernel=(1, 7, 7),
        temporal_strides=(1, 1, 1, 1),
        inflate=(0, 0, 0, 0),
        depth=18,
        stage_blocks=(1, 1, 1, 1),
        pretrained=None,
        pretrained2d=False,
        base_channels=64,
        conv1_stride_s=2,
        conv1_stride_t=1,
        with_pool1=False,
        with_pool2=False,
        spatial_strides=(1, 2, 2, 2),
        inflate_style='3x3x3',
        norm_cfg=dict(type='BN3d', requires_grad=True)),
    audio_input='clip',
    data_preprocessor=dict(
        type='MultiModalDataPreprocessor',
        preprocessors=dict(
            imgs=dict(
                type='ActionDataPreprocessor',
                mean=[114.75, 114.75, 114.75],
                std=[57.375, 57.375, 57.375],
                format_shape='NCTHW'),
            audios=dict(type='ActionDataPreprocessor',
                        format_shape='NCTHW'))))
