"""What would it take? Scenario changes for one area, and the smallest improvement to gain a rank.

:func:`what_if` sets one or more of an area's **indicators** (raw value, in the indicator's unit)
or **components** (component score) to a value, a percentile of the other areas or the UK median,
and returns every area's new scores and ranks beside the old ones.

- An indicator change edits the area's value at the period the spec uses and rebuilds the index
  with :func:`~ldi_helpers.method.index.build_index` (normalisation depends on every area, so other
  areas' scores can move too). The input data are not modified.
- A component change sets the area's component score and recomputes the composite from the
  component scores with the spec's weights and aggregation; other areas' component scores stay.

Values: a number; ``"median"`` (median over the areas in the index); ``"p<q>"`` such as
``"p75"`` (the q-th percentile, linear interpolation); or ``{"percentile": q}``.

:func:`smallest_improvement` searches, for each component, the smallest increase of the area's
component score that lifts it at least one rank (vectorised: a grid of candidate scores for all
components at once, then bisection). The search runs up to the top of the score scale (100 for
minmax, rank and goalposts) or, on unbounded scales (zscore, distance_to_median), up to the best
area's score on that component; beyond that the improvement is reported as not reachable.
"Gaining a rank" means a smaller rank number under the spec's tie rule: with the default "min"
rule, drawing level with the area above already shares its rank and counts as a gain.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ..method.aggregate import aggregate, rank_scores
from ..errors import LDIError
from ..data.geography import resolve_area, resolve_unit
from ..method.index import IndexResult, build_index
from ..method.spec import coerce_spec

#: Upper end of the score scale per normalisation (None = unbounded).
SCALE_MAX = {"minmax": 100.0, "rank": 100.0, "goalposts": 100.0, "zscore": None,
             "distance_to_median": None}


class WhatIfError(LDIError):
    """A scenario names an unknown indicator/component or gives an unreadable value."""


@dataclass(frozen=True)
class WhatIfResult:
    """Before and after.

    Attributes
    ----------
    area : str
        ITL1 code of the changed area.
    changes : dict
        What was set (key -> resolved numeric value).
    before, after : DataFrame
        Index ``area_code``; columns ``index``, ``rank`` and one per component.
    """

    area: str
    changes: dict
    before: pd.DataFrame
    after: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Index and rank before and after for every area, with the rank change."""
        out = pd.DataFrame({
            "index_before": self.before["index"], "index_after": self.after["index"],
            "rank_before": self.before["rank"], "rank_after": self.after["rank"]})
        out["rank_change"] = out["rank_before"] - out["rank_after"]
        return out.sort_values("rank_after", kind="mergesort")


def _resolve_value(value, pool: np.ndarray, what: str) -> float:
    pool = pool[~np.isnan(pool)]
    if isinstance(value, Mapping):
        if set(value) != {"percentile"}:
            raise WhatIfError(f"{what}: a mapping value must be {{'percentile': q}}, got {value}")
        q = float(value["percentile"])
    elif isinstance(value, str):
        v = value.strip().lower()
        if v == "median":
            return float(np.median(pool))
        m = re.fullmatch(r"p(\d+(\.\d+)?)", v)
        if not m:
            raise WhatIfError(f"{what}: value {value!r} not understood; use a number, 'median', "
                              "'p75' (a percentile) or {'percentile': 75}")
        q = float(m.group(1))
    else:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise WhatIfError(f"{what}: value {value!r} is not a number") from None
    if not 0 <= q <= 100:
        raise WhatIfError(f"{what}: percentile must be in [0, 100], got {q}")
    return float(np.percentile(pool, q))


def _frame(res: IndexResult) -> pd.DataFrame:
    out = pd.DataFrame({"index": res.composite, "rank": res.ranks})
    return out.join(res.component_scores)


def _recompose(res: IndexResult, comp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Composite and ranks for component score arrays ``comp`` of shape (..., A, C)."""
    w = np.broadcast_to(res.component_weights.to_numpy(), comp.shape[:-2] + (comp.shape[-1],))
    composite = aggregate(comp, w, res.spec.composite_aggregation,
                          res.spec.generalised_mean_power)
    return composite, rank_scores(composite, res.spec.rank_ties)


def what_if(data, spec, area: str, changes: Mapping[str, object]) -> WhatIfResult:
    """Scores and ranks of every area after changing some of ``area``'s indicators/components.

    Parameters
    ----------
    data : LDIData
    spec : MethodSpec, mapping or None
    area : str
        Any name or code :func:`~ldi_helpers.data.geography.resolve_area` understands.
    changes : mapping
        ``indicator_id`` or ``component_id`` -> value (see the module docstring). Indicator
        changes are applied first, then component changes.

    Raises
    ------
    WhatIfError
        Unknown key (the valid indicators and components are listed) or unreadable value.
    """
    spec = coerce_spec(spec)
    code = (resolve_unit(data, area).code if hasattr(data, "areas")
            else resolve_area(area).itl1_code)  # a bare (values, indicators) namespace
    before = build_index(data, spec)
    if code not in before.composite.index:
        raise WhatIfError(f"{code} is not in the index under this spec (screened out)")
    inds = set(before.meta.index)
    comps = set(before.component_scores.columns)
    bad = [k for k in changes if k not in inds and k not in comps]
    if bad:
        raise WhatIfError(f"unknown change key(s) {', '.join(bad)}; valid keys are the "
                          f"indicators {', '.join(sorted(inds))} or the components "
                          f"{', '.join(sorted(comps))}")
    resolved: dict[str, float] = {}
    after = before
    ind_changes = {k: v for k, v in changes.items() if k in inds}
    if ind_changes:
        values = data.values.copy()
        for k, v in ind_changes.items():
            period = before.meta.at[k, "period"]
            x = _resolve_value(v, before.raw[k].to_numpy(), k)
            resolved[k] = x
            sel = (values["indicator_id"] == k) & (values["period"].astype(str) == period) & \
                (values["area_code"] == code)
            if sel.any():
                values.loc[sel, "value"] = x
            else:
                row = {c: None for c in values.columns}
                row.update(area_code=code, indicator_id=k, period=period, value=x)
                if "geography" in values.columns:
                    row["geography"] = spec.geography
                if "area_name" in values.columns:
                    row["area_name"] = before.area_name(code)
                values = pd.concat([values, pd.DataFrame([row])], ignore_index=True)
        after = build_index(SimpleNamespace(values=values, indicators=data.indicators), spec)
    comp_changes = {k: v for k, v in changes.items() if k in comps}
    table = _frame(after)
    if comp_changes:
        comp = after.component_scores.copy()
        for k, v in comp_changes.items():
            x = _resolve_value(v, comp[k].to_numpy(), k)
            resolved[k] = x
            comp.loc[code, k] = x
        composite, ranks = _recompose(after, comp.to_numpy())
        table = pd.DataFrame({"index": composite, "rank": ranks}, index=comp.index).join(comp)
    return WhatIfResult(code, resolved, _frame(before), table)


def _code_in(result: IndexResult, area: str) -> str:
    """The code of ``area`` (a code or a name of the result's units, any case; for the ITL1
    regions any form :func:`~ldi_helpers.data.geography.resolve_area` understands)."""
    key = str(area).strip().casefold()
    for code in result.composite.index:
        if key in (str(code).casefold(), str(result.area_name(code)).casefold()):
            return code
    return resolve_area(area).itl1_code


def smallest_improvement(result: IndexResult, area: str, grid: int = 512,
                         tol: float = 1e-6) -> pd.DataFrame:
    """For each component, the smallest rise in ``area``'s score that gains it one rank.

    Parameters
    ----------
    result : IndexResult
        A built index (its spec's weights and aggregation are used).
    area : str
        Name or code of the area.
    grid : int
        Candidate scores per component in the vectorised search (then refined by bisection).
    tol : float
        Precision of the returned increase (score points).

    Returns
    -------
    DataFrame
        Index = component; columns ``current``, ``needed`` (the score that gains the rank),
        ``increase``, ``new_rank``, ``reachable``. Sorted by ``increase`` (unreachable last).
        Empty if the area is already ranked 1.
    """
    code = _code_in(result, area)
    if code not in result.composite.index:
        raise WhatIfError(f"{code} is not in this index (screened out)")
    comp = result.component_scores.to_numpy()
    a = list(result.composite.index).index(code)
    r0 = result.ranks.iloc[a]
    cols = list(result.component_scores.columns)
    n_c = len(cols)
    if r0 <= 1:
        return pd.DataFrame(columns=["current", "needed", "increase", "new_rank", "reachable"])
    top = SCALE_MAX.get(result.spec.normalisation)
    cur = comp[a].copy()
    best = np.nanmax(comp, axis=0)
    hi = np.full(n_c, top) if top is not None else best
    hi = np.where(np.isnan(cur), np.nan, np.maximum(hi, cur))

    def rank_at(values: np.ndarray) -> np.ndarray:
        # values: (..., C) candidate score per component (one component changed at a time)
        shape = values.shape
        trial = np.broadcast_to(comp, shape + comp.shape).copy()
        idx = np.arange(n_c)
        trial[..., idx, a, idx] = values
        _, ranks = _recompose(result, trial)
        return ranks[..., idx, a]

    steps = np.linspace(0.0, 1.0, grid + 1)[1:]
    cand = cur[None, :] + steps[:, None] * (hi - cur)[None, :]          # (G, C)
    cand = np.where(np.isnan(cand), 0.0, cand)
    ranks = rank_at(cand)
    gained = ranks < r0
    reachable = gained.any(axis=0) & ~np.isnan(cur)
    first = np.argmax(gained, axis=0)
    upper = np.where(reachable, cand[first, np.arange(n_c)], np.nan)
    lower = np.where(first > 0, cand[np.maximum(first - 1, 0), np.arange(n_c)], cur)
    lo_b = np.where(reachable, lower, 0.0)
    up_b = np.where(reachable, upper, 0.0)
    for _ in range(60):
        if np.all(up_b - lo_b <= tol):
            break
        mid = (lo_b + up_b) / 2
        ok = rank_at(mid) < r0
        up_b = np.where(ok, mid, up_b)
        lo_b = np.where(ok, lo_b, mid)
    new_rank = rank_at(up_b)
    out = pd.DataFrame({
        "current": cur,
        "needed": np.where(reachable, up_b, np.nan),
        "increase": np.where(reachable, up_b - cur, np.nan),
        "new_rank": np.where(reachable, new_rank, np.nan),
        "reachable": reachable,
    }, index=pd.Index(cols, name="component"))
    return out.sort_values("increase", na_position="last", kind="mergesort")
