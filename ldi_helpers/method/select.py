"""Indicator and period selection (step 2 of the JRC/OECD method, first half).

Turns the long table of curated values into the areas x indicators matrix that a spec asks for:
which indicators (all non-context by default, minus exclusions and, if asked, proxies), at which
period (``default_period`` unless the spec overrides it), for which areas (all areas of the
geography), and, for the indicators the spec's ``denominators`` names, divided by a context
measure such as population (denomination, :func:`denominate`). Nothing is filled in: a missing value stays ``NaN``; coverage screening
(:mod:`ldi_helpers.method.screen`) decides what to do with gaps.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.components import CONTEXT
from ..errors import SpecError
from ..data.framework import framework_of
from .spec import MethodSpec


def area_codes(data) -> list[str]:
    """The codes of the edition's units in table order (``data.areas``); the 12 ITL1 codes for
    data objects without an areas table."""
    areas = getattr(data, "areas", None)
    if areas is not None and "area_code" in areas.columns:
        return [str(a) for a in areas["area_code"]]
    from ..data.geography import ITL1_CODES

    return list(ITL1_CODES)


def edition_geography(data) -> str | None:
    """The geography level an edition ranks (``edition.yaml``), else the level of its units,
    else None (no filtering)."""
    ed = getattr(data, "edition", None)
    if isinstance(ed, dict) and ed.get("geography"):
        return str(ed["geography"])
    areas = getattr(data, "areas", None)
    if areas is not None and "geography" in areas.columns and areas["geography"].nunique() == 1:
        return str(areas["geography"].iloc[0])
    values = getattr(data, "values", None)
    if values is not None and "geography" in values.columns and values["geography"].nunique() == 1:
        return str(values["geography"].iloc[0])
    return None


@dataclass(frozen=True)
class Selection:
    """The raw matrix a spec selects.

    Attributes
    ----------
    matrix : DataFrame
        Areas (rows, ITL1 order) x indicators (columns, grouped by component in framework
        order), raw values in each indicator's unit, ``NaN`` = missing.
    meta : DataFrame
        One row per selected indicator (index ``indicator_id``): name, component, direction,
        unit, is_proxy (bool), period (the period used), caveats.
    goalposts : DataFrame
        Index ``indicator_id``, columns ``low``, ``high`` (indicator units): the spec's goalposts,
        else the minimum and maximum over every period of the indicator in the curated data.
    notes : tuple of (step, item, message)
        Log lines.
    """

    matrix: pd.DataFrame
    meta: pd.DataFrame
    goalposts: pd.DataFrame
    notes: tuple[tuple[str, str, str], ...]


def _as_bool(v) -> bool:
    if isinstance(v, str):
        return v.strip().lower() == "true"
    return bool(v)


def _unknown(kind: str, bad: list[str], valid: list[str]) -> SpecError:
    hints = []
    for b in bad:
        close = difflib.get_close_matches(b, valid, n=1)
        hints.append(f"{b!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return SpecError(f"{kind} not in the data: {', '.join(hints)}; valid ids are: "
                     + ", ".join(valid))


def _near_duplicates(chosen: list[str], spec: MethodSpec, meta: pd.DataFrame,
                     notes: list) -> list[str]:
    """Apply ``spec.near_duplicates`` to the pairs of :data:`coherence.DEFAULT_ALTERNATIVES`
    whose two indicators are both selected (pairs not in the data are ignored)."""
    from ..data.near_duplicates import DEFAULT_ALTERNATIVES

    if spec.near_duplicates == "keep_both":
        return chosen
    out = list(chosen)
    for kept, alt in DEFAULT_ALTERNATIVES.items():
        if kept in out and alt in out:
            drop, other = (alt, kept) if spec.near_duplicates == "keep_one" else (kept, alt)
            out.remove(drop)
            name = str(meta.at[other, "name"]) if "name" in meta.columns else other
            notes.append(("select", drop, f"left out as a near-duplicate of {name} (one "
                          "measure per concept)"))
    return out


def denominate(ind: str, rows: pd.DataFrame, den_id: str, den_rows: pd.DataFrame, scale: float,
               period: str, notes: list, den_name: str | None = None) -> pd.DataFrame:
    """Divide an indicator's values by a context measure, period by period (denomination).

    Parameters
    ----------
    ind : str
        The indicator's id (for messages).
    rows : DataFrame
        The indicator's long rows (``area_code, period, value``), every period.
    den_id : str
        Id of the denominator (a context indicator).
    den_rows : DataFrame
        The denominator's long rows, every period.
    scale : float
        Multiplier: the result is ``value / denominator * scale``, in the indicator's unit per
        ``1/scale`` of the denominator's unit (e.g. GBP million / people * 1e6 = GBP per person).
    period : str
        The period the index uses for this indicator: the log notes the denominator period used
        for it and the areas left without a value.
    notes : list
        Log lines ``(step, item, message)`` are appended here.

    Returns
    -------
    DataFrame
        ``rows`` with denominated values. Each period is divided by the denominator at the same
        period, else at its latest earlier period (periods compare as text, which orders years
        and financial years: ``"2021/22" < "2022"``); periods with no denominator period at or
        before them are dropped. An area without a denominator value (or a value of 0) gets
        ``NaN``.

    Raises
    ------
    SpecError
        The denominator has no value at ``period`` or any earlier period.
    """
    den_name = den_name or den_id
    den_periods = sorted(den_rows["period"].astype(str).unique())
    per_col = rows["period"].astype(str)
    out = []
    for per in sorted(per_col.unique()):
        earlier = [q for q in den_periods if q <= per]
        if not earlier:
            if per == period:
                raise SpecError(f"spec field 'denominators': denominator {den_id!r} of {ind!r} has "
                                f"no value for period {period!r} or earlier (it has: "
                                f"{', '.join(den_periods) or 'none'}); choose another "
                                f"denominator or another period for {ind!r}")
            continue
        q = earlier[-1]
        den = den_rows[den_rows["period"].astype(str) == q].set_index("area_code")["value"]
        g = rows[per_col == per].copy()
        d = g["area_code"].map(den.astype(float))
        g["value"] = g["value"].astype(float) / d.where(d != 0) * scale
        out.append(g)
        if per == period:
            msg = f"divided by {den_name}" + (f" and multiplied by {scale:g}" if scale != 1 else "")
            msg += (f" (same period, {q})" if q == per else
                    f" of {q}: it has no value for {per}, so its latest earlier period is used")
            notes.append(("denominate", ind, msg))
            lost = sorted(g.loc[g["value"].isna() & rows.loc[g.index, "value"].notna(),
                                "area_code"].astype(str))
            if lost:
                notes.append(("denominate", ind, f"no {den_name} value (or 0) for "
                              f"{', '.join(lost)} in {q}: their value is missing"))
    if not out:
        return rows.iloc[:0]
    return pd.concat(out)


def _check_denominators(spec: MethodSpec, meta_all: pd.DataFrame, usable: list[str]) -> None:
    ctx = [i for i in meta_all.index if meta_all.at[i, "component"] == CONTEXT]
    for ind, den, _ in spec.denominators:
        if ind not in usable:
            raise SpecError(f"spec field 'denominators': {ind!r} is a context measure, not an "
                            f"indicator of the index; denominate one of: {', '.join(usable)}")
        if den not in meta_all.index:
            close = difflib.get_close_matches(den, ctx, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SpecError(f"spec field 'denominators': denominator {den!r} of {ind!r} is not in "
                            f"the data{hint}; name a context indicator: "
                            + (", ".join(ctx) or "none in this edition"))
        if den not in ctx:
            raise SpecError(f"spec field 'denominators': denominator {den!r} of {ind!r} is an "
                            f"indicator of component {meta_all.at[den, 'component']!r}, not a "
                            "context measure; name a context indicator: "
                            + (", ".join(ctx) or "none in this edition"))


def select_indicators(data, spec: MethodSpec) -> Selection:
    """Build the areas x indicators matrix for ``spec``.

    Parameters
    ----------
    data : LDIData or any object with ``values`` and ``indicators`` frames
        Long values table (area_code, indicator_id, period, value[, geography]) and indicator
        metadata (indicator_id, name, component, direction, is_proxy, default_period, ...).
        Not modified.
    spec : MethodSpec

    Raises
    ------
    SpecError
        The spec names an indicator that does not exist or is a context indicator, asks for a
        period the indicator does not have (the message lists what exists), or names a
        denominator that is not a context indicator or has no value at the period used or
        earlier.
    """
    values = data.values
    meta_all = data.indicators.set_index("indicator_id", drop=False)
    notes: list[tuple[str, str, str]] = []
    fw = framework_of(data)
    geography = spec.geography or edition_geography(data)
    if "geography" in values.columns and geography:
        known = sorted(str(g) for g in values["geography"].dropna().unique())
        if geography not in known:
            raise SpecError(f"spec field 'geography' is {geography!r} but the data hold the "
                            f"geography level(s) {', '.join(known)}; use one of them or leave "
                            "geography empty for the edition's own")
        values = values[values["geography"] == geography]
    if spec.components is not None:
        bad_c = [c for c in spec.components if c not in fw.components]
        if bad_c:
            raise _unknown("component(s)", bad_c, list(fw.components))
    bad_w = [c for c, _ in spec.component_weights if c not in fw.components]
    if bad_w:
        raise _unknown("component(s) in 'component_weights'", bad_w, list(fw.components))
    usable = [i for i in meta_all.index if meta_all.at[i, "component"] != CONTEXT]
    named = list(spec.indicators or []) + list(spec.exclude_indicators) + \
        [k for k, _ in spec.periods] + [k for k, *_ in spec.goalposts] + \
        [k for k, _ in spec.indicator_weights] + [k for k, *_ in spec.denominators]
    bad = sorted({i for i in named if i not in meta_all.index})
    if bad:
        raise _unknown("indicator id(s)", bad, usable)
    _check_denominators(spec, meta_all, usable)
    denoms = {k: (d, sc) for k, d, sc in spec.denominators}
    ctx = sorted({i for i in (spec.indicators or []) if i not in usable})
    if ctx:
        raise SpecError(f"indicator(s) {', '.join(ctx)} describe context, not a component, and "
                        f"cannot enter the index; valid ids are: {', '.join(usable)}")
    chosen = list(spec.indicators) if spec.indicators is not None else usable
    chosen = [i for i in chosen if i not in spec.exclude_indicators]
    for i in spec.exclude_indicators:
        notes.append(("select", i, "excluded by the spec"))
    chosen = _near_duplicates(chosen, spec, meta_all, notes)
    if spec.components is not None:
        out = [i for i in chosen if meta_all.at[i, "component"] not in spec.components]
        chosen = [i for i in chosen if i not in out]
        if out:
            notes.append(("select", "components", f"only {', '.join(spec.components)}: "
                          f"{len(out)} indicator(s) of other components left out"))
    if spec.exclude_proxies:
        prox = [i for i in chosen if _as_bool(meta_all.at[i, "is_proxy"])]
        chosen = [i for i in chosen if i not in prox]
        for i in prox:
            notes.append(("select", i, "proxy indicator excluded (exclude_proxies=True)"))
    order = {c: k for k, c in enumerate(fw.components)}
    chosen.sort(key=lambda i: (order.get(meta_all.at[i, "component"], len(order)), i))

    overrides = dict(spec.periods)
    areas = area_codes(data)
    cols: dict[str, np.ndarray] = {}
    periods: dict[str, str] = {}
    lows, highs = {}, {}
    posts = {k: (lo, hi) for k, lo, hi in spec.goalposts}
    # each indicator's rows, in table order (one grouping instead of a scan per indicator)
    at_rows = values.groupby("indicator_id", sort=False).indices
    none = np.array([], dtype=np.intp)
    # the columns as arrays: an indicator without a denominator is gathered with array
    # operations (the same numbers as the frame operations of a denominated one, 10x faster)
    all_periods = values["period"].astype(str).to_numpy()
    all_areas = values["area_code"].to_numpy()
    all_values = values["value"].to_numpy()
    area_pos = {a: k for k, a in enumerate(areas)}

    def rows_of(ind: str) -> pd.DataFrame:
        return values.take(at_rows.get(ind, none))

    def column_of(idx: np.ndarray) -> np.ndarray | None:
        """The values at rows ``idx`` placed at their areas' positions (NaN elsewhere); None
        when an area has two rows (the frame path then reports it)."""
        got = all_areas[idx]
        if len(set(got)) < len(got):
            return None
        col = np.full(len(areas), np.nan)
        vals = np.asarray(all_values[idx], dtype=float)
        for a, v in zip(got, vals):
            k = area_pos.get(a)
            if k is not None:
                col[k] = v
        return col

    for ind in chosen:
        idx = at_rows.get(ind, none)
        per_arr = all_periods[idx]
        have = sorted(set(per_arr))
        if ind in overrides:
            period = overrides[ind]
            if period not in have:
                raise SpecError(f"spec field 'periods': indicator {ind!r} has no data for "
                                f"period {period!r}; available periods: "
                                + (", ".join(have) or "none"))
        else:
            dp = meta_all.at[ind, "default_period"]
            period = "" if dp is None or (isinstance(dp, float) and np.isnan(dp)) else str(dp)
            if not period:
                notes.append(("select", ind, "no default_period in indicators.csv; the "
                              "indicator has no values to use"))
        periods[ind] = period
        col = None if ind in denoms else column_of(idx[per_arr == period])
        if col is not None:
            cols[ind] = col
            v = np.asarray(all_values[idx], dtype=float)
            v = v[~np.isnan(v)]
        else:
            rows = rows_of(ind)
            if ind in denoms:
                den, scale = denoms[ind]
                den_name = str(meta_all.at[den, "name"]) if "name" in meta_all.columns else den
                rows = denominate(ind, rows, den, rows_of(den), scale, period, notes, den_name)
            at = rows[rows["period"].astype(str) == period]
            cols[ind] = at.set_index("area_code")["value"].astype(float).reindex(areas) \
                .to_numpy(dtype=float)
            v = rows["value"].astype(float).dropna().to_numpy()
        if ind in posts:
            lows[ind], highs[ind] = posts[ind]
        else:
            lows[ind] = float(v.min()) if len(v) else np.nan
            highs[ind] = float(v.max()) if len(v) else np.nan
    matrix = pd.DataFrame(
        np.column_stack([cols[ind] for ind in chosen])
        if chosen else np.empty((len(areas), 0)),
        index=pd.Index(areas, name="area_code"), columns=pd.Index(chosen, name="indicator_id"),
        dtype=float)
    keep = [c for c in ("name", "component", "direction", "unit", "is_proxy", "caveats",
                        "source_org") if c in meta_all.columns]
    meta = meta_all.loc[chosen, keep].copy()
    meta.index.name = "indicator_id"
    meta["direction"] = meta["direction"].astype(int)
    if "is_proxy" in meta.columns:
        meta["is_proxy"] = [_as_bool(v) for v in meta["is_proxy"]]
    meta["period"] = [periods[i] for i in chosen]
    if "unit" in meta.columns:
        for ind in chosen:
            if ind in denoms:
                den, scale = denoms[ind]
                den_unit = str(meta_all.at[den, "unit"]) if "unit" in meta_all.columns else den
                meta.at[ind, "unit"] = (f"{meta.at[ind, 'unit']} per {den_unit}"
                                        + (f" x {scale:g}" if scale != 1 else ""))
    gp = pd.DataFrame({"low": lows, "high": highs}, index=pd.Index(chosen, name="indicator_id"),
                      dtype=float)
    return Selection(matrix, meta, gp, tuple(notes))
