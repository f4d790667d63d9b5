"""Monte Carlo uncertainty analysis: how far could each region's rank move?

Step 9 of the JRC/OECD method, per region. Every uncertain methodological choice is a factor
(:mod:`ldi_helpers.factors`); a seeded Monte Carlo design of the factors is evaluated by the
vectorised index engine (:mod:`ldi_helpers.batch`) and summarised as

* rank intervals (:func:`get_rank_intervals`): per region the nominal rank (default methodology),
  the median rank and the 5th-95th percentile interval over all sampled methodologies;
* rank probabilities (:func:`get_rank_probabilities`): the probability of each rank 1..n;
* pairwise probabilities (:func:`get_pairwise_probabilities`): P(region A ranks above region B);
* one-at-a-time checks (:func:`get_one_at_a_time`): leave one component out, leave one indicator
  out, each alternative method alone, with every other choice at its default.

Conventions: rank 1 is the best (highest composite score); "A ranks above B" means A's rank
number is strictly smaller. Percentiles of ranks are *attained* ranks (inverted empirical CDF,
Hyndman and Fan type 1: the smallest rank r with P(rank <= r) >= q), so an interval such as
"3 to 7" is always a pair of ranks that occurred.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .errors import LDIError


class UncertaintyError(LDIError):
    """Bad input to the uncertainty analysis (shapes, percentiles, rank values)."""


def _check_ranks(ranks: np.ndarray, units: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    ranks = np.asarray(ranks, dtype=float)
    if ranks.ndim != 2 or ranks.shape[0] < 1:
        raise UncertaintyError(f"ranks must be a (n_samples, n_units) array, got shape {ranks.shape}")
    if np.isnan(ranks).any():
        raise UncertaintyError("ranks contain missing values; every sample must rank every unit")
    names = [str(u) for u in units] if units is not None else [str(i) for i in range(ranks.shape[1])]
    if len(names) != ranks.shape[1]:
        raise UncertaintyError(f"{len(names)} unit names for {ranks.shape[1]} columns of ranks")
    return ranks, names


def rank_percentile(ranks: np.ndarray, q: float) -> np.ndarray:
    """Attained-rank percentile per column: smallest r with P(rank <= r) >= q/100 (type 1)."""
    if not 0 <= q <= 100:
        raise UncertaintyError(f"percentile must be in [0, 100], got {q}")
    return np.percentile(np.asarray(ranks, dtype=float), q, axis=0, method="inverted_cdf")


def get_rank_intervals(
    ranks: np.ndarray,
    nominal: Sequence[float],
    units: Sequence[str] | None = None,
    lo: float = 5.0,
    hi: float = 95.0,
    names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Nominal rank, median rank and the lo-hi percentile interval of each unit's rank.

    Parameters
    ----------
    ranks : array (n_samples, n_units)
        Rank of every unit in every sampled methodology (1 = best).
    nominal : sequence of float
        Rank of every unit under the default methodology.
    units : sequence of str, optional
        Unit codes (columns of ``ranks``).
    lo, hi : float
        Percentiles of the interval (default 5 and 95).
    names : dict, optional
        Code -> display name, added as column ``name``.

    Returns
    -------
    DataFrame
        Indexed by unit: ``name`` (if given), ``nominal_rank, median_rank, rank_lo, rank_hi,
        interval_width`` (``rank_hi - rank_lo``), ``mean_rank``, ordered by median rank, then
        nominal rank.
    """
    ranks, codes = _check_ranks(ranks, units)
    nominal = np.asarray(nominal, dtype=float)
    if nominal.shape != (ranks.shape[1],):
        raise UncertaintyError(f"nominal ranks have shape {nominal.shape}; expected ({ranks.shape[1]},)")
    if not lo < hi:
        raise UncertaintyError(f"need lo < hi, got lo={lo}, hi={hi}")
    out = pd.DataFrame(
        {
            "nominal_rank": nominal,
            "median_rank": rank_percentile(ranks, 50),
            "rank_lo": rank_percentile(ranks, lo),
            "rank_hi": rank_percentile(ranks, hi),
            "mean_rank": ranks.mean(axis=0),
        },
        index=pd.Index(codes, name="unit"),
    )
    out.insert(4, "interval_width", out["rank_hi"] - out["rank_lo"])
    if names is not None:
        out.insert(0, "name", [names.get(c, c) for c in codes])
    return out.sort_values(["median_rank", "nominal_rank", "mean_rank"], kind="stable")


def get_rank_probabilities(ranks: np.ndarray, units: Sequence[str] | None = None) -> pd.DataFrame:
    """Probability of each rank 1..n_units for each unit (rows sum to one).

    Ranks must be whole numbers (ties share a rank under the engine's ``min`` convention).
    """
    ranks, codes = _check_ranks(ranks, units)
    r = np.rint(ranks)
    if not np.array_equal(r, ranks):
        raise UncertaintyError("rank probabilities need whole-number ranks; got fractional ranks")
    n_units = ranks.shape[1]
    if r.min() < 1 or r.max() > n_units:
        raise UncertaintyError(f"ranks must lie in 1..{n_units}")
    r = r.astype(np.int64) - 1
    counts = np.zeros((n_units, n_units))
    for j in range(n_units):
        counts[j] = np.bincount(r[:, j], minlength=n_units)
    return pd.DataFrame(
        counts / ranks.shape[0],
        index=pd.Index(codes, name="unit"),
        columns=pd.Index(range(1, n_units + 1), name="rank"),
    )


def get_pairwise_probabilities(ranks: np.ndarray, units: Sequence[str] | None = None) -> pd.DataFrame:
    """P(row unit ranks strictly above column unit) over the samples; the diagonal is 0.

    ``P[a, b] + P[b, a] = 1 - P(tie)``.
    """
    ranks, codes = _check_ranks(ranks, units)
    n_units = ranks.shape[1]
    p = np.zeros((n_units, n_units))
    for a in range(n_units):
        p[a] = (ranks[:, [a]] < ranks).mean(axis=0)
    return pd.DataFrame(p, index=pd.Index(codes, name="unit"), columns=pd.Index(codes, name="vs"))
