"""Aggregation (step 8): indicator scores -> component scores -> composite index.

Every function takes values ``v`` of shape ``(..., A, K)`` (areas x inputs, any leading sample
axes; ``NaN`` = missing) and weights ``w`` of shape ``(..., K)`` (non-negative; they need not sum
to 1). Missing inputs are left out and the weights of an area's available inputs are renormalised
to sum to 1 ("available-case" aggregation); an area with no available input, or whose available
inputs all have weight 0, gets ``NaN``.

- ``arithmetic``: weighted mean; fully compensatory.
- ``geometric``: weighted geometric mean; partly compensatory. It needs positive values, so when
  the smallest available value ``m`` in the block being aggregated (all areas, all inputs) is not
  above 0, every value is shifted by ``s = 1 - m`` (the minimum becomes 1), the weighted geometric
  mean is taken and ``s`` is subtracted again. The result stays on the input scale, and the
  geometric mean of equal values is that value. With min-max scores (0-100) this is the usual
  practice of rescaling to [1, 101] before a geometric mean.
- ``copeland``: non-compensatory outranking. For each pair of areas ``a, b`` the weighted
  majority ``D[a, b] = sum_k w_k * sign(v[a, k] - v[b, k])`` over inputs both have; ``a`` beats
  ``b`` when ``D > 0``. An area's score is its wins minus its losses (range ``-(A-1) .. A-1``).
  ``D`` is rounded to 12 decimals so weights that cancel exactly count as a tie.
"""
from __future__ import annotations

import numpy as np

from .errors import SpecError
from .spec import COMPOSITE_AGGREGATIONS

#: Scores equal to this many decimals are ties when ranking.
RANK_DECIMALS = 10


def _prep(v, w):
    v = np.asarray(v, dtype=float)
    w = np.asarray(w, dtype=float)
    mask = ~np.isnan(v)
    wa = w[..., None, :]
    if mask.all():
        den = np.broadcast_to(w.sum(axis=-1)[..., None], v.shape[:-1])
    else:
        den = np.einsum("...ak,...k->...a", mask.astype(float), w)
    return v, w, mask, wa, den


def weighted_arithmetic(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted arithmetic mean over the last axis, skipping missing inputs."""
    v, w, mask, wa, den = _prep(v, w)
    num = np.einsum("...ak,...k->...a", np.where(mask, v, 0.0), w)
    ok = den > 0
    return np.where(ok, num / np.where(ok, den, 1.0), np.nan)


def geometric_shift(v: np.ndarray) -> np.ndarray:
    """Shift ``s`` (shape ``v.shape[:-2]``) used by :func:`weighted_geometric` (0 if all > 0)."""
    v = np.asarray(v, dtype=float)
    m = np.where(np.isnan(v), np.inf, v).min(axis=(-2, -1))
    return np.where(np.isfinite(m) & (m <= 0), 1.0 - m, 0.0)


def weighted_geometric(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted geometric mean over the last axis, with the documented shift for values <= 0."""
    v, w, mask, wa, den = _prep(v, w)
    s = geometric_shift(v)[..., None, None]
    logs = np.where(mask, np.log(np.where(mask, v + s, 1.0)), 0.0)
    num = np.einsum("...ak,...k->...a", logs, w)
    ok = den > 0
    out = np.exp(num / np.where(ok, den, 1.0)) - s[..., 0]
    return np.where(ok, out, np.nan)


def copeland(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Copeland score (wins minus losses in weighted pairwise majorities), see module docstring."""
    v = np.asarray(v, dtype=float)
    w = np.asarray(w, dtype=float)
    mask = ~np.isnan(v)
    a = v[..., :, None, :]
    b = v[..., None, :, :]
    both = mask[..., :, None, :] & mask[..., None, :, :]
    sgn = np.sign(np.where(both, a - b, 0.0))
    d = np.round((sgn * w[..., None, None, :]).sum(axis=-1), 12)
    score = np.sign(d).sum(axis=-1)
    has = (np.where(mask, w[..., None, :], 0.0).sum(axis=-1)) > 0
    return np.where(has, score, np.nan)


def aggregate_components(z: np.ndarray, w: np.ndarray, comp_index: np.ndarray,
                         n_components: int, method: str) -> np.ndarray:
    """Component scores for many weight vectors at once (indicators -> components).

    Parameters
    ----------
    z : ndarray, shape (A, I)
        Indicator scores of one methodology variant, ``NaN`` = missing.
    w : ndarray, shape (S, I)
        ``S`` weight vectors, each summing to 1 within every component.
    comp_index : ndarray of int, shape (I,)
        Component position of each indicator.
    n_components : int
    method : {"arithmetic", "geometric"}
        Same rules as :func:`weighted_arithmetic` and :func:`weighted_geometric` (available-case
        renormalisation, documented shift for values <= 0), computed as matrix products so that a
        batch of weight vectors costs one product per component.

    Returns
    -------
    ndarray, shape (S, A, C)
    """
    z = np.asarray(z, dtype=float)
    w = np.atleast_2d(np.asarray(w, dtype=float))
    if method not in ("arithmetic", "geometric"):
        from .spec import COMPONENT_AGGREGATIONS
        raise SpecError(f"unknown component aggregation {method!r}; valid choices are: "
                        + ", ".join(COMPONENT_AGGREGATIONS))
    comp_index = np.asarray(comp_index)
    mask = ~np.isnan(z)
    out = np.empty((w.shape[0], n_components, z.shape[0]))
    for c in range(n_components):
        cols = np.flatnonzero(comp_index == c)
        zc, mc, wc = z[:, cols], mask[:, cols], w[:, cols]
        if method == "arithmetic":
            vals, shift = np.where(mc, zc, 0.0), 0.0
        else:
            shift = float(geometric_shift(zc))
            vals = np.where(mc, np.log(np.where(mc, zc + shift, 1.0)), 0.0)
        num = wc @ vals.T                                               # (S, A)
        # denominator: the component's full weight minus the weight of the area's gaps
        den = np.broadcast_to(wc.sum(axis=1)[:, None], num.shape)
        gaps = np.flatnonzero(~mc.all(axis=0))
        if gaps.size:
            den = den - wc[:, gaps] @ (~mc[:, gaps]).T.astype(float)
        ok = den > 0
        val = num / np.where(ok, den, 1.0)
        if method == "geometric":
            val = np.exp(val) - shift
        out[:, c, :] = np.where(ok, val, np.nan)
    return out.transpose(0, 2, 1)


def aggregate(v: np.ndarray, w: np.ndarray, method: str) -> np.ndarray:
    """Aggregate ``v`` (``(..., A, K)``) with weights ``w`` (``(..., K)``) by the named rule.

    Raises
    ------
    SpecError
        Unknown method; the message lists the valid choices.
    """
    if method == "arithmetic":
        return weighted_arithmetic(v, w)
    if method == "geometric":
        return weighted_geometric(v, w)
    if method == "copeland":
        return copeland(v, w)
    raise SpecError(f"unknown aggregation {method!r}; valid choices are: "
                    + ", ".join(COMPOSITE_AGGREGATIONS))


def rank_scores(scores: np.ndarray, ties: str = "min") -> np.ndarray:
    """Ranks along the last axis, 1 = highest score; ``NaN`` scores get ``NaN`` ranks.

    Scores are rounded to :data:`RANK_DECIMALS` decimals first, so values that differ only by
    floating-point noise tie. ``ties``: ``min`` (tied areas share the best of their ranks:
    1, 2, 2, 4), ``max`` (1, 3, 3, 4), ``average`` (1, 2.5, 2.5, 4) or ``dense`` (1, 2, 2, 3).
    Returned as floats (``NaN`` for missing).
    """
    s = np.round(np.asarray(scores, dtype=float), RANK_DECIMALS)
    ok = ~np.isnan(s)
    a = s[..., :, None]
    b = s[..., None, :]
    # comparisons with NaN are False, so NaN scores never count as greater or equal
    greater = (b > a).sum(axis=-1)
    both = ok[..., :, None] & ok[..., None, :] if ties != "min" else None
    equal = ((b == a) & both).sum(axis=-1) if ties != "min" else None
    if ties == "min":
        r = 1.0 + greater
    elif ties == "max":
        r = 0.0 + greater + equal
    elif ties == "average":
        r = greater + (equal + 1) / 2.0
    elif ties == "dense":
        # distinct values strictly greater: count b > a weighted by 1 / multiplicity of b
        mult = ((b == a) & both).sum(axis=-1)  # multiplicity of each value
        inv = np.where(ok, 1.0 / np.maximum(mult, 1), 0.0)
        r = 1.0 + np.round((((b > a) & both) * inv[..., None, :]).sum(axis=-1), 6)
    else:
        from .spec import RANK_TIES
        raise SpecError(f"unknown rank tie rule {ties!r}; valid choices are: "
                        + ", ".join(RANK_TIES))
    return np.where(ok, r, np.nan)
