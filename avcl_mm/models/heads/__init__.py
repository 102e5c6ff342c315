from .av_cls_head import AVClsHead
from .av_contrastive_head import AVContrastiveHead
from .av_latent_predict_head import AVLatentPredictHead
from .avcl_head import AVCLHead
from .cmac_head import CMACHead
from .memory_bank_head import MemoryBankHead, sample_indices

__all__ = [
    'AVClsHead', 'AVCLHead', 'AVContrastiveHead', 'AVLatentPredictHead',
    'MemoryBankHead', 'CMACHead', 'sample_indices'
]
