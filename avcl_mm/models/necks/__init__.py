from .amfm import AMFM
from .av_projection import AVProjection
from .cmac_pcf import CMACPyramidCorrelation
from .projection_mlp import ProjectionMLP

__all__ = ['AMFM', 'AVProjection', 'ProjectionMLP', 'CMACPyramidCorrelation']
