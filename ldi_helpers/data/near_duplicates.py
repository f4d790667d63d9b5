"""Near-duplicate indicators: two measures of one concept that rank the areas almost alike.

The rule and the pairs of the LDI edition live here, in the data layer, because they are facts
about the curated data that the spec's ``near_duplicates`` choice and the data log both use;
:mod:`ldi_helpers.analysis.coherence` finds the pairs for any spec with
:func:`near_duplicate_pairs`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: |Spearman| at or above which two indicators of one component are near-duplicates.
NEAR_DUPLICATE_RHO = 0.95
#: Floating-point slack for the threshold comparison (``|rho| >= threshold - NEAR_DUPLICATE_TOL``):
#: a rank correlation that is 0.95 in exact arithmetic but computed as 0.9499999999 still counts.
#: It is far smaller than the gap between two attainable Spearman values with 12 areas (without
#: ties ``rho = 1 - 6 * sum(d**2) / 1716`` with an even ``sum(d**2)``: values 0.007 apart), so it
#: only absorbs rounding error and never moves a real decision.
NEAR_DUPLICATE_TOL = 1e-9

#: The near-duplicate pairs of the curated data and the one the rule of
#: :func:`near_duplicate_pairs` keeps: ``{kept indicator: alternative indicator}``. The default
#: index should use the kept indicator and treat the alternative as a sensitivity option
#: (wired into ``spec.py`` / ``factors.py`` separately). A test checks that
#: :func:`near_duplicate_pairs` finds exactly these pairs on the curated data.
#:
#: Not a pair: ``ict_gva_per_head`` / ``ict_gva_share_pct``. Their Spearman was 0.97 while
#: Digital Adoption used the whole of section J; since it uses J less division 63 (so as not to
#: count Data Ecosystems twice) it is 0.94, below the threshold, so both stay in by this rule.
DEFAULT_ALTERNATIVES: dict[str, str] = {
    "internet_recent_users_pct": "internet_never_used_pct",
    "info_services_gva_share_pct": "info_services_gva_per_head",
}

#: The keep rule in words (printed in the data log).
NEAR_DUPLICATE_RULE = (
    "(1) denominator: keep the share or rate whose numerator and denominator come from the same "
    "source and population (unit '% of ...') over an amount divided by residents (unit '... per "
    "resident' / 'per 100,000 residents'): workplace-based GVA divided by residents is inflated "
    "where people commute in (London) and moves with the population estimate, while a share of "
    "regional GVA has neither distortion; (2) breadth: between two percentages of the same "
    "population, keep the one describing the larger group (higher mean across areas), i.e. the "
    "measure of the broader population rather than of a small tail whose regional differences "
    "rest on few survey respondents (adults who used the internet in the last 3 months, about "
    "nine in ten, rather than those who never used it, a few per cent); (3) otherwise keep the "
    "indicator that comes first by id and flag the pair (rule 'order')."
)


def _per_resident(unit: str) -> bool:
    u = str(unit).lower()
    return "per resident" in u or "residents" in u


def _keep_rule(a: str, b: str, meta: pd.DataFrame, matrix: pd.DataFrame) -> tuple[str, str, str]:
    """(kept, alternative, rule) for a near-duplicate pair, by :data:`NEAR_DUPLICATE_RULE`."""
    ua, ub = str(meta.at[a, "unit"]), str(meta.at[b, "unit"])
    share_a, share_b = ua.startswith("%"), ub.startswith("%")
    if share_a and _per_resident(ub) and not _per_resident(ua):
        return a, b, "denominator"
    if share_b and _per_resident(ua) and not _per_resident(ub):
        return b, a, "denominator"
    if share_a and share_b and ua == ub:
        ma, mb = float(matrix[a].mean()), float(matrix[b].mean())
        if ma != mb:
            return (a, b, "breadth") if ma > mb else (b, a, "breadth")
    first, second = sorted((a, b))
    return first, second, "order"


def spearman_pairs(matrix: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """Spearman's rho of every pair of columns of ``matrix`` in the same component.

    Parameters
    ----------
    matrix : DataFrame
        Areas x indicators, raw values (``NaN`` = missing).
    meta : DataFrame
        Indexed by indicator id, with a ``component`` column.

    Returns
    -------
    DataFrame
        ``component, a, b, rho, abs_rho, n`` for every same-component pair with at least 3 areas
        holding both values and some variation in each.
    """
    from scipy.stats import spearmanr

    rows = []
    cols = list(matrix.columns)
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            if meta.at[a, "component"] != meta.at[b, "component"]:
                continue
            both = matrix[[a, b]].dropna()
            if len(both) < 3 or both[a].nunique() < 2 or both[b].nunique() < 2:
                continue
            rho = float(spearmanr(both[a], both[b])[0])
            rows.append({"component": meta.at[a, "component"], "a": a, "b": b, "rho": rho,
                         "abs_rho": abs(rho), "n": int(len(both))})
    return pd.DataFrame(rows, columns=["component", "a", "b", "rho", "abs_rho", "n"])


def near_duplicates_in(matrix: pd.DataFrame, meta: pd.DataFrame,
                       threshold: float = NEAR_DUPLICATE_RHO) -> pd.DataFrame:
    """The near-duplicate pairs of ``matrix`` with the indicator the rule keeps.

    Returns
    -------
    DataFrame
        One row per pair with ``|rho| >= threshold`` (less :data:`NEAR_DUPLICATE_TOL`), strongest
        first: ``component, kept, alternative, rho, abs_rho, n, rule``.
    """
    pairs = spearman_pairs(matrix, meta)
    rows = []
    for p in pairs.itertuples(index=False):
        if p.abs_rho >= threshold - NEAR_DUPLICATE_TOL:
            kept, alt, rule = _keep_rule(p.a, p.b, meta, matrix)
            rows.append({"component": p.component, "kept": kept, "alternative": alt,
                         "rho": p.rho, "abs_rho": p.abs_rho, "n": p.n, "rule": rule})
    out = pd.DataFrame(rows, columns=["component", "kept", "alternative", "rho", "abs_rho", "n",
                                      "rule"])
    return out.sort_values(["abs_rho", "kept"], ascending=[False, True],
                           kind="mergesort").reset_index(drop=True)
