"""One thin class per self-supervised method: encoders -> neck -> head."""
from .avcl import AVCL
from .avid import AVID, CMA
from .barlow_twins import BarlowTwins
from .base import AVSelfSupervised
from .cmac import CMAC
from .iic import IIC
from .invclust import InvClust
from .momentum import BYOL, MoCo, MomentumTargetSelfSupervised
from .simclr import SimCLR
from .simsiam import SimSiam

__all__ = [
    'AVSelfSupervised', 'MomentumTargetSelfSupervised', 'AVCL', 'SimCLR',
    'MoCo', 'BYOL', 'SimSiam', 'BarlowTwins', 'IIC', 'InvClust', 'AVID',
    'CMA', 'CMAC'
]
