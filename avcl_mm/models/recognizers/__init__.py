from .audio_visual_recognizer import AudioVisualRecognizer
from .two_stream_encoder import AMFM_READINGS, TwoStreamEncoder

__all__ = ['TwoStreamEncoder', 'AudioVisualRecognizer', 'AMFM_READINGS']
