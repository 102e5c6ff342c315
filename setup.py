"""Installable package for the avcl_mm plugin (``pip install -e .``)."""
from setuptools import find_packages, setup


def read_requirements(path='requirements.txt'):
    reqs = []
    with open(path) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if line and not line.startswith('pytest'):
                reqs.append(line)
    return reqs


setup(
    name='avcl_mm',
    version='0.1.0',
    description='Audio-visual contrastive learning (AVCL) for action '
    'recognition as an mmaction2 plugin',
    long_description=open('README.md').read() if __import__('os').path.exists(
        'README.md') else '',
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('tests', 'configs', 'tools')),
    package_data={'avcl_mm': ['datasets/class_lists/*.txt']},
    include_package_data=True,
    python_requires='>=3.10',
    install_requires=[],  # the pinned stack is installed by tools/setup_env.sh
    license='Apache-2.0',
)
