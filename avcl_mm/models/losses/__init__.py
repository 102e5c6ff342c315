from .barlow_twins_loss import BarlowTwinsLoss
from .byol_loss import BYOLLoss
from .cgra_loss import CGRALoss
from .cma_loss import CMALoss, cma_positive_sets
from .cmac_loss import CMACLoss, CMACSaliencyHead
from .cosine_regression import CosineRegressionLoss
from .cross_correlation import CrossCorrelationLoss
from .info_nce import CrossModalInfoNCELoss
from .inter_intra_contrast_loss import InterIntraContrastLoss
from .invariant_info_clustering_loss import InvariantInfoClusteringLoss
from .moco_queue_loss import MoCoQueueLoss
from .nce_memory_loss import AVIDNCELoss
from .ntxent_cross_modal_loss import NTXentCrossModalLoss
from .selfcl_loss import SelfCLLoss
from .simsiam_loss import SimSiamLoss

__all__ = [
    # cross-modal InfoNCE and its settings
    'CrossModalInfoNCELoss', 'SelfCLLoss', 'NTXentCrossModalLoss',
    'MoCoQueueLoss', 'InterIntraContrastLoss',
    # cross-correlation
    'CrossCorrelationLoss', 'CGRALoss', 'BarlowTwinsLoss',
    # cosine regression
    'CosineRegressionLoss', 'BYOLLoss', 'SimSiamLoss',
    # memory-bank NCE
    'AVIDNCELoss', 'CMALoss', 'cma_positive_sets',
    # the rest
    'CMACLoss', 'CMACSaliencyHead', 'InvariantInfoClusteringLoss'
]
