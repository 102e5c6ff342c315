"""Installable package for the avcl_mm plugin.

Into an existing mmaction2 environment: ``pip install -e .`` (the ranges
below; torch, mmcv and mmaction2 stay as you have them when they fit).
A fresh, exactly pinned environment: ``bash tools/setup_env.sh``, which
installs ``requirements/lock.txt``.
"""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))

# What the code imports. mmcv is needed too (mmcv or mmcv-lite >= 2.0, as
# mmaction2 1.x wants): pip cannot express "either", so `import avcl_mm`
# checks it and names the fix.
INSTALL_REQUIRES = [
    'torch>=2.1',
    'mmengine>=0.10.0,<1.0',
    'mmaction2>=1.1.0,<1.3',
    'numpy',
    'librosa>=0.10',  # the slaney mel filter bank, .wav resampling
    'decord>=0.6',  # video decoding (mmaction's DecordInit) and audio tracks
]
EXTRAS_REQUIRE = {
    # .wav sidecars, the demo / test media writer (H.264 + AAC)
    'audio': ['soundfile', 'av'],
    'plot': ['matplotlib'],  # leaderboard bar chart, Grad-CAM images
    'tensorboard': ['tensorboard'],  # vis_backends=[TensorboardVisBackend]
    'tests': ['pytest', 'soundfile', 'av', 'matplotlib'],
}
EXTRAS_REQUIRE['all'] = sorted({r for v in EXTRAS_REQUIRE.values() for r in v})


def _readme() -> str:
    path = osp.join(HERE, 'README.md')
    return open(path, encoding='utf-8').read() if osp.exists(path) else ''


setup(
    name='avcl_mm',
    version='0.1.0',
    description='Audio-visual contrastive learning (AVCL) for action '
    'recognition as an mmaction2 plugin',
    long_description=_readme(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('tests', 'configs', 'tools')),
    package_data={'avcl_mm': ['datasets/class_lists/*.txt']},
    include_package_data=True,
    python_requires='>=3.10',
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS_REQUIRE,
    license='Apache-2.0',
)
