"""Aggregation (step 8): indicator scores -> component scores -> composite index.

Every function takes values ``v`` of shape ``(..., A, K)`` (areas x inputs, any leading sample
axes; ``NaN`` = missing) and weights ``w`` of shape ``(..., K)`` (non-negative; they need not sum
to 1). Missing inputs are left out and the weights of an area's available inputs are renormalised
to sum to 1 ("available-case" aggregation); an area with no available input, or whose available
inputs all have weight 0, gets ``NaN``.

- ``arithmetic``: weighted mean; fully compensatory.
- ``geometric``: weighted geometric mean; partly compensatory. It needs positive values, so it is
  taken on a scale whose floor is at least 1: with ``m`` the smallest available value in the
  block being aggregated (all areas, all inputs), every value is shifted up by
  ``s = max(0, 1 - m)``, the weighted geometric mean is taken and ``s`` is subtracted again
  (:data:`GEOMETRIC_FLOOR` = 1). With min-max, rank or goalpost scores (0-100) the block minimum
  is 0, so this is the JRC/COINr practice of a geometric mean on the 1-101 scale. The shift is a
  continuous function of the data (it falls smoothly to 0 as ``m`` rises to 1), so the result
  never jumps, and the same rule applies in every build and every Monte Carlo sample. The result
  stays on the input scale, and the geometric mean of equal values is that value.
- ``harmonic``: weighted harmonic mean ``sum(w) / sum(w / x)``; less compensatory than the
  geometric mean (a low score weighs more). Taken on the same floor-1 scale as the geometric mean
  (same shift ``s``), so it is continuous in the data and defined for scores of 0.
- ``generalised``: weighted power (generalised) mean ``(sum(w x^p) / sum(w))^(1/p)`` with the
  power ``p`` of the spec (``generalised_mean_power``, default 2), on the same floor-1 scale for
  every ``p`` (the shift is needed for ``p <= 0`` and for negative scores such as z-scores; it
  cancels exactly for ``p = 1``). ``p = 1`` is the arithmetic mean, ``p -> 0`` the geometric mean
  (``p = 0`` is computed as the geometric mean), ``p = -1`` the harmonic mean; ``p > 1`` rewards
  high scores more than the arithmetic mean does. ``|p|`` is limited to :data:`MAX_POWER` so that
  ``x^p`` stays within floating-point range on 0-100 scores.
- ``copeland``: non-compensatory outranking. For each pair of areas ``a, b`` the weighted
  majority ``D[a, b] = sum_k w_k * sign_tol(v[a, k] - v[b, k])`` over inputs both have, where
  ``sign_tol`` is 0 when the two values share a tie group of input ``k`` (the groups of
  :func:`rank_scores`: equal within the score tolerance, below); ``a`` beats ``b``
  when ``D`` exceeds ``SCORE_ATOL`` times the pair's total weight, so weights that cancel in exact
  arithmetic count as a tie. An area's score is its wins minus its losses
  (range ``-(A-1) .. A-1``).

Ties. Every comparison that decides a rank, a Copeland contest or a tie uses one tolerance,
:func:`scores_tie`: two scores ``a`` and ``b`` tie when
``|a - b| <= SCORE_ATOL + SCORE_RTOL * max(|a|, |b|)`` (``SCORE_ATOL = 1e-9`` points and
``SCORE_RTOL = 1e-9``; on the 0-100 scale that is at most about 1e-7 points, far below any
published precision and far above floating-point noise, about 1e-14). Scores that are equal in
exact arithmetic but come out a few units in the last place apart (different summation orders,
different BLAS) therefore always tie, on every machine.
"""
from __future__ import annotations

import numpy as np

from ..errors import SpecError
from .spec import COMPOSITE_AGGREGATIONS

#: Absolute tolerance for comparing scores (points on the 0-100 scale). See :func:`scores_tie`.
SCORE_ATOL = 1e-9
#: Relative tolerance for comparing scores. See :func:`scores_tie`.
SCORE_RTOL = 1e-9
#: The geometric mean is taken on values shifted so the block minimum is at least this.
GEOMETRIC_FLOOR = 1.0
#: Largest ``|p|`` allowed for the generalised (power) mean (``101 ** 20`` is about 1e40, far
#: inside floating-point range; larger powers gain nothing over the maximum / minimum).
MAX_POWER = 20.0
#: Default power of the generalised mean (the quadratic mean).
DEFAULT_POWER = 2.0


def score_tolerance(a, b) -> np.ndarray:
    """The tolerance used when comparing scores ``a`` and ``b`` (broadcast), in their unit.

    ``SCORE_ATOL + SCORE_RTOL * max(|a|, |b|)``.
    """
    return SCORE_ATOL + SCORE_RTOL * np.maximum(np.abs(a), np.abs(b))


def scores_tie(a, b) -> np.ndarray:
    """True where scores ``a`` and ``b`` are equal within the one documented score tolerance.

    ``NaN`` never ties with anything.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.abs(a - b) <= score_tolerance(a, b)


def compare_scores(a, b) -> np.ndarray:
    """Sign of ``a - b`` with ties within the score tolerance: +1, 0 or -1 (0 where ``NaN``).

    The one rule every rank, Copeland contest and tie in the package uses.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    d = a - b
    with np.errstate(invalid="ignore"):
        tie = ~(np.abs(d) > score_tolerance(a, b))
    return np.where(tie, 0.0, np.sign(d))


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
    """Shift ``s = max(0, GEOMETRIC_FLOOR - m)`` (shape ``v.shape[:-2]``) used by the geometric
    mean, ``m`` the smallest non-missing value of each ``(A, K)`` block (0 if all are missing).

    Continuous in the data: 0 when every value is at least 1, ``1 - m`` below that.
    """
    v = np.asarray(v, dtype=float)
    m = np.where(np.isnan(v), np.inf, v).min(axis=(-2, -1))
    return np.where(np.isfinite(m), np.maximum(0.0, GEOMETRIC_FLOOR - m), 0.0)


def weighted_geometric(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted geometric mean over the last axis, on the floor-1 scale (module docstring)."""
    v, w, mask, wa, den = _prep(v, w)
    s = geometric_shift(v)[..., None, None]
    logs = np.where(mask, np.log(np.where(mask, v + s, 1.0)), 0.0)
    num = np.einsum("...ak,...k->...a", logs, w)
    ok = den > 0
    out = np.exp(num / np.where(ok, den, 1.0)) - s[..., 0]
    return np.where(ok, out, np.nan)


def _power_values(x: np.ndarray, method: str, power: float) -> np.ndarray:
    """The values the floor-1 means weight-average: ``log x`` (geometric, or generalised with
    ``p = 0``), ``1 / x`` (harmonic), ``x ** p`` (generalised). ``x`` is already shifted (>= 1)."""
    if method == "geometric" or (method == "generalised" and power == 0):
        return np.log(x)
    if method == "harmonic":
        return 1.0 / x
    return x ** power


def _power_back(m: np.ndarray, method: str, power: float) -> np.ndarray:
    """Inverse of :func:`_power_values` applied to a weighted mean ``m`` of those values."""
    if method == "geometric" or (method == "generalised" and power == 0):
        return np.exp(m)
    if method == "harmonic":
        return 1.0 / m
    return m ** (1.0 / power)


def weighted_power(v: np.ndarray, w: np.ndarray, power: float = DEFAULT_POWER,
                   method: str = "generalised") -> np.ndarray:
    """Weighted floor-1 mean over the last axis: generalised (power ``p``) or harmonic.

    Parameters
    ----------
    v : ndarray, shape (..., A, K)
        Scores (any unit; ``NaN`` = missing, left out with its weight).
    w : ndarray, shape (..., K)
        Non-negative weights (renormalised over each area's available inputs).
    power : float
        ``p`` of the generalised mean; ``0`` gives the geometric mean. Ignored for harmonic.
    method : {"generalised", "harmonic", "geometric"}

    Returns
    -------
    ndarray, shape (..., A)
        In the unit of ``v``: the mean of the values shifted by ``s = max(0, 1 - m)`` (``m`` the
        block minimum, :func:`geometric_shift`), shifted back by ``s``. The mean of equal values
        is that value.
    """
    v, w, mask, wa, den = _prep(v, w)
    s = geometric_shift(v)[..., None, None]
    vals = np.where(mask, _power_values(np.where(mask, v + s, 1.0), method, power), 0.0)
    num = np.einsum("...ak,...k->...a", vals, w)
    ok = den > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _power_back(num / np.where(ok, den, 1.0), method, power) - s[..., 0]
    return np.where(ok, out, np.nan)


def weighted_harmonic(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted harmonic mean over the last axis, on the floor-1 scale (module docstring)."""
    return weighted_power(v, w, -1.0, method="harmonic")


def copeland(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Copeland score (wins minus losses in weighted pairwise majorities), see module docstring.

    Parameters
    ----------
    v : ndarray, shape (..., A, K)
        Scores (any unit; ``NaN`` = missing: that input does not count for a pair where either
        area lacks it).
    w : ndarray, shape (..., K)
        Non-negative weights (broadcast against the leading axes of ``v``).

    Returns
    -------
    ndarray, shape (..., A)
        Wins minus losses (``-(A-1) .. A-1``); ``NaN`` for an area without any weighted input.

    Notes
    -----
    Two implementations give identical scores (tested): the pairwise definition
    (:func:`copeland_pairwise`) and, for many areas and few inputs (``copeland.MIN_AREAS <= A
    <= copeland.MAX_AREAS``, ``K <= copeland.MAX_INPUTS``), counting over sign patterns with
    bitsets (:func:`ldi_helpers.method.copeland.copeland_counting`), which decides every contest
    with the same arithmetic at a fraction of the cost.
    """
    from . import copeland as counting

    v = np.asarray(v, dtype=float)
    w = np.asarray(w, dtype=float)
    n_a, n_k = v.shape[-2:]
    if not counting.MIN_AREAS <= n_a <= counting.MAX_AREAS or not 0 < n_k <= counting.MAX_INPUTS:
        return copeland_pairwise(v, w)
    lead = v.shape[:-2]
    vf = v.reshape((-1, n_a, n_k))
    wf = np.broadcast_to(w, lead + (n_k,)).reshape((-1, n_k))
    return counting.copeland_counting(vf, wf).reshape(lead + (n_a,))


def copeland_pairwise(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Copeland score by the pairwise definition (every contest evaluated): the parameters,
    result and meaning are those of :func:`copeland`.

    Notes
    -----
    Each input's contest between two areas is decided by their tie groups along the area axis
    (:func:`tie_groups`, the grouping :func:`rank_scores` uses), so a pair ties on an input
    exactly when its two scores share a rank. Pairs are evaluated one area at a time against
    the areas after it, so memory is ``O(A * N * K)`` for ``N`` samples (never ``A * A``).
    """
    v = np.asarray(v, dtype=float)
    w = np.asarray(w, dtype=float)
    n_a, n_k = v.shape[-2:]
    lead = v.shape[:-2]
    vf = v.reshape((-1, n_a, n_k))
    wf = np.broadcast_to(w, lead + (n_k,)).reshape((-1, n_k))
    n = vf.shape[0]
    # dense tie-group number of every area on every input, 1 = best; NaN where missing
    g = tie_groups(np.swapaxes(vf, 1, 2))                                # (N, K, A)
    present = ~np.isnan(g)
    gk = np.ascontiguousarray(np.where(present, g, 0).astype(np.int32).transpose(1, 2, 0))
    pk = np.ascontiguousarray(present.transpose(1, 2, 0))                 # (K, A, N)
    wk = np.ascontiguousarray(wf.T)                                       # (K, N)
    full = bool(present.all())
    thr = SCORE_ATOL * wf.sum(axis=-1)                                    # (N,)
    score = np.zeros((n_a, n))
    for a in range(n_a - 1):
        d = np.zeros((n_a - a - 1, n))
        tot = None if full else np.zeros_like(d)
        for k in range(n_k):
            # +1 where area a is in a better (smaller) group than area b on input k
            s = np.sign(gk[k, a + 1:] - gk[k, a]).astype(float)
            if not full:
                both = pk[k, a + 1:] & pk[k, a]
                s *= both
                tot += both * wk[k]
            s *= wk[k]
            d += s
        lim = thr if full else SCORE_ATOL * tot
        win = (d > lim).astype(float) - (d < -lim)                        # +1 = a beats b
        score[a] += win.sum(axis=0)
        score[a + 1:] -= win
    has = (np.where(present, wf[:, :, None], 0.0).sum(axis=1)) > 0        # (N, A)
    out = np.where(has, score.T, np.nan)
    return out.reshape(lead + (n_a,))


def aggregate_components(z: np.ndarray, w: np.ndarray, comp_index: np.ndarray,
                         n_components: int, method: str, power: float = DEFAULT_POWER
                         ) -> np.ndarray:
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
    method : {"arithmetic", "geometric", "harmonic", "generalised"}
        Same rules as :func:`weighted_arithmetic`, :func:`weighted_geometric` and
        :func:`weighted_power` (available-case renormalisation, the geometric, harmonic and
        generalised means on the floor-1 scale), computed as matrix products so that a batch of
        weight vectors costs one product per component.
    power : float
        ``p`` of the generalised mean (ignored by the other rules).

    Returns
    -------
    ndarray, shape (S, A, C)
    """
    z = np.asarray(z, dtype=float)
    w = np.atleast_2d(np.asarray(w, dtype=float))
    from .spec import COMPONENT_AGGREGATIONS
    if method not in COMPONENT_AGGREGATIONS:
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
            vals = np.where(mc, _power_values(np.where(mc, zc + shift, 1.0), method, power), 0.0)
        num = wc @ vals.T                                               # (S, A)
        # denominator: the component's full weight minus the weight of the area's gaps
        den = np.broadcast_to(wc.sum(axis=1)[:, None], num.shape)
        gaps = np.flatnonzero(~mc.all(axis=0))
        if gaps.size:
            den = den - wc[:, gaps] @ (~mc[:, gaps]).T.astype(float)
        ok = den > 0
        val = num / np.where(ok, den, 1.0)
        if method != "arithmetic":
            with np.errstate(divide="ignore", invalid="ignore"):
                val = _power_back(val, method, power) - shift
        out[:, c, :] = np.where(ok, val, np.nan)
    return out.transpose(0, 2, 1)


def aggregate_groups(v: np.ndarray, w: np.ndarray, group_index: np.ndarray, n_groups: int,
                     method: str, power: float = DEFAULT_POWER) -> np.ndarray:
    """Aggregate the inputs of each group separately (one level of a framework).

    Parameters
    ----------
    v : ndarray, shape (..., A, K)
        Scores of the children (``NaN`` = missing).
    w : ndarray, shape (..., K)
        Weights of the children (renormalised over each area's available children of a group).
    group_index : ndarray of int, shape (K,)
        Position of each child's parent in ``0 .. n_groups - 1``.
    method : {"arithmetic", "geometric", "harmonic", "generalised", "copeland"}
        Rule of :func:`aggregate`, applied within each group (the floor-1 shift of the geometric,
        harmonic and generalised means is taken per group block).
    power : float
        ``p`` of the generalised mean.

    Returns
    -------
    ndarray, shape (..., A, n_groups)
    """
    v = np.asarray(v, dtype=float)
    w = np.asarray(w, dtype=float)
    group_index = np.asarray(group_index)
    out = np.full(v.shape[:-1] + (n_groups,), np.nan)
    for g in range(n_groups):
        cols = np.flatnonzero(group_index == g)
        if cols.size:
            out[..., g] = aggregate(v[..., cols], w[..., cols], method, power)
    return out


def aggregate(v: np.ndarray, w: np.ndarray, method: str, power: float = DEFAULT_POWER
              ) -> np.ndarray:
    """Aggregate ``v`` (``(..., A, K)``) with weights ``w`` (``(..., K)``) by the named rule.

    ``power`` is ``p`` of the generalised mean (ignored by the other rules).

    Raises
    ------
    SpecError
        Unknown method; the message lists the valid choices.
    """
    if method == "arithmetic":
        return weighted_arithmetic(v, w)
    if method == "geometric":
        return weighted_geometric(v, w)
    if method == "harmonic":
        return weighted_harmonic(v, w)
    if method == "generalised":
        return weighted_power(v, w, power)
    if method == "copeland":
        return copeland(v, w)
    raise SpecError(f"unknown aggregation {method!r}; valid choices are: "
                    + ", ".join(COMPOSITE_AGGREGATIONS))


def sorted_runs(s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort each row of ``s`` (2-d, ``(rows, A)``) best first and mark where tie groups start.

    The grouping of :func:`rank_scores` (and so of every rank and Copeland contest): a new group
    starts at a sorted score whenever the gap to the previous sorted score exceeds the score
    tolerance of that pair (:func:`score_tolerance`); missing scores sort last, each in a group
    of its own.

    Returns
    -------
    order : ndarray of int, shape (rows, A)
        The sorting permutation (sorted position -> original column), best first.
    ok : ndarray of bool, shape (rows, A)
        Non-missing flags, at the original positions.
    new : ndarray of bool, shape (rows, A)
        True at a sorted position that starts a new tie group (always at position 0).
    """
    ok = ~np.isnan(s)
    any_nan = not ok.all()
    order = np.argsort(np.where(ok, -s, np.inf) if any_nan else -s, axis=-1)
    n_rows, n = s.shape
    # the sorted scores (a flat take: the same values as take_along_axis, faster)
    srt = np.take(s.reshape(-1), (order + (np.arange(n_rows) * n)[:, None]).reshape(-1))
    srt = srt.reshape(n_rows, n)
    new = np.ones((n_rows, n), dtype=bool)
    if n > 1:
        a, b = srt[:, :-1], srt[:, 1:]
        with np.errstate(invalid="ignore"):
            # the rule of compare_scores: a pair ties unless it differs beyond the tolerance
            # (score_tolerance computed in place: the same operations in the same order)
            mag = np.abs(srt)
            tol = np.maximum(mag[:, :-1], mag[:, 1:])
            tol *= SCORE_RTOL
            tol += SCORE_ATOL
            gap = np.subtract(a, b)
            np.abs(gap, out=gap)
            np.greater(gap, tol, out=new[:, 1:])
        if any_nan:
            new[:, 1:] |= np.isnan(b)                # a missing score never joins a group
    return order, ok, new


def _sorted_groups(s: np.ndarray, ties: str):
    """Sort each row of ``s`` (2-d) best first and group neighbours that tie (the rule of
    :func:`rank_scores`). Returns ``(order, ok, r)``: the sorting permutation, the non-missing
    flags (original positions) and the rank of each sorted position under ``ties``."""
    order, ok, new = sorted_runs(s)
    n = s.shape[1]
    if ties == "dense":
        return order, ok, np.cumsum(new, axis=-1, dtype=np.int32).astype(float)
    idx = np.arange(n, dtype=np.int32)
    if ties in ("min", "average"):
        start = np.maximum.accumulate(np.where(new, idx, np.int32(0)), axis=-1)
        if ties == "min":
            return order, ok, start + 1.0
    nxt = np.minimum.accumulate(np.where(new, idx, np.int32(n))[:, ::-1], axis=-1)[:, ::-1]
    end = np.empty_like(nxt)
    end[:, :-1] = nxt[:, 1:] - 1
    end[:, -1] = n - 1
    if ties == "max":
        return order, ok, end + 1.0
    return order, ok, (start + end) / 2.0 + 1.0


def tie_groups(scores: np.ndarray) -> np.ndarray:
    """Dense tie-group number along the last axis (1 = best group; ``NaN`` for missing).

    Same as ``rank_scores(scores, "dense")``: the groups every rank and Copeland contest use.
    """
    return rank_scores(scores, "dense")


def rank_scores(scores: np.ndarray, ties: str = "min") -> np.ndarray:
    """Ranks along the last axis, 1 = highest score; ``NaN`` scores get ``NaN`` ranks.

    Two scores that tie within the score tolerance (:func:`scores_tie`) are tied, so values that
    differ only by floating-point noise always share a rank. ``ties``: ``min`` (tied areas share
    the best of their ranks: 1, 2, 2, 4), ``max`` (1, 3, 3, 4), ``average`` (1, 2.5, 2.5, 4) or
    ``dense`` (1, 2, 2, 3). Returned as floats (``NaN`` for missing).

    Computed in ``O(A log A)`` per row: the scores are sorted best first and a new tie group
    starts at a sorted score whenever the gap to the previous sorted score exceeds the
    tolerance of that pair (``compare_scores(previous, this) != 0``). Groups are therefore
    contiguous runs of the sorted scores. This equals the pairwise definition (rank = 1 + the
    number of scores above beyond the tolerance, and so on) whenever near-ties are transitive,
    i.e. no chain ``a ~ b ~ c`` with ``a`` and ``c`` apart beyond the tolerance; in such a chain
    (scores spread over more than about 1e-9 relative within one run of near-ties, which
    floating-point noise never produces) the whole chain is one group, where the pairwise counts
    would not be consistent with any ordering.
    """
    if ties not in ("min", "max", "average", "dense"):
        from .spec import RANK_TIES
        raise SpecError(f"unknown rank tie rule {ties!r}; valid choices are: "
                        + ", ".join(RANK_TIES))
    s = np.asarray(scores, dtype=float)
    shape = s.shape
    if s.ndim == 0:
        s = s[None]
    s2 = s.reshape((-1, s.shape[-1]))
    if s2.shape[-1] == 0:
        return np.empty(shape)
    order, ok, r = _sorted_groups(s2, ties)
    out = np.empty(s2.shape)
    np.put_along_axis(out, order, r, axis=-1)
    if not ok.all():
        out[~ok] = np.nan
    return out.reshape(shape)


def _rank_scores_pairwise(scores: np.ndarray, ties: str = "min") -> np.ndarray:
    """Reference: the pairwise definition of :func:`rank_scores` (``O(A^2)`` memory per row).

    Kept for tests only; equal to :func:`rank_scores` whenever near-ties are transitive.
    """
    s = np.asarray(scores, dtype=float)
    ok = ~np.isnan(s)
    # cmp[..., i, j] = +1 when area j scores above area i (beyond the tolerance), 0 on a tie;
    # comparisons with NaN give 0 and are masked out below
    cmp = compare_scores(s[..., None, :], s[..., :, None])
    both = ok[..., :, None] & ok[..., None, :]
    above = (cmp > 0) & both
    greater = above.sum(axis=-1)
    if ties == "min":
        r = 1.0 + greater
    else:
        tied = (cmp == 0) & both                 # includes the area itself
        equal = tied.sum(axis=-1)
        if ties == "max":
            r = 0.0 + greater + equal
        elif ties == "average":
            r = greater + (equal + 1) / 2.0
        else:  # dense: distinct values strictly above = sum over them of 1 / their multiplicity
            inv = np.where(ok, 1.0 / np.maximum(equal, 1), 0.0)
            r = 1.0 + np.round((above * inv[..., None, :]).sum(axis=-1), 6)
    return np.where(ok, r, np.nan)
