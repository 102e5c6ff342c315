from .log_mel_data_preprocessor import LogMelDataPreprocessor

__all__ = ['LogMelDataPreprocessor']
