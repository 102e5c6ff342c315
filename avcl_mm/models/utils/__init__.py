"""Helpers of the models: distributed gathers and reductions (the one
place), precision, EMA targets, feature queues, encoder plumbing."""
from . import (checks, dist, ema, feature_queue, precision,
               recognizer_utils, ssl_weights, temporal)
from .ema import CosineMomentumEMA

__all__ = [
    'checks', 'dist', 'ema', 'feature_queue', 'precision',
    'recognizer_utils', 'ssl_weights', 'temporal', 'CosineMomentumEMA'
]
