"""Known-answer tests of the aggregation rules and rank ties."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldi_helpers.aggregate import (aggregate, aggregate_components, copeland, geometric_shift,
                                   rank_scores, weighted_arithmetic, weighted_geometric)
from ldi_helpers.errors import SpecError


def test_weighted_arithmetic_with_missing_renormalises():
    v = np.array([[10.0, 20.0], [30.0, np.nan], [np.nan, np.nan]])
    w = np.array([0.25, 0.75])
    out = weighted_arithmetic(v, w)
    assert out[0] == pytest.approx(17.5)
    assert out[1] == pytest.approx(30.0)  # only the available input counts
    assert np.isnan(out[2])


def test_geometric_of_equal_values_is_the_value():
    v = np.array([[5.0, 5.0, 5.0], [0.0, 0.0, 0.0], [-3.0, -3.0, -3.0]])
    w = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(weighted_geometric(v, w), [5.0, 0.0, -3.0])


def test_geometric_known_answer_and_shift():
    v = np.array([[1.0, 4.0], [2.0, 8.0]])
    np.testing.assert_allclose(weighted_geometric(v, np.array([0.5, 0.5])), [2.0, 4.0])
    # zeros: shift s = 1 - 0 = 1; sqrt((0 + 1) * (3 + 1)) - 1 = 1
    z = np.array([[0.0, 3.0], [3.0, 8.0]])
    assert geometric_shift(z) == 1.0
    np.testing.assert_allclose(weighted_geometric(z, np.array([0.5, 0.5]))[0], 1.0)
    # negatives: min -3 -> s = 4; sqrt((-3+4) * (5+4)) - 4 = -1
    n = np.array([[-3.0, 5.0]])
    np.testing.assert_allclose(weighted_geometric(n, np.array([0.5, 0.5])), [-1.0])
    # strictly positive values are not shifted
    assert geometric_shift(v) == 0.0


def test_geometric_penalises_imbalance_more_than_arithmetic():
    v = np.array([[50.0, 50.0], [0.0, 100.0]])
    w = np.array([0.5, 0.5])
    a, g = weighted_arithmetic(v, w), weighted_geometric(v, w)
    assert a[0] == a[1] and g[0] > g[1]


def test_copeland_constructed_case():
    # 3 areas, 3 equally weighted criteria
    v = np.array([[3.0, 3.0, 1.0],    # A beats B on 2 of 3, beats C on 2 of 3
                  [2.0, 1.0, 3.0],    # B beats C on 2 of 3 (crit 0 and 2)
                  [1.0, 2.0, 2.0]])
    w = np.ones(3) / 3
    np.testing.assert_array_equal(copeland(v, w), [2, 0, -2])
    # weights change the majority: criterion 2 alone decides
    np.testing.assert_array_equal(copeland(v, np.array([0.1, 0.1, 0.8])), [-2, 2, 0])


def test_copeland_tie_when_weights_cancel():
    v = np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(copeland(v, np.array([0.5, 0.5])), [0, 0])


def test_aggregate_components_matches_elementwise():
    rng = np.random.default_rng(1)
    z = rng.uniform(0, 100, (5, 4))
    z[2, 1] = np.nan
    comp = np.array([0, 0, 1, 1])
    w = rng.uniform(0.1, 1, (3, 4))
    w = w / np.stack([w[:, :2].sum(1)] * 2 + [w[:, 2:].sum(1)] * 2, axis=1)
    for method in ("arithmetic", "geometric"):
        out = aggregate_components(z, w, comp, 2, method)
        for s in range(3):
            for c in range(2):
                cols = comp == c
                np.testing.assert_allclose(out[s, :, c], aggregate(z[:, cols], w[s, cols], method))
    with pytest.raises(SpecError, match="arithmetic, geometric"):
        aggregate_components(z, w, comp, 2, "copeland")


def test_unknown_aggregation():
    with pytest.raises(SpecError, match="arithmetic, geometric, copeland"):
        aggregate(np.ones((2, 2)), np.ones(2), "median")


def test_rank_ties():
    s = np.array([10.0, 8.0, 8.0, 5.0, np.nan])
    np.testing.assert_array_equal(rank_scores(s, "min")[:4], [1, 2, 2, 4])
    np.testing.assert_array_equal(rank_scores(s, "max")[:4], [1, 3, 3, 4])
    np.testing.assert_array_equal(rank_scores(s, "average")[:4], [1, 2.5, 2.5, 4])
    np.testing.assert_array_equal(rank_scores(s, "dense")[:4], [1, 2, 2, 3])
    assert np.isnan(rank_scores(s)[4])
    # floating-point noise below 1e-10 is a tie
    np.testing.assert_array_equal(rank_scores(np.array([0.1 + 0.2, 0.3])), [1, 1])
    with pytest.raises(SpecError, match="min, max, average, dense"):
        rank_scores(s, "first")


def test_single_area_rank_one():
    assert rank_scores(np.array([42.0])).tolist() == [1.0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=15, unique=True))
def test_ranks_are_a_permutation_without_ties(v):
    r = rank_scores(np.array(v, dtype=float))
    assert sorted(r.astype(int).tolist()) == list(range(1, len(v) + 1))
    assert r[int(np.argmax(v))] == 1
