# AVCL Eq. 3-11 read literally: sigma = ReLU in the AMFM gate (Eq. 3-4) and
# CGRA on the encoders' post-ReLU features (uncentred C in [0, 1]), SelfCL
# summed. Kept to reproduce the collapse: most gate channels die within tens
# of steps (AMFMMonitorHook warns; docs/amfm_readings.md). The paper configs
# use amfm_reading='sigmoid_signed' (sigmoid gate on signed features).
_base_ = ['../avcl_r3d_k32.py']
model = dict(amfm_reading='literal')
