"""Known-answer tests of the normalisations."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldi_helpers.errors import SpecError
from ldi_helpers.method.normalise import (constant_indicators, distance_to_median, goalposts, minmax,
                                   normalise, rank, zscore)

X = np.array([[1.0, 10.0], [2.0, 30.0], [4.0, 20.0], [np.nan, 40.0]])
D = np.array([1.0, -1.0])


def test_minmax_hits_bounds_and_direction():
    z = minmax(X, D)
    # column 0: (x - 1) / 3 * 100 ; column 1 reversed: (40 - x) / 30 * 100
    np.testing.assert_allclose(z[:3, 0], [0, 100 / 3, 100])
    np.testing.assert_allclose(z[:, 1], [100, 100 / 3, 200 / 3, 0])
    assert np.isnan(z[3, 0])
    assert np.nanmin(z, axis=0).tolist() == [0, 0] and np.nanmax(z, axis=0).tolist() == [100, 100]


def test_zscore_mean_zero_sd_one():
    z = zscore(X, D)
    for j in range(2):
        col = z[~np.isnan(z[:, j]), j]
        assert abs(col.mean()) < 1e-12
        assert abs(col.std(ddof=1) - 1) < 1e-12
    # hand-computed: column 0 mean 7/3, sd sqrt(7/3)
    np.testing.assert_allclose(z[0, 0], (1 - 7 / 3) / np.sqrt(7 / 3))
    assert z[0, 1] > 0  # lowest value is best when lower is better


def test_rank_scores():
    z = rank(np.array([[3.0], [1.0], [2.0], [2.0]]), np.array([1.0]))
    # ascending ranks 4, 1, 2.5, 2.5 -> 100 * (r - 1) / 3
    np.testing.assert_allclose(z[:, 0], [100, 0, 50, 50])


def test_distance_to_median():
    x = np.array([[50.0], [100.0], [200.0]])
    np.testing.assert_allclose(distance_to_median(x, np.array([1.0]))[:, 0], [50, 100, 200])
    np.testing.assert_allclose(distance_to_median(x, np.array([-1.0]))[:, 0], [150, 100, 0])
    # median 0: the range is the denominator
    x0 = np.array([[-2.0], [0.0], [2.0]])
    np.testing.assert_allclose(distance_to_median(x0, np.array([1.0]))[:, 0], [50, 100, 150])


def test_goalposts_clip_and_reverse():
    x = np.array([[-5.0], [25.0], [150.0], [np.nan]])
    posts = np.array([[0.0, 100.0]])
    np.testing.assert_allclose(goalposts(x, np.array([1.0]), posts)[:3, 0], [0, 25, 100])
    np.testing.assert_allclose(goalposts(x, np.array([-1.0]), posts)[:3, 0], [100, 75, 0])
    assert np.isnan(goalposts(x, np.array([1.0]), posts)[3, 0])


@pytest.mark.parametrize("method,neutral", [("minmax", 50), ("zscore", 0), ("rank", 50),
                                            ("distance_to_median", 100)])
def test_constant_indicator_and_single_area_get_neutral_score(method, neutral):
    same = np.array([[7.0], [7.0], [7.0]])
    assert normalise(same, method, np.array([1.0])).ravel().tolist() == [neutral] * 3
    one = np.array([[3.0]])
    assert normalise(one, method, np.array([1.0])).ravel().tolist() == [neutral]
    assert constant_indicators(same).tolist() == [True]


def test_leading_sample_axis_matches_single():
    stack = np.stack([X, X * 2])
    for m in ("minmax", "zscore", "rank", "distance_to_median"):
        out = normalise(stack, m, D)
        np.testing.assert_allclose(out[0], normalise(X, m, D))


def test_unknown_normalisation():
    with pytest.raises(SpecError, match="minmax, zscore, rank, distance_to_median, goalposts"):
        normalise(X, "robust", D)
    with pytest.raises(SpecError, match="goalposts"):
        normalise(X, "goalposts", D)


def test_no_warnings_on_all_missing_column():
    x = np.array([[np.nan, 1.0], [np.nan, 2.0]])
    for m in ("minmax", "zscore", "rank", "distance_to_median"):
        out = normalise(x, m, np.array([1.0, 1.0]))
        assert np.isnan(out[:, 0]).all()


# distinct integers (as floats) keep distinct after a positive rescaling in floating point,
# which arbitrary floats 1e-10 apart need not
vals = st.lists(st.integers(-10**6, 10**6), min_size=2, max_size=12, unique=True)


@settings(max_examples=60, deadline=None)
@given(vals, st.floats(1e-3, 1e3))
def test_rank_and_minmax_invariant_to_positive_rescaling(v, c):
    x = np.array(v, dtype=float)[:, None]
    np.testing.assert_allclose(rank(x * c, np.array([1.0])), rank(x, np.array([1.0])))
    np.testing.assert_allclose(minmax(x * c, np.array([1.0])), minmax(x, np.array([1.0])),
                               atol=1e-7)
