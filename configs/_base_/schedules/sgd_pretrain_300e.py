# AVCL pretraining schedule (paper Sec. III-B): SGD lr 0.001, momentum 0.9,
# weight decay 5e-4, 300 epochs, total batch 16 (8 GPUs x 2 clips).
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300, val_begin=1,
                 val_interval=1000)
val_cfg = None
test_cfg = None
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=5e-4))
# The paper gives an "initial learning rate" but no schedule: kept constant
# (our choice; add a param_scheduler to decay it)
param_scheduler = []
auto_scale_lr = dict(enable=False, base_batch_size=16)
