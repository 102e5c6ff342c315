"""Inference on a user's video: the audio-visual counterparts of
mmaction2's ``init_recognizer`` / ``inference_recognizer``."""
from .inference import (class_names, inference_av_recognizer,
                        init_av_recognizer, top_k_classes)

__all__ = [
    'init_av_recognizer', 'inference_av_recognizer', 'top_k_classes',
    'class_names'
]
