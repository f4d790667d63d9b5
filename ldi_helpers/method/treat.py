"""Outlier treatment (step 4 of the JRC/OECD method), COINr's rule.

An indicator is *flagged* when its sample skewness ``G1`` satisfies ``|G1| > skew_threshold``
(default 2) **and** its sample excess kurtosis ``G2`` exceeds ``kurtosis_threshold`` (default 3.5).
Both are the adjusted (bias-corrected) sample statistics (Excel's SKEW and KURT, R e1071 type 2),
computed over the areas with a value; they need at least 4 values, so an indicator with fewer
is never flagged, nor is a constant one.

Treatments (chosen by name in the spec):

- ``none``: values are used as they are.
- ``winsorise``: while the indicator is flagged, the most extreme value on the side of the skew
  (the maximum if ``G1 > 0``, the minimum if ``G1 < 0``) is set to the next value inward. Tied
  extreme values move together. At most ``max_winsorised`` *distinct* points are changed per
  indicator (a point moved again with the next one counts once, as in COINr's ``winmax``: on
  ``1..30, 70, 75`` with at most 2 points, 75 and then both 70s go to 30); if the indicator is still flagged after that, it is left winsorised
  and the log says it is still skewed (nothing else is done silently).
- ``log``: a flagged indicator is log-transformed (COINr's "log_CT"):
  ``ln(x - min + 0.01 * (max - min))`` if ``G1 > 0``, mirrored
  ``-ln(max - x + 0.01 * (max - min))`` if ``G1 < 0``. Both preserve the order of the areas.
- ``boxcox``: a flagged indicator is Box-Cox transformed (:func:`boxcox_transform`):
  ``((y/g)^lambda - 1) / lambda`` (``ln(y/g)`` for ``lambda = 0``), ``g`` the geometric mean of
  ``y`` (the scale-free form, which cannot overflow), of ``y = x`` when every value is
  positive, else of ``y = x - min + 1`` (so the smallest value becomes 1), with ``lambda``
  estimated by maximum likelihood (:func:`scipy.stats.boxcox`) over the areas with a value. The
  transform is strictly increasing for every ``lambda``, so the order of the areas is kept; the
  result is in transformed units (normalisation puts it on the common scale). Unlike ``log`` it
  is not mirrored for negative skew: the estimated ``lambda`` (above 1 for a left skew) does that.

Direction does not matter here: treatment changes the shape of the distribution, normalisation
applies the direction.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..errors import SpecError
from .spec import TREATMENTS


def skew_kurtosis(x: np.ndarray) -> tuple[float, float]:
    """Adjusted sample skewness ``G1`` and excess kurtosis ``G2`` of the non-missing values.

    Returns ``(nan, nan)`` for fewer than 4 values or a constant indicator.
    """
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 4 or not np.ptp(v) > 0:
        return float("nan"), float("nan")
    d = v - v.mean()
    # standardise before taking powers: the moments of z cannot overflow, whatever the unit
    # (values of 1e80 after a transform would overflow d ** 4); same g1, g2 in exact arithmetic
    scale = np.abs(d).max()
    z = d / scale
    z2 = z * z
    m2 = z2.sum() / n
    if not m2 > 0:
        return float("nan"), float("nan")
    g1 = (z2 @ z / n) / m2 ** 1.5
    g2 = (z2 @ z2 / n) / m2 ** 2 - 3.0
    big_g1 = g1 * np.sqrt(n * (n - 1)) / (n - 2)
    big_g2 = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6)
    return float(big_g1), float(big_g2)


def is_flagged(x: np.ndarray, skew_threshold: float = 2.0, kurtosis_threshold: float = 3.5
               ) -> bool:
    """True when ``|G1| > skew_threshold`` and ``G2 > kurtosis_threshold``."""
    g1, g2 = skew_kurtosis(x)
    return bool(abs(g1) > skew_threshold and g2 > kurtosis_threshold)


@dataclass(frozen=True)
class TreatmentRecord:
    """What treatment did to one indicator.

    Attributes
    ----------
    flagged : bool
        Flagged before treatment.
    action : str
        ``none``, ``winsorised``, ``log``, ``boxcox`` or ``not_flagged``.
    points : tuple of int
        Row positions of the values changed by winsorisation.
    still_flagged : bool
        Still flagged after treatment.
    skew_before, kurtosis_before, skew_after, kurtosis_after : float
    boxcox_lambda : float
        The Box-Cox ``lambda`` (``action == "boxcox"``), else ``NaN``.
    boxcox_shift : float
        What was added to the values before the Box-Cox transform (``1 - min`` when the minimum
        was 0 or below, else 0), in the indicator's unit.
    """

    flagged: bool
    action: str
    points: tuple[int, ...]
    still_flagged: bool
    skew_before: float
    kurtosis_before: float
    skew_after: float
    kurtosis_after: float
    boxcox_lambda: float = float("nan")
    boxcox_shift: float = 0.0


def winsorise(x: np.ndarray, skew_threshold: float = 2.0, kurtosis_threshold: float = 3.5,
              max_points: int = 2) -> tuple[np.ndarray, tuple[int, ...]]:
    """Winsorise one indicator column as described in the module docstring.

    Returns
    -------
    values : ndarray
        A new array (the input is not changed).
    points : tuple of int
        Positions of the changed values.
    """
    v = np.asarray(x, dtype=float).copy()
    changed: set[int] = set()
    while is_flagged(v, skew_threshold, kurtosis_threshold):
        g1, _ = skew_kurtosis(v)
        ok = ~np.isnan(v)
        vals = v[ok]
        ext = vals.max() if g1 > 0 else vals.min()
        at = {int(i) for i in np.flatnonzero(ok & (v == ext))}
        inner = vals[vals != ext]
        # a point moved twice (first to the next value, then on with it) counts once
        if inner.size == 0 or len(changed | at) > max_points:
            break
        v[sorted(at)] = inner.max() if g1 > 0 else inner.min()
        changed |= at
    return v, tuple(sorted(changed))


def log_transform(x: np.ndarray, skew: float) -> np.ndarray:
    """COINr's log_CT transform of one column (order-preserving; see module docstring)."""
    v = np.asarray(x, dtype=float)
    ok = ~np.isnan(v)
    lo, hi = v[ok].min(), v[ok].max()
    c = 0.01 * (hi - lo)
    out = np.full_like(v, np.nan)
    if skew > 0:
        out[ok] = np.log(v[ok] - lo + c)
    else:
        out[ok] = -np.log(hi - v[ok] + c)
    return out


def boxcox_transform(x: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Box-Cox transform of one column (see module docstring); ``NaN`` stays ``NaN``.

    Parameters
    ----------
    x : ndarray, shape (A,)
        Values in the indicator's unit; at least two distinct non-missing values.

    Returns
    -------
    values : ndarray, shape (A,)
        ``((y/g)^lambda - 1) / lambda`` (``ln(y/g)`` when ``lambda == 0``), ``y = x + shift``,
        ``g`` the geometric mean of ``y``.
    lmbda : float
        Maximum-likelihood ``lambda`` (:func:`scipy.stats.boxcox`).
    shift : float
        ``1 - min(x)`` if ``min(x) <= 0`` (so ``y >= 1``), else 0.
    """
    from scipy import stats

    v = np.asarray(x, dtype=float)
    ok = ~np.isnan(v)
    lo = v[ok].min()
    shift = float(1.0 - lo) if lo <= 0 else 0.0
    y = v[ok] - lo + 1.0 if lo <= 0 else v[ok]          # the smallest value becomes exactly 1
    # the maximum-likelihood lambda does not depend on the scale of y, so the transform is taken
    # of y divided by its geometric mean (values around 1): (y/g)^lambda cannot overflow where
    # y^lambda would (large values, large lambda). The result is an increasing affine function of
    # (y^lambda - 1) / lambda, so every normalisation but goalposts gives the same scores.
    g = float(np.exp(np.log(y).mean()))
    yg = y / g
    lmbda = _boxcox_lambda(np.ascontiguousarray(yg, dtype=float).tobytes())
    out = np.full_like(v, np.nan)
    with np.errstate(over="raise"):
        out[ok] = stats.boxcox(yg, lmbda=lmbda)
    return out, lmbda, shift


@functools.lru_cache(maxsize=8192)
def _boxcox_lambda(y_bytes: bytes) -> float:
    """Maximum-likelihood Box-Cox ``lambda`` of the positive values packed in ``y_bytes``.

    :func:`scipy.stats.boxcox` estimates it with a numerical optimiser (about 15 ms a call);
    the batch engine and the uncertainty analysis transform the same columns many times (every
    imputation option of a complete column, every sample's stage), so the estimate is cached by
    the exact values (a pure function of them).
    """
    from scipy import stats

    return float(stats.boxcox(np.frombuffer(y_bytes, dtype=float))[1])


def treat(x: np.ndarray, method: str, skew_threshold: float = 2.0,
          kurtosis_threshold: float = 3.5, max_points: int = 2
          ) -> tuple[np.ndarray, list[TreatmentRecord]]:
    """Treat every column of an areas x indicators array.

    Parameters
    ----------
    x : ndarray, shape (A, I)
        Raw (possibly imputed) values, ``NaN`` = missing. Not modified.
    method : str
        One of :data:`~ldi_helpers.method.spec.TREATMENTS`.

    Returns
    -------
    treated : ndarray, shape (A, I)
    records : list of TreatmentRecord, one per column

    Raises
    ------
    SpecError
        Unknown method (the valid choices are listed).
    """
    if method not in TREATMENTS:
        raise SpecError(f"unknown treatment {method!r}; valid choices are: "
                        + ", ".join(TREATMENTS))
    x = np.asarray(x, dtype=float)
    out = x.copy()
    records = []
    for j in range(x.shape[1]):
        col = x[:, j]
        g1, g2 = skew_kurtosis(col)
        flagged = is_flagged(col, skew_threshold, kurtosis_threshold)
        points: tuple[int, ...] = ()
        lmbda, shift = float("nan"), 0.0
        if method == "none":
            action, new = "none", col
        elif not flagged:
            action, new = "not_flagged", col
        elif method == "winsorise":
            new, points = winsorise(col, skew_threshold, kurtosis_threshold, max_points)
            action = "winsorised" if points else "none"
        elif method == "boxcox":
            (new, lmbda, shift), action = boxcox_transform(col), "boxcox"
        else:
            new, action = log_transform(col, g1), "log"
        out[:, j] = new
        a1, a2 = skew_kurtosis(new)
        records.append(TreatmentRecord(
            flagged, action, points, is_flagged(new, skew_threshold, kurtosis_threshold),
            g1, g2, a1, a2, lmbda, shift))
    return out, records
