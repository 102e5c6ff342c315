from .c3d_gap import C3DGAP

__all__ = ['C3DGAP']
