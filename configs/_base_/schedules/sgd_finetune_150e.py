# AVCL finetuning schedule (paper Sec. III-B): SGD lr 0.001, momentum 0.9,
# weight decay 5e-3, 150 epochs; the checkpoint with the best validation
# top-1 is kept.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=150, val_begin=1,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=5e-3))
param_scheduler = []
auto_scale_lr = dict(enable=False, base_batch_size=16)
