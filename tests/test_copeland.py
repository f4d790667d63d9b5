"""Copeland by counting (ldi_helpers.method.copeland) equals the pairwise definition exactly."""
import numpy as np
import pytest

from ldi_helpers.method import copeland as counting
from ldi_helpers.method.aggregate import SCORE_ATOL, copeland, copeland_pairwise, scores_tie
from ldi_helpers.method.copeland import copeland_counting


def _hard_case(rng, n_s, n_a, n_k, gaps=0.05):
    """Scores with exact ties, ties within the tolerance and one-ulp near-ties, some missing."""
    v = rng.integers(0, 6, size=(n_s, n_a, n_k)).astype(float) * 12.5   # exact ties
    v += rng.choice([0.0, 0.0, 3e-10, 1e-6], size=v.shape)              # within / beyond tol.
    ulp = rng.random(v.shape) < 0.2
    v[ulp] = np.nextafter(v[ulp], np.inf)                                 # one ulp apart
    v[rng.random(v.shape) < gaps] = np.nan
    return v


def _weights(rng, n_s, n_k):
    w = rng.uniform(0.75, 1.25, size=(n_s, n_k))
    w /= w.sum(axis=1, keepdims=True)
    fixed = [[0.5, 0.25, 0.25, 0.0], [0.1, 0.2, 0.3, 0.4], [0.0, 0.3, 0.7, 0.0],
             [1 / 3, 1 / 3, 1 / 3, 0.0], [0.6, 0.2, 0.2, 0.0]]
    for i, row in enumerate(fixed):
        w[i::len(fixed) + 2][:, :n_k] = row[:n_k]
    w[w.sum(axis=1) == 0, 0] = 1.0
    return w


def test_near_ties_behave_as_the_tolerance_says():
    a = 50.0
    assert scores_tie(a, np.nextafter(a, np.inf)) and scores_tie(a, a + 3e-10)
    assert not scores_tie(a, a + 1e-6)


@pytest.mark.parametrize("n_k", [1, 2, 3, 4])
@pytest.mark.parametrize("n_a", [1, 2, 7, 64, 65, 150])
@pytest.mark.parametrize("gaps", [0.0, 0.05])
def test_counting_equals_pairwise_with_ties_and_gaps(n_k, n_a, gaps):
    rng = np.random.default_rng(1000 * n_k + n_a)
    v = _hard_case(rng, 23, n_a, n_k, gaps)
    w = _weights(rng, 23, n_k)
    np.testing.assert_array_equal(copeland_counting(v, w), copeland_pairwise(v, w))


def test_counting_equals_pairwise_on_continuous_scores():
    rng = np.random.default_rng(7)
    v = rng.normal(50, 20, size=(40, 360, 3))
    v[:, ::9, 1] = v[:, ::9, 2]                                 # ties across inputs
    w = _weights(rng, 40, 3)
    np.testing.assert_array_equal(copeland_counting(v, w), copeland_pairwise(v, w))


def test_area_without_weighted_input_is_missing_and_ties_every_contest():
    rng = np.random.default_rng(3)
    v = _hard_case(rng, 5, 40, 3, 0.0)
    v[:, 4, :] = np.nan                                          # lacks every input
    v[:, 5, 1:] = np.nan                                         # only input 0, weight 0 below
    w = np.tile([0.0, 0.5, 0.5], (5, 1))
    got = copeland_counting(v, w)
    np.testing.assert_array_equal(got, copeland_pairwise(v, w))
    assert np.isnan(got[:, 4]).all() and np.isnan(got[:, 5]).all()


def test_samples_where_a_missing_input_changes_the_tolerance_use_the_pairwise_loop():
    # a tiny weight: with the other inputs missing its contest is a win (lim from the tiny
    # weight alone), with them present it is a tie (lim from all weights)
    w = np.tile([1e-12, 0.5, 0.5], (6, 1))
    assert counting._needs_pairwise(w).all()
    assert not counting._needs_pairwise(np.tile([0.2, 0.3, 0.5], (6, 1))).any()
    rng = np.random.default_rng(4)
    v = rng.normal(size=(6, 50, 3))
    v[rng.random(v.shape) < 0.3] = np.nan
    np.testing.assert_array_equal(copeland_counting(v, w), copeland_pairwise(v, w))
    assert SCORE_ATOL * 1.0 > 1e-12 > SCORE_ATOL * 1e-12


def test_copeland_dispatches_and_keeps_leading_axes():
    rng = np.random.default_rng(5)
    v = _hard_case(rng, 6, 80, 3).reshape(2, 3, 80, 3)
    w = _weights(rng, 6, 3).reshape(2, 3, 3)
    got = copeland(v, w)
    assert got.shape == (2, 3, 80)
    np.testing.assert_array_equal(got, copeland_pairwise(v, w))
    # one weight vector for every sample, and one sample without a sample axis
    np.testing.assert_array_equal(copeland(v, w[0, 0]), copeland_pairwise(v, w[0, 0]))
    np.testing.assert_array_equal(copeland(v[0, 0], w[0, 0]), copeland_pairwise(v[0, 0], w[0, 0]))


def test_counting_does_not_depend_on_block_sizes(monkeypatch):
    rng = np.random.default_rng(6)
    v = _hard_case(rng, 37, 70, 3)
    w = _weights(rng, 37, 3)
    ref = copeland_counting(v, w)
    monkeypatch.setattr(counting, "BLOCK", 3)
    monkeypatch.setattr(counting, "SORT_BLOCK", 10)
    np.testing.assert_array_equal(copeland_counting(v, w), ref)


def test_small_blocks_for_many_areas_give_the_same_scores(monkeypatch):
    rng = np.random.default_rng(8)
    v = _hard_case(rng, 9, 300, 3)
    w = _weights(rng, 9, 3)
    ref = copeland_pairwise(v, w)
    monkeypatch.setattr(counting, "BLOCK_BYTES", 1)              # one sample per block
    np.testing.assert_array_equal(copeland_counting(v, w), ref)
    monkeypatch.setattr(counting, "MAX_AREAS", 100)              # too many areas: pairwise
    np.testing.assert_array_equal(copeland(v, w), ref)
