"""Datasets: annotation lists of videos (with their own audio tracks), the
audio transforms and the bad-input policy."""
from . import bad_sample, transforms
from .audio_visual_dataset import AudioVisualDataset, read_class_list
from .transforms import *  # noqa: F401,F403

__all__ = ['AudioVisualDataset', 'read_class_list', 'bad_sample'
           ] + transforms.__all__
