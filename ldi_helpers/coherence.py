"""Multivariate coherence (step 5 of the JRC/OECD method): does the framework hang together?

All functions read an :class:`~ldi_helpers.index.IndexResult` and return tidy frames.

- :func:`get_corr` - Pearson correlations between indicator scores (direction applied, so a
  positive correlation means the two agree on which areas do well), or between component scores
  and the index. Pairs with ``r > 0.9`` are flagged as possible **double counting** (the JRC rule
  of thumb); with 12 areas a correlation is uncertain, so treat flags as prompts to look, not
  verdicts.
- :func:`get_cronbach` - Cronbach's alpha per component on the indicator scores of the areas that
  have every indicator of the component; alpha >= 0.7 is the usual "consistent" benchmark.
- :func:`get_pca` - first principal component per component: loadings (sign convention of
  :mod:`ldi_helpers.weights`: loadings sum to a positive number), the implied weights (squared
  loadings) and the share of variance explained.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import LDIError
from .weights import pc1_loadings

#: Near-duplicate indicator pairs (default measure -> alternative) of the curated data.
DEFAULT_ALTERNATIVES: dict[str, str] = {
    "internet_recent_users_pct": "internet_never_used_pct",
    "info_services_gva_share_pct": "info_services_gva_per_head",
}

#: Correlation above which two inputs are flagged as possible double counting.
DOUBLE_COUNTING_R = 0.9


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

    from .geography import region_by_code

    pub = data.published.set_index("area_code")["ldi_2023_index_rank"].astype(int)
    table = pd.DataFrame({"region": [region_by_code(a).name for a in pub.index],
                          "techUK 2023": pub,
                          "ours": result.ranks.reindex(pub.index)})
    table["difference"] = table["techUK 2023"] - table["ours"]
    both = table.dropna()
    rho, p = spearmanr(both["techUK 2023"], both["ours"])
    return table, float(rho), float(p)
