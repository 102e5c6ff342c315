# AVID+CMA (AVID-CMA Eq. 9-10) on the two-stream R3D encoders: Cross-AVID
# (avid_r3d.py, same module names so that its checkpoint loads) plus
# within-modal positive discrimination with K_p = 32 positives chosen by
# cross-modal agreement on the memory banks (CMAPositiveSetHook), K_n = 1024
# negatives, lambda = 1.
_base_ = ['./avid_r3d.py']
model = dict(
    type='CMA',
    head=dict(loss=dict(_delete_=True, type='CMALoss', num_negatives=1024,
                        num_positives=32, lambda_wmpd=1.0, temperature=0.07,
                        memory_momentum=0.5)))
