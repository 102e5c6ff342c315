"""avcl_mm.evaluation.stats: the t distribution, intervals and the paired
t-test in pure Python, against published table values and examples worked
by hand."""
import math

import pytest

from avcl_mm.evaluation.stats import (betainc, format_ci, mean_ci,
                                      paired_test, t_cdf, t_ppf)

# two-sided 95 % critical values t_{0.975, df} (any t table)
T975 = {1: 12.7062, 2: 4.3027, 3: 3.1824, 4: 2.7764, 5: 2.5706, 9: 2.2622,
        10: 2.2281, 29: 2.0452, 120: 1.9799}


@pytest.mark.parametrize('df, expected', sorted(T975.items()))
def test_t_quantile_matches_the_t_table(df, expected):
    assert t_ppf(0.975, df) == pytest.approx(expected, abs=1e-4)
    assert t_ppf(0.025, df) == pytest.approx(-expected, abs=1e-4)


def test_t_quantiles_of_other_levels_and_the_normal_limit():
    assert t_ppf(0.995, 2) == pytest.approx(9.9248, abs=1e-4)  # 99 %
    assert t_ppf(0.95, 4) == pytest.approx(2.1318, abs=1e-4)  # 90 %
    assert t_ppf(0.5, 7) == 0.0
    assert t_ppf(0.975, 1e6) == pytest.approx(1.95996, abs=1e-4)


def test_t_cdf_closed_forms():
    # df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t) / pi
    for t in (-3.0, -0.5, 0.0, 0.7, 12.0):
        assert t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi,
                                            abs=1e-12)
    # df = 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2))
    for t in (-2.0, 0.3, 4.0):
        assert t_cdf(t, 2) == pytest.approx(
            0.5 + t / (2 * math.sqrt(2 + t * t)), abs=1e-12)
    assert t_cdf(math.inf, 3) == 1.0 and t_cdf(-math.inf, 3) == 0.0


def test_incomplete_beta_closed_forms():
    assert betainc(1, 1, 0.3) == pytest.approx(0.3)  # uniform
    assert betainc(2.5, 1, 0.4) == pytest.approx(0.4 ** 2.5)  # x^a
    assert betainc(1, 3, 0.2) == pytest.approx(1 - 0.8 ** 3)
    assert betainc(4, 4, 0.5) == pytest.approx(0.5)  # symmetric
    assert betainc(2, 3, 0.0) == 0.0 and betainc(2, 3, 1.0) == 1.0
    with pytest.raises(ValueError):
        betainc(0, 1, 0.5)


def test_mean_ci_worked_by_hand():
    # 60, 62, 67: mean 63, s^2 = (9 + 1 + 16) / 2 = 13, s = 3.6056,
    # half-width = t_{.975,2} * s / sqrt(3) = 4.3027 * 2.0817 = 8.9567
    stats = mean_ci([60.0, 62.0, 67.0])
    assert stats['n'] == 3 and stats['mean'] == pytest.approx(63.0)
    assert stats['std'] == pytest.approx(math.sqrt(13))
    assert stats['half_width'] == pytest.approx(8.9567, abs=1e-3)
    assert (stats['low'], stats['high']) == pytest.approx(
        (63 - 8.9567, 63 + 8.9567), abs=1e-3)
    # one more run: t * s * sqrt(1 + 1/3) = 4.3027 * 3.6056 * 1.1547
    assert stats['pred_half_width'] == pytest.approx(17.913, abs=1e-2)
    assert format_ci(stats) == '63.0 ± 9.0'


def test_mean_ci_of_one_value_has_no_interval():
    stats = mean_ci([71.5])
    assert stats['mean'] == 71.5 and math.isnan(stats['half_width'])
    assert format_ci(stats) == '71.5'
    with pytest.raises(ValueError):
        mean_ci([])


def test_paired_test_worked_by_hand():
    # differences 2, 4, 3: mean 3, s = 1, t = 3 / (1 / sqrt 3) = 5.196,
    # df 2: p = 1 - t / sqrt(2 + t^2) (closed form) = 0.03510
    result = paired_test([70.0, 74.0, 71.0], [68.0, 70.0, 68.0])
    assert result['n'] == 3 and result['mean_diff'] == pytest.approx(3.0)
    assert result['t'] == pytest.approx(3 * math.sqrt(3))
    t = 3 * math.sqrt(3)
    assert result['p'] == pytest.approx(1 - t / math.sqrt(2 + t * t),
                                        abs=1e-10)
    assert result['p'] == pytest.approx(0.0351, abs=1e-4)
    # interval of the mean difference: 3 ± 4.3027 / sqrt(3)
    assert result['half_width'] == pytest.approx(4.3027 / math.sqrt(3),
                                                 abs=1e-3)
    # the order of the two methods flips the sign only
    flipped = paired_test([68.0, 70.0, 68.0], [70.0, 74.0, 71.0])
    assert flipped['t'] == pytest.approx(-result['t'])
    assert flipped['p'] == pytest.approx(result['p'])


def test_paired_test_known_value_with_more_pairs():
    # t = 2.0 with 10 degrees of freedom: two-sided p = 0.07339 (table)
    diffs = [1.0, -1.0] * 5 + [0.0]
    mean = 2.0 / math.sqrt(11)  # s = 1, so t = mean * sqrt(11) = 2
    result = paired_test([d + mean for d in diffs], [0.0] * 11)
    assert result['t'] == pytest.approx(2.0)
    assert result['p'] == pytest.approx(0.07339, abs=1e-5)


def test_paired_test_edge_cases():
    same = paired_test([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert same['t'] == 0.0 and same['p'] == 1.0
    shifted = paired_test([2.0, 3.0, 4.0], [1.0, 2.0, 3.0])
    assert shifted['t'] == math.inf and shifted['p'] == 0.0
    single = paired_test([2.0], [1.0])
    assert single['mean_diff'] == 1.0 and math.isnan(single['p'])
    with pytest.raises(ValueError):
        paired_test([1.0, 2.0], [1.0])
