"""Outlier treatment: skew/kurtosis rule, winsorisation limits, log transform."""
import numpy as np
import pytest

from ldi_helpers.errors import SpecError
from ldi_helpers.method.treat import is_flagged, log_transform, skew_kurtosis, treat, winsorise

BASE = [1.0, 1.2, 1.1, 1.0, 1.3, 1.5, 2.0, 1.4, 0.9, 1.6, 0.8]


def test_skew_kurtosis_known_answer():
    # Excel SKEW/KURT of 1..5 then 10: hand-computed with the adjusted formulas
    x = np.array([1.0, 2, 3, 4, 5, 10])
    g1, g2 = skew_kurtosis(x)
    n = 6
    d = x - x.mean()
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    assert g1 == pytest.approx(m3 / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2))
    assert g2 == pytest.approx((n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * (m4 / m2**2 - 3) + 6))
    assert np.isnan(skew_kurtosis([1.0, 2.0, 3.0])[0])     # fewer than 4 values
    assert np.isnan(skew_kurtosis([2.0] * 6)[0])           # constant


def test_one_outlier_is_winsorised_to_next_value():
    x = np.array(BASE + [9.0])
    assert is_flagged(x)
    out, pts = winsorise(x, max_points=2)
    assert pts == (11,)
    assert out[11] == 2.0 and not is_flagged(out)
    assert x[11] == 9.0  # input untouched


def test_winsorisation_stops_at_max_points():
    x = np.array(BASE[:9] + [50.0, 60.0, 70.0])
    out, pts = winsorise(x, max_points=1)
    assert len(pts) <= 1
    out0, pts0 = winsorise(x, max_points=0)
    assert pts0 == () and np.array_equal(out0, x)


def test_treat_records_and_log():
    x = np.column_stack([BASE + [9.0], np.arange(12.0)])
    out, rec = treat(x, "winsorise")
    assert rec[0].action == "winsorised" and rec[1].action == "not_flagged"
    assert rec[0].flagged and not rec[0].still_flagged
    out_log, rec_log = treat(x, "log")
    assert rec_log[0].action == "log"
    # order preserved, spread of the outlier reduced
    assert np.array_equal(np.argsort(out_log[:, 0], kind="stable"),
                          np.argsort(x[:, 0], kind="stable"))
    np.testing.assert_array_equal(out_log[:, 1], x[:, 1])
    out_none, rec_none = treat(x, "none")
    np.testing.assert_array_equal(out_none, x)
    assert rec_none[0].flagged and rec_none[0].action == "none"


def test_log_transform_negative_skew_mirrors():
    x = np.array([10.0, 9.9, 9.8, 9.7, 1.0])
    out = log_transform(x, skew=-1.0)
    assert np.all(np.diff(out[:4]) < 0) and out[4] < out[3]


def test_missing_values_ignored():
    x = np.array([[*BASE, 9.0, np.nan]]).T
    out, rec = treat(x, "winsorise")
    assert np.isnan(out[12, 0]) and rec[0].action == "winsorised"


def test_unknown_treatment():
    with pytest.raises(SpecError, match="none, winsorise, log"):
        treat(np.ones((3, 1)), "trim")


def test_winsorising_counts_distinct_points_like_coinr():
    """Known answer from the reference implementation (COINr ``Treat``, ``winmax = 2``) on
    x = 1..30, 70, 75: 75 is moved to 70, then both 70s to 30, the third-largest value; two
    distinct points are changed and the indicator is no longer flagged."""
    x = np.array([*range(1, 31), 70.0, 75.0])
    assert is_flagged(x)
    out, pts = winsorise(x, max_points=2)
    assert pts == (30, 31)
    assert out[30] == out[31] == 30.0
    np.testing.assert_array_equal(out[:30], x[:30])
    assert not is_flagged(out)
    # with one point allowed only 75 moves (to 70) and the indicator stays flagged
    out1, pts1 = winsorise(x, max_points=1)
    assert pts1 == (31,) and out1[31] == 70.0 and is_flagged(out1)
    # the treatment record reports the true count of distinct points
    _, rec = treat(x[:, None], "winsorise", max_points=2)
    assert rec[0].points == (30, 31) and len(set(rec[0].points)) == 2 and not rec[0].still_flagged
