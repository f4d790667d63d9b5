"""Multivariate coherence (step 5 of the JRC/OECD method): does the framework hang together?

All functions read an :class:`~ldi_helpers.method.index.IndexResult` and return tidy frames.

- :func:`get_corr` - Pearson correlations between indicator scores (direction applied, so a
  positive correlation means the two agree on which areas do well), or between component scores
  and the index. Pairs with ``r > 0.9`` are flagged as possible **double counting** (the JRC rule
  of thumb); with 12 areas a correlation is uncertain, so treat flags as prompts to look, not
  verdicts.
- :func:`get_cronbach` - Cronbach's alpha per component on the indicator scores of the areas that
  have every indicator of the component; alpha >= 0.7 is the usual "consistent" benchmark.
- :func:`get_pca` - first principal component per component: loadings (sign convention of
  :mod:`ldi_helpers.method.weights`: loadings sum to a positive number), the implied weights (squared
  loadings) and the share of variance explained.
- :func:`near_duplicate_pairs` - pairs of indicators of the same component that rank the areas
  (almost) identically (|Spearman| >= 0.95 on the raw values), with the rule that says which one
  to keep; :data:`DEFAULT_ALTERNATIVES` names the pairs found in the curated data.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.near_duplicates import (  # noqa: F401 - re-exported
    DEFAULT_ALTERNATIVES, NEAR_DUPLICATE_RHO, NEAR_DUPLICATE_RULE, NEAR_DUPLICATE_TOL,
    near_duplicates_in, spearman_pairs)
from ..errors import LDIError
from ..method.weights import pc1_loadings

#: Correlation above which two inputs are flagged as possible double counting.
DOUBLE_COUNTING_R = 0.9

def near_duplicate_pairs(data, spec=None, threshold: float = NEAR_DUPLICATE_RHO) -> pd.DataFrame:
    """Pairs of indicators in one component that rank the areas almost identically.

    For every pair of selected indicators of the same component, Spearman's rank correlation of
    their raw values across areas (each indicator at the period the spec selects, areas with both
    values). A pair is a near-duplicate when ``|rho| >= threshold`` (less a floating-point slack
    of :data:`NEAR_DUPLICATE_TOL`); the sign is ignored, so an indicator and its "lower is
    better" mirror (internet never used vs used in the last 3 months) count.

    Which indicator to keep (the rule, also in the data log, :data:`NEAR_DUPLICATE_RULE`):

    1. **denominator** - keep the share or rate whose numerator and denominator come from the
       same source and population (unit ``"% of ..."``) over an amount per resident: workplace
       GVA divided by residents is inflated by in-commuting (London) and moves with the
       population estimate; a share of regional GVA is free of both.
    2. **breadth** - between two percentages of the same population (same unit), keep the one
       describing the larger group (higher mean across areas): the broader population rather
       than a small tail whose regional differences rest on few survey respondents.
    3. **order** - otherwise keep the first by id; the pair is flagged ``rule == "order"`` so a
       person decides.

    Parameters
    ----------
    data : LDIData or any object with ``values`` and ``indicators`` frames
    spec : MethodSpec, mapping or None
        Selects the indicators and periods (default: :func:`ldi_helpers.method.spec.default_spec`).
    threshold : float
        Minimum |Spearman| (default :data:`NEAR_DUPLICATE_RHO`, 0.95).

    Returns
    -------
    DataFrame
        One row per near-duplicate pair, strongest first: ``component, kept, alternative, rho``
        (signed Spearman), ``abs_rho``, ``n`` (areas with both values), ``rule``.
    """
    matrix, meta, _ = _same_component_pairs(data, spec)
    return near_duplicates_in(matrix, meta, threshold)


def same_component_spearman(data, spec=None) -> pd.DataFrame:
    """|Spearman| of every pair of selected indicators within one component (for checks).

    Returns
    -------
    DataFrame
        ``component, a, b, rho, abs_rho, n`` for every same-component pair with at least 3 areas
        holding both values and some variation in each.
    """
    return _same_component_pairs(data, spec)[2]


def _same_component_pairs(data, spec) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(matrix, meta, pairs) for the indicators a spec selects with both measures of every
    near-duplicate pair kept; see same_component_spearman."""
    from ..method.select import select_indicators
    from ..method.spec import coerce_spec

    # every measure of each concept: the spec's near-duplicate rule must not hide the pairs
    sel = select_indicators(data, coerce_spec(spec).replace(near_duplicates="keep_both"))
    matrix, meta = sel.matrix, sel.meta
    return matrix, meta, spearman_pairs(matrix, meta)


def _pairs(frame: pd.DataFrame, group: dict[str, str] | None) -> pd.DataFrame:
    cols = list(frame.columns)
    rows = []
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            both = frame[[a, b]].dropna()
            n = len(both)
            if n >= 3 and both[a].std() > 0 and both[b].std() > 0:
                r = float(np.corrcoef(both[a], both[b])[0, 1])
            else:
                r = float("nan")
            row = {"a": a, "b": b, "r": r, "n": n}
            if group is not None:
                row.update(component_a=group[a], component_b=group[b],
                           same_component=group[a] == group[b])
            row["double_counting"] = bool(r > DOUBLE_COUNTING_R)
            rows.append(row)
    return pd.DataFrame(rows)


def get_corr(result, level: str = "indicator", component: str | None = None) -> pd.DataFrame:
    """Pairwise correlations, one row per pair.

    Parameters
    ----------
    result : IndexResult
    level : {"indicator", "component"}
        ``indicator``: indicator scores (columns ``a, b, r, n, component_a, component_b,
        same_component, double_counting``). ``component``: component scores and the index.
    component : str, optional
        Only indicators of this component (indicator level).
    """
    if level == "indicator":
        frame = result.indicator_scores
        group = result.meta["component"].to_dict()
        if component is not None:
            frame = frame[[c for c in frame.columns if group[c] == component]]
        return _pairs(frame, group)
    if level == "component":
        frame = result.component_scores.copy()
        frame["index"] = result.composite
        return _pairs(frame, None)
    raise LDIError(f"unknown level {level!r}; valid levels are: indicator, component")


def cronbach_alpha(x: np.ndarray) -> float:
    """Cronbach's alpha of the columns of ``x`` (complete rows, >= 2 columns, >= 2 rows).

    ``alpha = k / (k - 1) * (1 - sum(var_i) / var(sum_i))`` with sample variances (``ddof=1``).
    NaN when it is undefined (fewer than 2 items or rows, or a constant total).
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    if k < 2 or n < 2:
        return float("nan")
    total = x.sum(axis=1).var(ddof=1)
    if not total > 0:
        return float("nan")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total))


def get_cronbach(result) -> pd.DataFrame:
    """Cronbach's alpha per component: columns ``component, n_indicators, n_areas, alpha``."""
    group = result.meta["component"]
    rows = []
    for comp in result.component_scores.columns:
        cols = list(group.index[group == comp])
        block = result.indicator_scores[cols].dropna()
        rows.append({"component": comp, "n_indicators": len(cols), "n_areas": len(block),
                     "alpha": cronbach_alpha(block.to_numpy())})
    return pd.DataFrame(rows)


def get_pca(result) -> pd.DataFrame:
    """PC1 per component: ``component, indicator, loading, weight, explained, n_areas``.

    Computed on the treated values multiplied by each indicator's direction (correlation
    matrix, so units do not matter), over the areas with every indicator of the component.
    Components with one indicator, or fewer than 3 complete areas, get NaN loadings.
    """
    group = result.meta["component"]
    direction = result.meta["direction"].astype(float)
    rows = []
    for comp in result.component_scores.columns:
        cols = list(group.index[group == comp])
        block = (result.treated[cols] * direction[cols]).dropna()
        ok = len(cols) >= 2 and len(block) >= 3 and bool((block.std() > 0).all())
        if ok:
            load, expl = pc1_loadings(block.to_numpy())
        else:
            load, expl = np.full(len(cols), np.nan), float("nan")
        for ind, v in zip(cols, load):
            rows.append({"component": comp, "indicator": ind, "loading": float(v),
                         "weight": float(v * v), "explained": expl, "n_areas": len(block)})
    return pd.DataFrame(rows)


def get_rank_comparison(result, data) -> tuple[pd.DataFrame, float, float]:
    """Our ranks beside techUK's published 2023 ranks, with Spearman's rank correlation.

    Parameters
    ----------
    result : IndexResult
    data : LDIData
        Reads ``published`` (``ldi_2023_index_rank``).

    Returns
    -------
    table : DataFrame
        Indexed by ITL1 code (techUK's order of the published table): ``region``,
        ``techUK 2023``, ``ours``, ``difference`` (techUK's rank minus ours: positive means we
        place the region higher).
    rho, p : float
        Spearman's rank correlation over the regions ranked by both, and its p-value.
    """
    from scipy.stats import spearmanr

    from ..errors import LDIError

    if getattr(data, "published", None) is None:
        raise LDIError("this edition has no published ranks (published_techuk_2023.csv) to "
                       "compare with; check data.published before comparing")
    pub = data.published.set_index("area_code")["ldi_2023_index_rank"].astype(int)
    from ..data.geography import region_by_code

    name = getattr(result, "area_name", None) or (lambda a: region_by_code(a).name)
    table = pd.DataFrame({"region": [name(a) for a in pub.index],
                          "techUK 2023": pub,
                          "ours": result.ranks.reindex(pub.index)})
    table["difference"] = table["techUK 2023"] - table["ours"]
    both = table.dropna()
    rho, p = spearmanr(both["techUK 2023"], both["ours"])
    return table, float(rho), float(p)
