"""Normalisation (step 6 of the JRC/OECD method): indicators in different units onto one scale.

Every function works on an array ``x`` of shape ``(..., A, I)`` (areas x indicators, with any
leading sample axes) holding the treated raw values, ``NaN`` where an area has no value, and a
``direction`` vector of shape ``(I,)`` with ``+1`` (higher is better) or ``-1`` (lower is
better). After normalisation **higher is always better**. Statistics (min, max, mean, median)
are taken per indicator over the areas with a value.

Constant indicators (the same value in every area, or a single area) carry no information on
how areas differ. They are not dropped; they get the *neutral* score of the method (minmax 50,
zscore 0, rank 50, distance_to_median 100), so they move no area relative to another under the
arithmetic mean, and the build log records them. ``goalposts`` scores are fixed by the goalposts
and are computed as usual.

The same functions serve :func:`ldi_helpers.method.index.build_index` and the vectorised
:mod:`ldi_helpers.method.batch`, so both give the same numbers.
"""
from __future__ import annotations

import numpy as np

from ..errors import SpecError
from .spec import NORMALISATIONS

#: Neutral score of each method, given to a constant indicator.
NEUTRAL: dict[str, float] = {"minmax": 50.0, "zscore": 0.0, "rank": 50.0,
                             "distance_to_median": 100.0}


def _masked_stats(x: np.ndarray):
    mask = ~np.isnan(x)
    n = mask.sum(axis=-2)
    lo = np.where(mask, x, np.inf).min(axis=-2)
    hi = np.where(mask, x, -np.inf).max(axis=-2)
    return mask, n, lo, hi


def minmax(x: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Min-max to [0, 100]: the best area scores 100, the worst 0.

    ``100 * (x - min) / (max - min)`` (``100 * (max - x) / (max - min)`` when lower is better).
    Constant indicator: 50.
    """
    x = np.asarray(x, dtype=float)
    mask, n, lo, hi = _masked_stats(x)
    rng = hi - lo
    ok = (n > 0) & (rng > 0)
    safe = np.where(ok, rng, 1.0)
    up = 100.0 * (x - lo[..., None, :]) / safe[..., None, :]
    down = 100.0 * (hi[..., None, :] - x) / safe[..., None, :]
    z = np.where(np.asarray(direction) > 0, up, down)
    z = np.where(ok[..., None, :], z, NEUTRAL["minmax"])
    return np.where(mask, z, np.nan)


def zscore(x: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Standardise to mean 0 and standard deviation 1 (sample sd, ``ddof=1``), signed by direction.

    Constant indicator or fewer than two areas: 0.
    """
    x = np.asarray(x, dtype=float)
    mask = ~np.isnan(x)
    n = mask.sum(axis=-2)
    x0 = np.where(mask, x, 0.0)
    mean = x0.sum(axis=-2) / np.maximum(n, 1)
    dev = np.where(mask, x - mean[..., None, :], 0.0)
    var = (dev ** 2).sum(axis=-2) / np.maximum(n - 1, 1)
    sd = np.sqrt(var)
    ok = (n > 1) & (sd > 0)
    z = np.asarray(direction) * dev / np.where(ok, sd, 1.0)[..., None, :]
    z = np.where(ok[..., None, :], z, NEUTRAL["zscore"])
    return np.where(mask, z, np.nan)


def rank(x: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Rank scores on [0, 100]: ``100 * (r - 1) / (n - 1)``, r the ascending rank (ties averaged).

    The best area scores 100, the worst 0, whatever the distances between them. Constant indicator
    or a single area: 50. Invariant to any increasing transformation of the indicator.
    """
    x = np.asarray(x, dtype=float)
    mask = ~np.isnan(x)
    n = mask.sum(axis=-2)
    y = x * np.asarray(direction)
    # pairwise comparisons over areas: (..., A, A, I)
    a = y[..., :, None, :]
    b = y[..., None, :, :]
    both = mask[..., :, None, :] & mask[..., None, :, :]
    less = ((b < a) & both).sum(axis=-2)
    equal = ((b == a) & both).sum(axis=-2)  # includes the area itself
    r = less + (equal + 1) / 2.0
    ok = n > 1
    z = 100.0 * (r - 1.0) / np.where(ok, n - 1, 1)[..., None, :]
    z = np.where(ok[..., None, :], z, NEUTRAL["rank"])
    return np.where(mask, z, np.nan)


def _masked_median(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    # sort with NaN last, then pick the middle of the available values per column
    s = np.sort(np.where(mask, x, np.inf), axis=-2)
    n = mask.sum(axis=-2)
    lo_i = np.maximum((n - 1) // 2, 0)
    hi_i = np.maximum(n // 2, 0)
    lo_v = np.take_along_axis(s, lo_i[..., None, :], axis=-2)[..., 0, :]
    hi_v = np.take_along_axis(s, hi_i[..., None, :], axis=-2)[..., 0, :]
    med = np.where(n > 0, (np.where(n > 0, lo_v, 0.0) + np.where(n > 0, hi_v, 0.0)) / 2.0, np.nan)
    return med


def distance_to_median(x: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Distance to the median area, as an index with the median area = 100.

    ``100 * (1 + direction * (x - median) / |median|)``: for a higher-is-better indicator with a
    positive median this is ``100 * x / median`` (an area at twice the median scores 200); for a
    lower-is-better one it is the mirror image around 100. When the median is 0 the indicator's
    range (max - min) is the denominator instead. Constant indicator: 100.
    """
    x = np.asarray(x, dtype=float)
    mask, n, lo, hi = _masked_stats(x)
    med = _masked_median(x, mask)
    rng = np.where(n > 0, hi - lo, 0.0)
    med0 = np.where(n > 0, med, 0.0)
    denom = np.where(med0 != 0, np.abs(med0), rng)
    ok = (n > 0) & (rng > 0)
    z = 100.0 * (1.0 + np.asarray(direction) * (x - med0[..., None, :])
                 / np.where(ok, denom, 1.0)[..., None, :])
    z = np.where(ok[..., None, :], z, NEUTRAL["distance_to_median"])
    return np.where(mask, z, np.nan)


def goalposts(x: np.ndarray, direction: np.ndarray, posts: np.ndarray) -> np.ndarray:
    """Fixed goalposts to [0, 100]: ``100 * (x - low) / (high - low)``, clipped to [0, 100].

    Parameters
    ----------
    posts : array of shape (I, 2)
        ``low, high`` per indicator in the indicator's unit (high > low). Mirrored when lower is
        better. Values beyond a goalpost score 0 or 100, so goalposts also cap outliers.
        Degenerate goalposts (high == low, an indicator constant over all periods) score 50.
    """
    x = np.asarray(x, dtype=float)
    posts = np.asarray(posts, dtype=float)
    lo, hi = posts[:, 0], posts[:, 1]
    ok = hi > lo
    up = 100.0 * (x - lo) / np.where(ok, hi - lo, 1.0)
    z = np.where(np.asarray(direction) > 0, up, 100.0 - up)
    z = np.where(ok, np.clip(z, 0.0, 100.0), NEUTRAL["minmax"])
    return np.where(np.isnan(x), np.nan, z)


def normalise(x: np.ndarray, method: str, direction: np.ndarray,
              posts: np.ndarray | None = None) -> np.ndarray:
    """Normalise ``x`` (shape ``(..., A, I)``) with the method named in the spec.

    Raises
    ------
    SpecError
        Unknown method (the message lists :data:`~ldi_helpers.method.spec.NORMALISATIONS`), or
        ``goalposts`` without goalposts.
    """
    if method == "minmax":
        return minmax(x, direction)
    if method == "zscore":
        return zscore(x, direction)
    if method == "rank":
        return rank(x, direction)
    if method == "distance_to_median":
        return distance_to_median(x, direction)
    if method == "goalposts":
        if posts is None:
            raise SpecError("normalisation 'goalposts' needs goalposts (low, high) per indicator")
        return goalposts(x, direction, posts)
    raise SpecError(f"unknown normalisation {method!r}; valid choices are: "
                    + ", ".join(NORMALISATIONS))


def constant_indicators(x: np.ndarray) -> np.ndarray:
    """Boolean ``(..., I)``: indicators with fewer than two distinct values among the areas."""
    mask, n, lo, hi = _masked_stats(np.asarray(x, dtype=float))
    return (n < 2) | ~(hi > lo)


#: Plain-English unit of the scores each normalisation produces (for chart axes).
SCORE_UNITS: dict[str, str] = {
    "minmax": "score, 0 (lowest region) to 100 (highest)",
    "zscore": "z-score (standard deviations from the mean region)",
    "rank": "rank score, 0 (last) to 100 (first)",
    "distance_to_median": "index, median region = 100",
    "goalposts": "score against fixed goalposts, 0 to 100",
}
