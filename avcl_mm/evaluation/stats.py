"""Summaries of results over seeds: Student-t confidence intervals and the
paired t-test, in pure Python (no scipy needed).

The t distribution's CDF is written through the regularised incomplete beta
function, ``P(|T| > t) = I_x(nu / 2, 1 / 2)`` with ``x = nu / (nu + t^2)``,
evaluated by its continued fraction (modified Lentz method); quantiles are
found by bisection on the CDF. Accurate to ~1e-10, far below the rounding
of any reported number.
"""
import math
from typing import Dict, Sequence

__all__ = ['betainc', 't_cdf', 't_ppf', 'mean_ci', 'paired_test',
           'format_ci']

_TINY = 1e-300
_EPS = 1e-15


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of ``I_x(a, b)`` (modified Lentz); converges
    fast for ``x < (a + 1) / (a + b + 2)``."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        # even step
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        # odd step
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        step = d * c
        h *= step
        if abs(step - 1.0) < _EPS:
            return h
    raise ArithmeticError(f'betainc({a}, {b}, {x}) did not converge')


def betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta function ``I_x(a, b)`` for ``a, b > 0``
    and ``0 <= x <= 1``."""
    if a <= 0 or b <= 0:
        raise ValueError(f'betainc needs a, b > 0, got a={a}, b={b}')
    if not 0.0 <= x <= 1.0:
        raise ValueError(f'betainc needs 0 <= x <= 1, got {x}')
    if x == 0.0 or x == 1.0:
        return x
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) +
                 a * math.log(x) + b * math.log1p(-x))
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """``P(T <= t)`` for Student's t with ``df > 0`` degrees of freedom."""
    if df <= 0:
        raise ValueError(f't_cdf needs df > 0, got {df}')
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def t_ppf(q: float, df: float) -> float:
    """The ``q`` quantile of Student's t with ``df`` degrees of freedom
    (``0 < q < 1``), by bisection on :func:`t_cdf`."""
    if not 0.0 < q < 1.0:
        raise ValueError(f't_ppf needs 0 < q < 1, got {q}')
    if q == 0.5:
        return 0.0
    if q < 0.5:
        return -t_ppf(1.0 - q, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < q:  # bracket: the tail is heavy for df ~ 1
        low, high = high, 2.0 * high
    for _ in range(200):
        mid = 0.5 * (low + high)
        if t_cdf(mid, df) < q:
            low = mid
        else:
            high = mid
        if high - low <= 1e-12 * max(1.0, high):
            break
    return 0.5 * (low + high)


def _mean_std(xs: Sequence[float]) -> tuple:
    n = len(xs)
    mean = sum(xs) / n
    if n < 2:
        return mean, math.nan
    return mean, math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))


def mean_ci(values: Sequence[float], level: float = 0.95) -> Dict[str, float]:
    """Mean of ``values`` with the half-width of its two-sided Student-t
    confidence interval (``nan`` for fewer than two values).

    Args:
        values (Sequence[float]): One result per seed.
        level (float): Confidence level. Defaults to ``0.95``.

    Returns:
        dict: ``mean``, ``half_width``, ``std`` (sample, ddof=1), ``n``,
        ``low`` and ``high`` (the interval's ends), and ``pred_half_width``:
        the half-width of the prediction interval of one more run,
        ``t * std * sqrt(1 + 1 / n)`` (where a new seed's result is expected
        to land with probability ``level``).
    """
    xs = [float(v) for v in values]
    n = len(xs)
    if n == 0:
        raise ValueError('mean_ci needs at least one value')
    if not 0.0 < level < 1.0:
        raise ValueError(f'mean_ci needs 0 < level < 1, got {level}')
    mean, std = _mean_std(xs)
    if n < 2:
        half = pred = math.nan
    else:
        t = t_ppf(0.5 + level / 2, n - 1)
        half = t * std / math.sqrt(n)
        pred = t * std * math.sqrt(1.0 + 1.0 / n)
    return dict(mean=mean, half_width=half, std=std, n=n, low=mean - half,
                high=mean + half, pred_half_width=pred)


def paired_test(a: Sequence[float], b: Sequence[float],
                level: float = 0.95) -> Dict[str, float]:
    """Paired comparison of two methods measured on the same seeds.

    The differences ``d_i = a_i - b_i`` get a Student-t confidence interval
    of their mean and a two-sided paired t-test of ``mean(d) = 0``
    (``t = mean(d) / (std(d) / sqrt(n))``, ``n - 1`` degrees of freedom).

    Args:
        a (Sequence[float]): Results of the first method, one per seed.
        b (Sequence[float]): Results of the second, same seeds, same order.
        level (float): Confidence level of the interval. Defaults to
            ``0.95``.

    Returns:
        dict: ``n``, ``mean_diff``, ``half_width``, ``low``, ``high``,
        ``std_diff``, ``t`` and ``p`` (two-sided). With fewer than two pairs
        the interval, ``t`` and ``p`` are ``nan``; identical differences
        (``std = 0``) give ``t = ±inf, p = 0`` (or ``t = 0, p = 1`` when
        they are all zero).
    """
    if len(a) != len(b):
        raise ValueError(f'paired_test needs as many values in a as in b, '
                         f'got {len(a)} and {len(b)}')
    diffs = [float(x) - float(y) for x, y in zip(a, b)]
    stats = mean_ci(diffs, level)
    n, mean, std = stats['n'], stats['mean'], stats['std']
    if n < 2:
        t = p = math.nan
    elif std == 0.0:
        t, p = (0.0, 1.0) if mean == 0.0 else (math.copysign(math.inf,
                                                             mean), 0.0)
    else:
        t = mean / (std / math.sqrt(n))
        p = betainc((n - 1) / 2.0, 0.5, (n - 1) / (n - 1 + t * t))
    return dict(n=n, mean_diff=mean, half_width=stats['half_width'],
                low=stats['low'], high=stats['high'], std_diff=std, t=t,
                p=p)


def format_ci(stats: Dict[str, float], digits: int = 1) -> str:
    """``"mean ± half_width"`` (just the mean for one value)."""
    if math.isnan(stats['half_width']):
        return f'{stats["mean"]:.{digits}f}'
    return f'{stats["mean"]:.{digits}f} ± {stats["half_width"]:.{digits}f}'
