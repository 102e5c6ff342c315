# AVCL pretraining model, R3D encoders (two_stream_r3d.py): AMFM neck
# (Eq. 1-4) and the AVCL head (CGRA + SelfCL, Eq. 5-11). Finetuning configs
# turn it into the classifier: type='AudioVisualRecognizer', head=None,
# cls_head=... (same encoder and neck weights).
_base_ = ['./two_stream_r3d.py']
model = dict(
    type='AVCL',
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
    head=dict(
        type='AVCLHead',
        loss_cor=dict(type='CGRALoss', lambd=0.005),
        loss_self=dict(type='SelfCLLoss', temperature=0.07,
                       reduction='sum'),
        lambda_cor=0.9,
        lambda_self=0.1))
