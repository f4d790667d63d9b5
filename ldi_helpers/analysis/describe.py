"""Plain descriptions of the curated data: what there is, per component, with sources.

Used by the data-overview notebook, the component notebook and the regional reports, so that every
output says the same thing about coverage, proxies and sources.
"""
from __future__ import annotations

import pandas as pd

from ..data.components import CONTEXT, check_component
from ..data.load import LDIData


def indicator_summary(data: LDIData, component: str | None = None) -> pd.DataFrame:
    """One row per indicator: component, name, unit, default period, coverage, proxy, source.

    Parameters
    ----------
    data : LDIData
    component : str, optional
        Restrict to one component (id or name). Context indicators are never included.

    Returns
    -------
    DataFrame
        Columns ``component, indicator_id, name, unit, direction, period, regions, periods,
        proxy, source``; ``regions`` counts ITL1 regions with a value at the default period, and
        ``periods`` lists all periods available.
    """
    comps = data.components
    meta = data.indicators[data.indicators.component != CONTEXT].copy()
    if component is not None:
        meta = meta[meta.component == check_component(component, comps)]
    rows = []
    for m in meta.itertuples():
        vals = data.values[data.values.indicator_id == m.indicator_id]
        at_default = vals[vals.period == m.default_period]
        rows.append({
            "component": comps.get(m.component, m.component),
            "indicator_id": m.indicator_id,
            "name": m.name,
            "unit": m.unit,
            "direction": "higher is better" if m.direction == 1 else "lower is better",
            "period": m.default_period,
            "regions": int(at_default.area_code.nunique()),
            "periods": ", ".join(sorted(vals.period.unique())),
            "proxy": "proxy" if m.is_proxy == "true" else "",
            "source": (f"{m.source_org}: {m.dataset}" if getattr(m, "source_org", "")
                       else str(getattr(m, "dataset", "") or "")),
        })
    order = {name: i for i, name in enumerate(comps.values())}
    out = pd.DataFrame(rows, columns=["component", "indicator_id", "name", "unit", "direction",
                                      "period", "regions", "periods", "proxy", "source"])
    return (out.assign(_o=out.component.map(order)).sort_values(["_o", "indicator_id"])
            .drop(columns="_o").reset_index(drop=True))


def component_status(data: LDIData) -> pd.DataFrame:
    """For each component of the edition: number of indicators, how many are proxies, a verdict.

    The verdict is ``"no real data"`` for a component without any indicator, so every output can
    say so instead of showing an invented score.
    """
    summ = indicator_summary(data)
    rows = []
    for cid, name in data.components.items():
        part = summ[summ.component == name]
        n, proxies = len(part), int((part.proxy == "proxy").sum())
        if n == 0:
            verdict = "no real data"
        elif proxies == n:
            verdict = "proxy data only"
        else:
            verdict = "real data"
        rows.append({"component": name, "component_id": cid, "indicators": n,
                     "proxies": proxies, "status": verdict})
    return pd.DataFrame(rows)


def sources_table(data: LDIData) -> pd.DataFrame:
    """Sources with publisher, the repository the file was read from, licence and URL."""
    used = set(data.indicators.source_id)
    src = data.sources.copy()
    src["used_by_indicators"] = src.source_id.map(
        data.indicators.groupby("source_id").indicator_id.count()).fillna(0).astype("int64")
    src = src[src.source_id.isin(used) | (src.used_by_indicators == 0)]
    return src[["source_id", "publisher", "dataset", "via_repository", "licence", "url",
                "used_by_indicators"]].reset_index(drop=True)


def latest_values(data: LDIData, indicator_id: str) -> pd.Series:
    """Values of one indicator at its default period, indexed by ITL1 code (missing as NaN)."""
    meta = data.indicators.set_index("indicator_id")
    if indicator_id not in meta.index:
        from ..errors import LDIError

        raise LDIError(f"unknown indicator {indicator_id!r}; run `ldi list indicators`")
    return data.indicator_matrix([indicator_id])[indicator_id]
