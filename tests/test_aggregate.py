"""Known-answer tests of the aggregation rules and rank ties."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldi_helpers.method.aggregate import (SCORE_ATOL, SCORE_RTOL, aggregate, aggregate_components, compare_scores,
                                   copeland, geometric_shift, rank_scores, score_tolerance,
                                   scores_tie, weighted_arithmetic, weighted_geometric)
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


# ---------------------------------------------------------------- one tolerance for every tie
ULP_PAIRS = [
    (200 / 11, np.nextafter(200 / 11, np.inf)),           # equal in exact arithmetic, 1 ulp apart
    (0.1 + 0.2, 0.3),                                    # the classic 1-ulp difference
    (1.0000000001499998, 1.00000000015),                 # straddles a rounding-to-10-dp boundary
    (0.0, 5e-324),                                       # zero and the smallest subnormal
]


@pytest.mark.parametrize("a, b", ULP_PAIRS)
def test_scores_one_ulp_apart_tie_under_every_rule(a, b):
    assert a != b and scores_tie(a, b) and compare_scores(a, b) == 0
    for ties, expected in (("min", 2), ("max", 3), ("average", 2.5), ("dense", 2)):
        r = rank_scores(np.array([1e6, a, b, -1e6]), ties)
        assert r[1] == r[2] == expected, ties


def test_tolerance_is_stated_and_separates_real_differences():
    # a real difference on the 0-100 scale (1e-6 points) is never a tie
    assert not scores_tie(50.0, 50.000001)
    assert compare_scores(50.000001, 50.0) == 1 and compare_scores(50.0, 50.000001) == -1
    # the tolerance is SCORE_ATOL + SCORE_RTOL * max(|a|, |b|)
    assert score_tolerance(100.0, 0.0) == pytest.approx(SCORE_ATOL + 100 * SCORE_RTOL)
    assert not scores_tie(np.nan, np.nan) and compare_scores(np.nan, 1.0) == 0


def test_rank_ties_within_tolerance_on_sample_axes():
    base = np.array([[3.0, 200 / 11, np.nextafter(200 / 11, -np.inf), 1.0, np.nan]] * 3)
    r = rank_scores(base, "min")
    np.testing.assert_array_equal(r[:, :4], [[3, 1, 1, 4]] * 3)
    assert np.isnan(r[:, 4]).all()


@pytest.mark.parametrize("a, b", ULP_PAIRS)
def test_copeland_contest_within_tolerance_is_a_tie_on_both_paths(a, b):
    from ldi_helpers.method.batch import _copeland
    # area 0 and area 1 differ only by floating-point noise on both inputs; area 2 loses to both
    v = np.array([[[a, a], [b, b], [-1.0, -1.0]]])
    for w in (np.array([[0.4999999999999999, 0.5000000000000001]]), np.array([[0.5, 0.5]])):
        np.testing.assert_array_equal(copeland(v, w), [[1, 1, -2]])
        np.testing.assert_array_equal(_copeland(v, w), [[1, 1, -2]])


def test_copeland_weights_that_cancel_within_tolerance_tie():
    # PCA-like weights 0.1 + 0.2 versus 0.3: cancel in exact arithmetic, not in floating point
    v = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    w = np.array([0.1, 0.2, 0.3])
    assert 0.1 + 0.2 != 0.3
    np.testing.assert_array_equal(copeland(v, w), [0, 0])


# ---------------------------------------------------------------- geometric mean: one continuous rule
def test_geometric_mean_is_continuous_at_zero():
    w = np.array([0.5, 0.5])
    at_zero = weighted_geometric(np.array([[0.0, 100.0], [50.0, 50.0]]), w)[0]
    near_zero = weighted_geometric(np.array([[1e-12, 100.0], [50.0, 50.0]]), w)[0]
    # known answer on the 1-101 scale: sqrt(1 * 101) - 1
    assert at_zero == pytest.approx(np.sqrt(101.0) - 1.0, abs=1e-12)
    assert near_zero == pytest.approx(at_zero, abs=1e-9)
    # just below and just above the floor of 1 the shift fades out smoothly
    below = weighted_geometric(np.array([[1.0 - 1e-12, 100.0]]), w)[0]
    above = weighted_geometric(np.array([[1.0 + 1e-12, 100.0]]), w)[0]
    assert below == pytest.approx(above, abs=1e-9) and above == pytest.approx(10.0, abs=1e-9)


@given(st.floats(min_value=-50, max_value=150), st.floats(min_value=0, max_value=100))
@settings(max_examples=200, deadline=None)
def test_geometric_mean_has_no_jumps(x, y):
    w = np.array([0.3, 0.7])
    f = lambda t: weighted_geometric(np.array([[t, y], [40.0, 60.0]]), w)[0]  # noqa: E731
    h = 1e-7
    assert abs(f(x + h) - f(x)) < 1e-3


def test_geometric_shift_rule():
    assert geometric_shift(np.array([[0.0, 3.0]])) == 1.0
    assert geometric_shift(np.array([[0.25, 3.0]])) == 0.75
    assert geometric_shift(np.array([[1.0, 3.0]])) == 0.0
    assert geometric_shift(np.array([[-2.0, 3.0]])) == 3.0
    assert geometric_shift(np.array([[np.nan, np.nan]])) == 0.0


# ---------------------------------------------------------------- sorted ranks == pairwise ranks
from ldi_helpers.method.aggregate import _rank_scores_pairwise  # noqa: E402


@st.composite
def _scores_with_near_ties(draw):
    """Rows of scores: well-separated levels, some repeated exactly or within a few ulps (near-ties
    that stay transitive: every pair inside a cluster ties), some missing."""
    n_rows = draw(st.integers(1, 4))
    n = draw(st.integers(1, 25))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scale = draw(st.sampled_from([1e-3, 1.0, 100.0, 1e6]))
    levels = np.round(rng.uniform(-1, 1, size=(n_rows, n)) * scale, 2)
    idx = rng.integers(0, n, size=(n_rows, n))
    copy = rng.uniform(size=(n_rows, n)) < 0.4
    s = np.where(copy, np.take_along_axis(levels, idx, axis=1), levels)
    ulps = rng.integers(-3, 4, size=s.shape)
    s = s + ulps * np.spacing(s)                     # a few units in the last place
    s[rng.uniform(size=s.shape) < 0.1] = np.nan
    return s


@settings(max_examples=200, deadline=None)
@given(_scores_with_near_ties(), st.sampled_from(["min", "max", "average", "dense"]))
def test_sorted_ranks_equal_pairwise_ranks(s, ties):
    np.testing.assert_array_equal(rank_scores(s, ties), _rank_scores_pairwise(s, ties))


@pytest.mark.parametrize("a, b", ULP_PAIRS)
@pytest.mark.parametrize("ties", ["min", "max", "average", "dense"])
def test_sorted_and_pairwise_agree_on_ulp_ties(a, b, ties):
    s = np.array([1e6, a, b, -1e6, np.nan])
    np.testing.assert_array_equal(rank_scores(s, ties), _rank_scores_pairwise(s, ties))


def test_chain_of_near_ties_is_one_group():
    # 1 ~ 1 + 0.9 tol ~ 1 + 1.8 tol, but the ends are apart: the sorted rule makes one group
    tol = SCORE_ATOL + SCORE_RTOL * 1.0
    s = np.array([1.0, 1.0 + 0.9 * tol, 1.0 + 1.8 * tol, 0.0])
    assert scores_tie(s[0], s[1]) and scores_tie(s[1], s[2]) and not scores_tie(s[0], s[2])
    np.testing.assert_array_equal(rank_scores(s, "min"), [1, 1, 1, 4])
    np.testing.assert_array_equal(rank_scores(s, "dense"), [1, 1, 1, 2])


def test_rank_scores_has_no_pairwise_arrays_at_district_scale():
    import tracemalloc
    s = np.random.default_rng(0).normal(size=(256, 361))
    tracemalloc.start()
    rank_scores(s, "average")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * s.nbytes                      # (S, A, A) would be 361 x s.nbytes
