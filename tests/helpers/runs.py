"""Run the repository's tools as a user would, in a subprocess."""
import os
import os.path as osp
import subprocess
import sys

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def run_tool(*args, timeout=600, env=None, check=True):
    """Run a repository script with this interpreter; fail with its output
    (unless ``check=False``)."""
    full_env = dict(os.environ, CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1')
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


def demo_options(root, work_dir):
    """--cfg-options pointing a demo config at the tiny dataset."""
    video = osp.join(root, 'videos')
    classes = osp.join(root, 'classes.txt')
    opts = [f'work_dir={work_dir}']
    for loader, split in (('train_dataloader', 'train'),
                          ('val_dataloader', 'val'),
                          ('test_dataloader', 'test')):
        opts += [f'{loader}.dataset.ann_file={root}/{split}.txt',
                 f'{loader}.dataset.data_prefix.video={video}',
                 f'{loader}.num_workers=0',
                 f'{loader}.persistent_workers=False',
                 f'{loader}.batch_size=4',
                 f'{loader}.dataset.classes={classes}']
    return opts
