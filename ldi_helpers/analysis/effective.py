"""Effective weights: are the nominal weights what actually drives the index?

The JRC's audit of a composite indicator compares each indicator's *nominal* weight (what the
framework and the spec say) with its *realised importance* in the index (Paruolo, Saisana and
Saltelli 2013, "Ratings and rankings: voodoo or science?", JRSS A 176(3)). Correlated
indicators, different spreads of the normalised scores and non-linear aggregation can make an
indicator matter much more or much less than its weight says; the check makes that visible.

- **Nominal weight in the index**: the product of the normalised weights along the indicator's
  path to the root: its weight within its component (``result.indicator_weights``) x the
  component's weight within its parent (``result.component_weights``) x the framework weight of
  every aggregate above within its own parent, renormalised over the siblings that have data
  (the same renormalisation the aggregation uses). Over all indicators these sum to 1.
- **Realised importance**: the squared Pearson correlation between the indicator's normalised
  score and the index score across the areas (areas where either is missing are left out of that
  indicator's correlation), rescaled so the realised importances of all indicators sum to 1.
  ``R^2`` is the first-order (linear) sensitivity measure of Paruolo et al.; with few areas it is
  a rough estimate. An indicator whose scores do not vary (or cannot be correlated) gets 0.
- **Ratio**: realised importance / nominal weight; 1 = the indicator counts as much as its
  weight says, above 1 more, below 1 less.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..method.weights import renormalise


def nominal_weights(result) -> pd.Series:
    """Each indicator's nominal overall weight in the index (sums to 1 over the indicators).

    Parameters
    ----------
    result : IndexResult
        A built index (:func:`ldi_helpers.method.index.build_index`).

    Returns
    -------
    Series
        Index ``indicator_id``: indicator weight x component weight x the framework weights of
        the aggregates above (each normalised within its parent, over the aggregates with data).
    """
    comps = list(result.component_weights.index)
    comp_total = result.component_weights.astype(float).copy()
    fw = result.framework
    if fw is not None:
        below = tuple(comps)
        factor = pd.Series(1.0, index=comps)
        # the first upper level's weights are the component weights already; climb the rest
        for k, lvl in enumerate(fw.upper_levels(tuple(comps))):
            if k == 0:
                owner = dict(zip(comps, (lvl.ids[i] for i in lvl.child_index)))
                below = lvl.ids
                continue
            w = renormalise(np.asarray(lvl.child_weights, dtype=float),
                            np.asarray(lvl.child_index), "framework weights")
            wmap = dict(zip(below, w))
            parent = dict(zip(below, (lvl.ids[i] for i in lvl.child_index)))
            for c in comps:
                factor[c] *= wmap[owner[c]]
                owner[c] = parent[owner[c]]
            below = lvl.ids
        comp_total = comp_total * factor
    comp_of = result.meta["component"]
    w = result.indicator_weights.astype(float)
    out = pd.Series([w[i] * comp_total[comp_of[i]] for i in w.index], index=w.index,
                    name="nominal_weight")
    out.index.name = "indicator_id"
    return out


def effective_weights(result) -> pd.DataFrame:
    """Nominal weight, realised importance and their ratio for every indicator of a build.

    Parameters
    ----------
    result : IndexResult

    Returns
    -------
    DataFrame
        One row per indicator (index ``indicator_id``), columns ``name``, ``component``,
        ``nominal_weight`` (share of the index, sums to 1), ``r_squared`` (squared Pearson
        correlation of the indicator's normalised score with the index across areas, unitless),
        ``realised_importance`` (``r_squared`` rescaled to sum to 1) and ``ratio``
        (``realised_importance / nominal_weight``; ``NaN`` where the nominal weight is 0).
        See the module docstring for the method and its assumptions.
    """
    nominal = nominal_weights(result)
    index = result.composite.astype(float)
    r2 = {}
    for i in nominal.index:
        z = result.indicator_scores[i].astype(float)
        ok = z.notna() & index.notna()
        a, b = z[ok].to_numpy(), index[ok].to_numpy()
        if len(a) < 3 or not np.ptp(a) > 0 or not np.ptp(b) > 0:
            r2[i] = 0.0
            continue
        da, db = a - a.mean(), b - b.mean()
        r = (da @ db) / np.sqrt((da @ da) * (db @ db))
        r2[i] = float(r * r)
    r2 = pd.Series(r2, name="r_squared")
    total = r2.sum()
    realised = r2 / total if total > 0 else r2 * np.nan
    out = pd.DataFrame({
        "name": [str(result.meta.at[i, "name"]) if "name" in result.meta.columns else i
                 for i in nominal.index],
        "component": [str(result.meta.at[i, "component"]) for i in nominal.index],
        "nominal_weight": nominal,
        "r_squared": r2,
        "realised_importance": realised,
    }, index=nominal.index)
    out["ratio"] = out["realised_importance"] / out["nominal_weight"].where(
        out["nominal_weight"] > 0)
    return out


__all__ = ["effective_weights", "nominal_weights"]
