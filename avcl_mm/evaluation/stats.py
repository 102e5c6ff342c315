"""Summaries of results over seeds: mean and a Student-t confidence interval."""
import math
from typing import Dict, Sequence


def mean_ci(values: Sequence[float], level: float = 0.95) -> Dict[str, float]:
    """Mean of ``values`` with the half-width of its two-sided Student-t
    confidence interval (``nan`` for fewer than two values).

    Args:
        values (Sequence[float]): One result per seed.
        level (float): Confidence level. Defaults to ``0.95``.

    Returns:
        dict: ``mean``, ``half_width``, ``std`` (sample, ddof=1) and ``n``.
    """
    xs = [float(v) for v in values]
    n = len(xs)
    if n == 0:
        raise ValueError('mean_ci needs at least one value')
    mean = sum(xs) / n
    if n < 2:
        return dict(mean=mean, half_width=math.nan, std=math.nan, n=n)
    std = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
    from scipy.stats import t
    half = float(t.ppf(0.5 + level / 2, n - 1)) * std / math.sqrt(n)
    return dict(mean=mean, half_width=half, std=std, n=n)


def format_ci(stats: Dict[str, float], digits: int = 1) -> str:
    """``"mean ± half_width"`` (just the mean for one value)."""
    if math.isnan(stats['half_width']):
        return f'{stats["mean"]:.{digits}f}'
    return f'{stats["mean"]:.{digits}f} ± {stats["half_width"]:.{digits}f}'
