# AVCL pretraining model, R3D encoders (paper Sec. III-B).
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
    # The reading of Eq. 3-6 (one key; docs/amfm_readings.md):
    # 'sigmoid_signed' = gate sigma = sigmoid (SE excitation) instead of the
    # printed ReLU, which dies under CGRA (most channels zero for every clip
    # within tens of steps, for good), and CGRA on the encoders' signed
    # features (taken before their last ReLU, no parameter changes), where
    # Eq. 6's stated range [-1, 1] holds (on post-ReLU features the
    # uncentred C lies in [0, 1]). Every other equation is as printed: C
    # uncentred (Eq. 6), SelfCL summed over samples (Eq. 7-10). The literal
    # reading: --cfg-options model.amfm_reading=literal (ReLU gate on
    # post-ReLU features; configs/ablations/avcl_r3d_k32_literal.py).
    # Evidence (3 seeds, 8 readings, 2 lrs): docs/amfm_readings.md.
    amfm_reading='sigmoid_signed',
    # AMFM (Eq. 1-4); set neck=None for "AMFM off" (Table III).
    neck=dict(type='AMFM'),
    # Eq. 11 with lambda_cor=0.9, lambda_self=0.1 (Table III)
    ssl_head=dict(
        type='AVCLHead',
        loss_cor=dict(type='CGRALoss', lambd=0.005),
        loss_self=dict(type='SelfCLLoss', temperature=0.07,
                       reduction='sum'),
        lambda_cor=0.9,
        lambda_self=0.1),
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
