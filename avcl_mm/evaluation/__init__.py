"""Evaluation of frozen and finetuned features: accuracies, kNN, linear
probe, retrieval, and summaries over seeds."""
from .accuracy import (classification_metrics, mean_class_accuracy,
                       top_k_accuracy)
from .feature_extraction import as_feature_dict, extract_features
from .knn import knn_classify
from .linear_probe import linear_probe
from .retrieval import retrieval_recall
from .stats import format_ci, mean_ci

__all__ = [
    'top_k_accuracy', 'mean_class_accuracy', 'classification_metrics',
    'extract_features', 'as_feature_dict', 'knn_classify', 'linear_probe',
    'retrieval_recall', 'mean_ci', 'format_ci'
]
