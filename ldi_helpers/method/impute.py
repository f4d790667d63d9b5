"""Imputation of missing values (step 3 of the JRC/OECD method).

Imputed cells are always flagged (a boolean matrix returned beside the values and carried into the
outputs of :func:`ldi_helpers.method.index.build_index`). Methods, chosen by name in the spec:

- ``none`` (default): nothing is imputed; aggregation leaves the cell out and renormalises the
  area's remaining weights (see :mod:`ldi_helpers.method.aggregate`).
- ``indicator_mean`` / ``indicator_median``: the mean / median of the indicator over the areas
  that have it (raw units, before outlier treatment).
- ``group_mean``: the mean of the indicator over the areas of the same group that have it (raw
  units). Groups come from the edition's areas table (``group`` column); the LDI ITL1 edition
  uses :data:`REGION_GROUPS`. A cell whose group has no value stays missing.
- ``component_mean`` / ``component_median``: applied *after* normalisation: the mean / median of
  the area's own normalised scores on the other indicators of the same component (unweighted).
  A cell stays missing if the area has no other indicator of that component.

Raw-unit methods run before outlier treatment (the JRC order: impute, treat, normalise).
"""
from __future__ import annotations

import numpy as np

from ..errors import SpecError
from .spec import IMPUTATIONS

#: Groups of ITL1 areas for ``group_mean`` imputation: the nine English regions, and the three
#: devolved nations (Wales, Scotland, Northern Ireland), whose statistics are often produced by
#: different bodies and whose gaps (usually Northern Ireland) are best filled from the other
#: nations rather than from England.
REGION_GROUPS: dict[str, tuple[str, ...]] = {
    "english_regions": ("TLC", "TLD", "TLE", "TLF", "TLG", "TLH", "TLI", "TLJ", "TLK"),
    "devolved_nations": ("TLL", "TLM", "TLN"),
}

#: Methods applied to raw values before treatment, and after normalisation.
RAW_METHODS = ("indicator_mean", "indicator_median", "group_mean")
SCORE_METHODS = ("component_mean", "component_median")


def _check(method: str) -> None:
    if method not in IMPUTATIONS:
        raise SpecError(f"unknown imputation {method!r}; valid choices are: "
                        + ", ".join(IMPUTATIONS))


def area_groups(areas) -> np.ndarray:
    """Group index per ITL1 area code (position in :data:`REGION_GROUPS`; -1 if in no group)."""
    lookup = {a: g for g, (_, members) in enumerate(REGION_GROUPS.items()) for a in members}
    return np.array([lookup.get(a, -1) for a in areas], dtype=int)


def group_index(labels) -> np.ndarray:
    """Group index per area from group labels (the areas table's ``group`` column); an empty
    label means no group (-1)."""
    labels = ["" if v is None else str(v) for v in labels]
    pos = {g: k for k, g in enumerate(dict.fromkeys(v for v in labels if v))}
    return np.array([pos.get(v, -1) for v in labels], dtype=int)


def impute_raw(x: np.ndarray, method: str, areas=None, groups=None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Impute raw values (areas x indicators) by a raw-unit method.

    Parameters
    ----------
    x : ndarray, shape (A, I)
        Raw values, ``NaN`` = missing. Not modified.
    method : str
        Any of :data:`~ldi_helpers.method.spec.IMPUTATIONS`; methods that are not raw-unit methods
        return ``x`` unchanged.
    areas : sequence of str, optional
        ITL1 area codes, grouped by :data:`REGION_GROUPS` for ``group_mean``.
    groups : sequence of str, optional
        Group label of each area (the edition's areas table); takes precedence over ``areas``.

    Returns
    -------
    values : ndarray, shape (A, I)
    imputed : ndarray of bool, shape (A, I)
        True where a value was filled.
    """
    _check(method)
    x = np.asarray(x, dtype=float)
    out = x.copy()
    miss = np.isnan(x)
    if method not in RAW_METHODS or not miss.any():
        return out, np.zeros_like(miss)
    for j in range(x.shape[1]):
        col = x[:, j]
        have = ~np.isnan(col)
        if not have.any() or have.all():
            continue
        if method == "indicator_mean":
            out[~have, j] = col[have].mean()
        elif method == "indicator_median":
            out[~have, j] = np.median(col[have])
        else:
            if groups is None and areas is None:
                raise SpecError("group_mean imputation needs the areas' groups")
            gi = group_index(groups) if groups is not None else area_groups(areas)
            for i in np.flatnonzero(~have):
                same = have & (gi == gi[i]) & (gi[i] >= 0)
                if same.any():
                    out[i, j] = col[same].mean()
    return out, miss & ~np.isnan(out)


def impute_scores(z: np.ndarray, method: str, component_index: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Impute normalised scores from the area's other indicators in the same component.

    Parameters
    ----------
    z : ndarray, shape (..., A, I)
        Normalised scores, ``NaN`` = missing. Not modified.
    method : str
        ``component_mean`` or ``component_median``; any other method returns ``z`` unchanged.
    component_index : ndarray of int, shape (I,)
        Component of each indicator.

    Returns
    -------
    scores, imputed : ndarray, ndarray of bool
    """
    _check(method)
    z = np.asarray(z, dtype=float)
    out = z.copy()
    miss = np.isnan(z)
    if method not in SCORE_METHODS or not miss.any():
        return out, np.zeros_like(miss)
    component_index = np.asarray(component_index)
    for c in np.unique(component_index):
        cols = np.flatnonzero(component_index == c)
        block = z[..., cols]
        have = ~np.isnan(block)
        n = have.sum(axis=-1)
        if method == "component_mean":
            fill = np.where(have, block, 0.0).sum(axis=-1) / np.maximum(n, 1)
        else:
            from .normalise import _masked_median
            # median over the last axis: move it to the "areas" position expected by the helper
            fill = _masked_median(block[..., :, None], have[..., :, None])[..., 0]
            fill = np.where(n > 0, fill, 0.0)
        fill = np.where(n > 0, fill, np.nan)
        out[..., cols] = np.where(have, block, fill[..., None])
    return out, miss & ~np.isnan(out)
