from .compat import (get_gt_label, get_pred_score, has_gt_label,
                     set_gt_label, set_pred_score)

__all__ = [
    'get_gt_label', 'has_gt_label', 'set_gt_label', 'get_pred_score',
    'set_pred_score'
]
