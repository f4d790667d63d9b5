"""Rank summaries by counting equal the sorting definitions (numpy percentiles, sorted ties)."""
import numpy as np
import pytest

from ldi_helpers.analysis import uncertainty as unc


def _ranks(kind, n, u, seed=0):
    rng = np.random.default_rng(seed)
    r = rng.integers(1, u + 1, size=(n, u)).astype(float)
    if kind == "half":
        r[rng.random(r.shape) < 0.3] += 0.5
    elif kind == "float":
        r += rng.random(r.shape) * 0.1
    return r


def _tied_by_sorting(r):
    """The sorting definition (the path used for values that are not whole or half ranks)."""
    return unc._tied_by_sorting(r)


@pytest.mark.parametrize("kind", ["int", "half", "float"])
@pytest.mark.parametrize("n, u", [(1, 5), (7, 12), (1000, 3), (333, 40), (20000, 30)])
def test_percentiles_and_ties_equal_the_sorting_definitions(kind, n, u, monkeypatch):
    monkeypatch.setattr(unc, "_TIE_CHUNK", 777)           # several chunks
    r = _ranks(kind, n, u, seed=n + u)
    for q in (0, 0.1, 5, 12.5, 33.3, 50, 95, 99.99, 100):
        np.testing.assert_array_equal(unc.rank_percentile(r, q),
                                      np.percentile(r, q, axis=0, method="inverted_cdf"))
    np.testing.assert_array_equal(unc.tied_in_sample(r), _tied_by_sorting(r))


def test_intervals_by_counting_equal_intervals_by_sorting(monkeypatch):
    r = _ranks("int", 5000, 25, seed=3)
    fast = unc.get_rank_intervals(r, r[0], lo=2.5, hi=97.5)
    monkeypatch.setattr(unc, "_count_codes", lambda ranks, ties=False: None)   # sorting path
    slow = unc.get_rank_intervals(r, r[0], lo=2.5, hi=97.5)
    np.testing.assert_array_equal(fast.to_numpy(), slow.to_numpy())
    assert fast.attrs == slow.attrs


def test_a_chunk_with_other_values_falls_back_to_sorting(monkeypatch):
    monkeypatch.setattr(unc, "_TIE_CHUNK", 100)
    r = _ranks("int", 1000, 8, seed=9)
    r[950, 3] += 0.25                                           # not a half rank, last chunk
    assert unc._count_codes(r) is None
    np.testing.assert_array_equal(unc.rank_percentile(r, 95),
                                  np.percentile(r, 95, axis=0, method="inverted_cdf"))
    np.testing.assert_array_equal(unc.tied_in_sample(r), _tied_by_sorting(r))
