"""Ranks within a subset of units (a region's districts, a peer group) from a national sample.

Every sampled methodology of the uncertainty analysis ranks all units nationally; the rank of a
unit among a subset in that sample is one plus the number of subset members ranked strictly
better (tied units share the better rank, as nationally). The interval of the subset rank is
taken over the same samples, so national, regional and peer-group intervals describe one sample.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import LDIError


def _columns(ranks, units) -> tuple[np.ndarray, dict[str, int]]:
    """``ranks`` as a 2-d float array and each unit code's column; one code per column."""
    r = np.atleast_2d(np.asarray(ranks, dtype=float))
    units = [str(u) for u in units]
    if r.shape[1] != len(units):
        raise LDIError(f"{len(units)} unit codes for {r.shape[1]} columns of ranks; pass one "
                       "code per column")
    return r, {u: i for i, u in enumerate(units)}


def rank_within(ranks: np.ndarray, units: Sequence[str], subset: Sequence[str]) -> np.ndarray:
    """Rank of each subset member among the subset, in every sample.

    Parameters
    ----------
    ranks : array (n_samples, n_units)
        National ranks (1 = best) of ``units`` in each sample; NaN = not ranked in that sample.
    units : sequence of str
        Unit codes, the columns of ``ranks``.
    subset : sequence of str
        Codes of the subset (those not in ``units`` are ignored).

    Returns
    -------
    array (n_samples, n_subset)
        1 + number of subset members strictly better in that sample; NaN where not ranked.
        Columns in the order of the subset members found in ``units``.
    """
    r, pos = _columns(ranks, units)
    sub = r[:, [pos[str(s)] for s in subset if str(s) in pos]]
    # count members strictly better: NaN compares False, so unranked members never count
    better = (sub[:, None, :] < sub[:, :, None]).sum(axis=2)
    out = 1.0 + better
    out[np.isnan(sub)] = np.nan
    return out


def rank_of_within(ranks: np.ndarray, units: Sequence[str], subset: Sequence[str],
                   code: str) -> np.ndarray | None:
    """One subset member's rank among the subset in every sample (a column of :func:`rank_within`).

    Counts, in each sample, the subset members ranked strictly better than ``code``: n_samples x
    n_subset comparisons instead of :func:`rank_within`'s n_samples x n_subset^2 (a district's
    national comparison: 4096 x 360 instead of 4096 x 360 x 360).

    Returns
    -------
    array (n_samples,) or None
        1 + members strictly better; NaN where ``code`` is not ranked. None when ``code`` is not
        a member of ``subset`` found in ``units``.
    """
    r, pos = _columns(ranks, units)
    members = [str(s) for s in subset if str(s) in pos]
    if str(code) not in members:
        return None
    sub = r[:, [pos[m] for m in members]]
    own = r[:, pos[str(code)]]
    # ranks are whole numbers (or NaN): exact comparison is the rank order; NaN never counts
    out = 1.0 + (sub < own[:, None]).sum(axis=1)
    out[np.isnan(own)] = np.nan
    return out


def subset_interval(ranks: np.ndarray, units: Sequence[str], subset: Sequence[str], code: str,
                    lo: float = 5.0, hi: float = 95.0) -> dict | None:
    """The 5th-95th percentile interval of one unit's rank within a subset.

    Parameters
    ----------
    ranks, units : as for :func:`rank_within`
    subset : sequence of str
        The subset (must contain ``code``).
    code : str
        The unit.
    lo, hi : float
        Percentiles (type 1, attained ranks, as the national intervals).

    Returns
    -------
    dict or None
        ``lo``, ``hi``, ``median`` (ints) and ``n`` (samples in which the unit was ranked);
        None when the unit is never ranked.
    """
    col = rank_of_within(ranks, units, subset, code)
    if col is None:
        return None
    col = col[np.isfinite(col)]
    if not col.size:
        return None
    q = lambda p: int(np.percentile(col, p, method="inverted_cdf"))  # noqa: E731
    return {"lo": q(lo), "hi": q(hi), "median": q(50), "n": int(col.size)}


def nominal_rank_within(ranks: pd.Series, subset: Sequence[str], code: str) -> tuple[int, int]:
    """A unit's rank among a subset under one method, and the number of subset members ranked.

    Parameters
    ----------
    ranks : Series
        National ranks by code (NaN or absent = not ranked).
    subset : sequence of str
    code : str
    """
    r = ranks.reindex([str(s) for s in subset]).dropna()
    return int(1 + (r < r[str(code)]).sum()), int(len(r))
