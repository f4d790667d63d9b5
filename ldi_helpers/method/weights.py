"""Weighting (step 7): indicator weights within components, component weights in the composite.

All weights returned here are non-negative and sum to 1 within each component (indicator weights)
or over the components (component weights). The renormalisation rule is explicit: ``w / sum(w)``
over the group; a group whose weights sum to 0 is an error, never silently replaced.

PCA weights (OECD/JRC Handbook 2008, section 6.1): for each component, the first principal
component of the correlation matrix of its indicators, each indicator first multiplied by its
direction so that higher is better for all. **Sign convention**: the loading vector is oriented so
that its loadings sum to a positive number (if the sum is 0, the largest loading in absolute value
is made positive); a component score therefore rises with its indicators. Weights are the squared
loadings (they sum to 1, as the loading vector has unit length): an indicator that loads against
the others still gets a positive weight equal to its share of PC1, and the log reports negative
loadings. PCA uses the areas that have every indicator of the component (after imputation and
treatment); with fewer than 3 such areas, or a single indicator, the component keeps equal
weights and the log says so.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import SpecError


def renormalise(w: np.ndarray, groups: np.ndarray, what: str = "weights") -> np.ndarray:
    """Rescale ``w`` (``(..., K)``) to sum to 1 within each group (``groups`` of shape ``(K,)``).

    Raises
    ------
    SpecError
        A weight is negative or not finite, or a group's weights sum to 0.
    """
    w = np.asarray(w, dtype=float)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise SpecError(f"{what} must be finite and >= 0")
    groups = np.asarray(groups)
    labels, inverse = np.unique(groups, return_inverse=True)
    onehot = (inverse[:, None] == np.arange(labels.size)[None, :]).astype(float)
    tot = w @ onehot
    if np.any(tot <= 0):
        if labels.size == 1:  # one group (e.g. the components of the composite)
            raise SpecError(f"{what}: every weight is 0; give at least one a positive weight")
        g = labels[np.flatnonzero((tot <= 0).reshape(-1, labels.size).any(axis=0))[0]]
        g = g.item() if isinstance(g, np.generic) else g
        raise SpecError(f"{what}: every weight of group {str(g)!r} is 0; give at least one "
                        "input of each group a positive weight (or drop the group)")
    return w / tot[..., inverse]


def equal_weights(groups: Sequence) -> np.ndarray:
    """Equal weights within each group (1 / size of the group)."""
    groups = np.asarray(groups)
    return renormalise(np.ones(len(groups)), groups)


def custom_weights(ids: Sequence[str], groups: Sequence, given: Mapping[str, float],
                   what: str = "indicator_weights") -> np.ndarray:
    """User weights by id; ids not given weigh 1; renormalised within groups.

    Raises
    ------
    SpecError
        An id in ``given`` is not among ``ids`` (the message lists the valid ids).
    """
    ids = list(ids)
    unknown = [k for k in given if k not in ids]
    if unknown:
        raise SpecError(f"{what} names unknown or unselected id(s) {', '.join(unknown)}; valid "
                        f"ids are: {', '.join(ids)}")
    w = np.array([float(given.get(k, 1.0)) for k in ids])
    return renormalise(w, np.asarray(groups), what)


def pc1_loadings(x: np.ndarray) -> tuple[np.ndarray, float]:
    """First principal component of the correlation matrix of the columns of ``x``.

    Parameters
    ----------
    x : ndarray, shape (n, k)
        Complete cases only (no NaN), k >= 2, n >= 3, no constant column.

    Returns
    -------
    loadings : ndarray, shape (k,)
        Unit-length eigenvector, oriented by the sign convention (sum > 0).
    explained : float
        Share of total variance explained by PC1 (eigenvalue / k).
    """
    x = np.asarray(x, dtype=float)
    c = np.corrcoef(x, rowvar=False)
    vals, vecs = np.linalg.eigh(c)
    v = vecs[:, -1].copy()
    s = v.sum()
    if np.isclose(s, 0.0, atol=1e-12):
        s = v[np.argmax(np.abs(v))]
    if s < 0:
        v = -v
    return v, float(vals[-1] / x.shape[1])


def pca_weights(x: np.ndarray, direction: np.ndarray, groups: Sequence
                ) -> tuple[np.ndarray, list[str]]:
    """PCA weights per group (component), see the module docstring.

    Parameters
    ----------
    x : ndarray, shape (A, I)
        Treated values (``NaN`` = missing).
    direction : ndarray, shape (I,)
    groups : sequence, shape (I,)
        Component of each indicator.

    Returns
    -------
    weights : ndarray, shape (I,)
    notes : list of str
        Log lines (fallback to equal weights, negative loadings).
    """
    x = np.asarray(x, dtype=float) * np.asarray(direction, dtype=float)
    groups = np.asarray(groups)
    w = np.zeros(x.shape[1])
    notes = []
    for g in np.unique(groups):
        cols = np.flatnonzero(groups == g)
        block = x[:, cols]
        complete = block[~np.isnan(block).any(axis=1)]
        if cols.size < 2:
            w[cols] = 1.0
            continue
        if complete.shape[0] < 3 or np.any(np.ptp(complete, axis=0) == 0):
            w[cols] = 1.0 / cols.size
            notes.append(f"{g}: PCA not possible ({complete.shape[0]} complete areas or a "
                         "constant indicator); equal weights used")
            continue
        v, expl = pc1_loadings(complete)
        w[cols] = v ** 2
        neg = int((v < 0).sum())
        notes.append(f"{g}: PCA weights from PC1 ({expl:.0%} of variance)"
                     + (f"; {neg} indicator(s) load negatively" if neg else ""))
    return w, notes
