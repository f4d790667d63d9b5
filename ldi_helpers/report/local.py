"""District (local) briefings: honest coverage, local comparisons, a region's districts.

A district edition (``data/editions/lad``) measures only some of the index's components. These
functions say so in every district output: a component without district data is "not measured
at district level" (never filled in from the region), a district without a value of a measured
component is told what the screen and the imputation did, and a district's rank is compared
nationally, within its region and within its peer group, each with an interval from the same Monte
Carlo sample of national ranks (:mod:`ldi_helpers.analysis.local_ranks`).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.local_ranks import nominal_rank_within, subset_interval
from ..data.geography import unit_words
from .display import ordinal

#: Where the district edition lives, relative to the LDI data folder.
DISTRICT_EDITION = Path("editions") / "lad"


def is_local_edition(data) -> bool:
    """True for an edition of units inside ITL1 regions (districts): ``itl1_code`` differs from
    the unit's own code."""
    a = data.areas
    if data.has_ldi_tables or "itl1_code" not in a.columns:
        return False
    codes = a["itl1_code"].astype(str)
    return bool(a["itl1_code"].notna().all() and (codes != a["area_code"].astype(str)).all())


def level_phrase(data) -> str:
    """"district level" for a district edition, else "{unit} level"."""
    geo = str(data.edition.get("geography") or "").upper()
    return "district level" if geo.startswith("LAD") else f"{unit_words(data)['unit']} level"


def _measured(data) -> dict[str, list[str]]:
    """Component id -> ids of its indicators that have at least one value in the edition."""
    ind = data.indicators
    col = "component" if "component" in ind.columns else "parent"
    with_values = set(data.values["indicator_id"].unique())
    out: dict[str, list[str]] = {c: [] for c in data.components}
    for r in ind.itertuples(index=False):
        comp = getattr(r, col)
        if comp in out and r.indicator_id in with_values:
            out[comp].append(r.indicator_id)
    return out


def not_measured_reasons(data) -> dict[str, str]:
    """Why each component has no data, read from the edition's ``DATA_LOG.md`` coverage table.

    Returns component name -> reason (empty when the data log does not say).
    """
    path = Path(data.data_dir) / "DATA_LOG.md"
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*([^|]+?)\s*\|\s*none\s*\|\s*not measured at [^:|]*:\s*([^|]+?)\s*\|",
                     line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def coverage(data, result, code: str, scored: bool = True) -> pd.DataFrame:
    """What the district's score is made of, component by component.

    Parameters
    ----------
    data : LDIData
        The district edition.
    result : IndexResult
        The index under the briefing's spec.
    code : str
        The district.
    scored : bool
        False for a district the method does not score (the coverage screen left it out):
        ``result`` then is an index that holds its data, a component counts as measured when
        any of its indicators has a published value, and nothing is said about its score.

    Returns
    -------
    DataFrame
        One row per component: ``component``, ``status`` ("measured", "no value for this
        {unit}", "not measured at district level") and ``sentence`` (plain English).
    """
    name = dict(zip(data.areas["area_code"], data.areas["name"]))[code]
    region_of = dict(zip(data.areas["area_code"], data.areas["itl1_code"]))
    group_of = dict(zip(data.areas["area_code"], data.areas.get("group", data.areas["itl1_code"])))
    level = level_phrase(data)
    unit = unit_words(data)["unit"]
    reasons = not_measured_reasons(data)
    measured = _measured(data)
    cs = result.component_scores
    spec = result.spec
    rows = []
    for cid, cname in data.components.items():
        inds = measured.get(cid, [])
        if not inds:
            why = reasons.get(cname, "no indicator of it is published for these areas")
            rows.append({"component": cname, "status": f"not measured at {level}",
                         "sentence": f"{cname}: not measured at {level} ({why}). Nothing is "
                                     "filled in from the region; it is not part of the score."})
            continue
        score = cs.loc[code, cid] if (cid in cs.columns and code in cs.index) else np.nan
        if not scored:
            have = [i for i in inds if i in result.raw.columns and code in result.raw.index
                    and np.isfinite(result.raw.loc[code, i])]
            score = 1.0 if have else np.nan
        if np.isfinite(score):
            rows.append({"component": cname, "status": "measured",
                         "sentence": f"{cname}: measured ({len(inds)} indicator"
                                     f"{'s' if len(inds) != 1 else ''})."})
            continue
        used = [i for i in inds if i in result.raw.columns]
        lacking = [i for i in used if not np.isfinite(result.raw.loc[code, i])] if (
            code in result.raw.index) else used
        names = data.indicators.set_index("indicator_id")["name"]
        what = ", ".join(str(names.get(i, i)) for i in (lacking or inds))
        region_codes = [c for c, r in region_of.items() if r == region_of[code]]
        none_in_region = code in result.raw.index and all(
            not np.isfinite(result.raw.loc[c, i]) for c in region_codes if c in result.raw.index
            for i in used)
        where = (f" no {unit} of its region has one" if none_in_region else "")
        group = group_of.get(code)
        imputed = spec.imputation != "none"
        action = (f"Imputation is '{spec.imputation}' in this method, but no value could be "
                  f"filled in (for the group mean: no other {unit} of {group} has one), so "
                  if imputed and none_in_region else "With no imputation in this method, ")
        tail = (f" {action}{cname} is left out of {name}'s score, which is the average of its "
                "other measured components; nothing is taken from the region." if scored else
                " It counts against the coverage screen; nothing is taken from the region.")
        rows.append({"component": cname, "status": f"no value for this {unit}",
                     "sentence": f"{cname}: no value for {name} ({what};"
                                 f"{where or ' not published'}).{tail}"})
    return pd.DataFrame(rows)


def peer_group_definition(data, code: str) -> str:
    """The district's peer group in words, from the areas table (band, size range, count)."""
    a = data.areas.set_index("area_code")
    if "peer_group" not in a.columns or pd.isna(a.at[code, "peer_group"]):
        return ""
    band = str(a.at[code, "peer_group"])
    members = a[a["peer_group"] == band]
    units = unit_words(data)["units"]
    text = f"{band}: the {len(members)} {units} in this population-size band"
    if "population" in a.columns:
        pop = pd.to_numeric(members["population"], errors="coerce")
        per = ""
        if "population_period" in a.columns and pd.notna(a.at[code, "population_period"]):
            per = f", mid-{a.at[code, 'population_period']}"
        text += (f" ({pop.min():,.0f} to {pop.max():,.0f} residents{per}; the edition's "
                 f"population quartiles of all {len(a)} {units})")
    return text


def comparisons(data, result, code: str, unc: dict | None) -> pd.DataFrame:
    """The district's rank nationally, within its region and within its peer group.

    Parameters
    ----------
    data, result, code : as for :func:`coverage`
    unc : dict or None
        :func:`~ldi_helpers.report.briefing.rank_uncertainty` output with ``ranks`` and
        ``units`` (the Monte Carlo national ranks); None for no intervals.

    Returns
    -------
    DataFrame
        ``comparison``, ``rank``, ``of``, ``lo``, ``hi`` (NaN without intervals), ``definition``.
    """
    a = data.areas.set_index("area_code")
    ranks = result.ranks.dropna()
    ranked = [c for c in data.area_codes if c in ranks.index]
    w = unit_words(data)
    region = str(a.at[code, "group"]) if "group" in a.columns else str(a.at[code, "itl1_code"])
    subsets = [("nationally", ranked, f"all {len(ranked)} {w['units']} ranked")]
    same_region = [c for c in ranked if a.at[c, "itl1_code"] == a.at[code, "itl1_code"]]
    subsets.append((f"within {region}", same_region,
                    f"the {len(same_region)} {w['units']} of {region} ranked"))
    if "peer_group" in a.columns and pd.notna(a.at[code, "peer_group"]):
        band = a.at[code, "peer_group"]
        peers = [c for c in ranked if a.at[c, "peer_group"] == band]
        subsets.append((f"within its peer group ({band})", peers,
                        peer_group_definition(data, code)))
    rows = []
    for label, members, definition in subsets:
        if code not in members:
            continue
        rank, of = nominal_rank_within(ranks, members, code)
        iv = None
        if unc and unc.get("ranks") is not None:
            iv = subset_interval(unc["ranks"], unc["units"], members, code)
        rows.append({"comparison": label, "rank": rank, "of": of,
                     "lo": iv["lo"] if iv else np.nan, "hi": iv["hi"] if iv else np.nan,
                     "definition": definition})
    return pd.DataFrame(rows, columns=["comparison", "rank", "of", "lo", "hi", "definition"])


def comparison_sentences(name: str, table: pd.DataFrame, n_samples: int | None = None) -> list[str]:
    """One sentence per comparison: "Ranked 45th of 360 nationally (between 30th and 70th ...)"."""
    out = []
    for r in table.itertuples(index=False):
        s = f"{name} ranks {ordinal(r.rank)} of {r.of} {r.comparison}"
        if np.isfinite(r.lo):
            lo, hi = int(r.lo), int(r.hi)
            s += (f" (between {ordinal(lo)} and {ordinal(hi)} in 90% of the sampled methods)"
                  if lo != hi else f" ({ordinal(lo)} in at least 90% of the sampled methods)")
        out.append(s + ".")
    return out


def itl1_data_dir(data) -> Path | None:
    """The ITL1 (LDI) edition a district edition sits in (``<data>/editions/lad`` ->
    ``<data>``), else the shipped ``data/``; None when neither holds the LDI tables."""
    here = Path(data.data_dir).resolve()
    candidates = []
    if here.parent.name == "editions":
        candidates.append(here.parent.parent)
    from ..data.load import REPO_ROOT

    candidates.append(REPO_ROOT / "data")
    for c in candidates:
        if (c / "edition.yaml").is_file() and (c / "areas.csv").is_file() and c != here:
            return c
    return None


def region_context(data, code: str, spec=None) -> pd.DataFrame | None:
    """The region's own component scores (ITL1 edition) for components not measured locally.

    Context only, labelled as the region's: never part of the district's score. None when the
    ITL1 edition or the region's scores are not available.

    Returns
    -------
    DataFrame or None
        ``component``, ``region``, ``score`` (0-100 among the 12 regions), ``rank`` (of 12).
    """
    folder = itl1_data_dir(data)
    if folder is None:
        return None
    itl1 = str(data.areas.set_index("area_code").at[code, "itl1_code"])
    try:
        ldi, res = _edition_index(folder, spec)
        if itl1 not in set(ldi.area_codes):
            return None
    except Exception:  # noqa: BLE001 - context only: leave it out rather than fail the briefing
        return None
    measured = _measured(data)
    region_name = dict(zip(ldi.areas["area_code"], ldi.areas["name"]))[itl1]
    rows = []
    for cid, cname in data.components.items():
        if measured.get(cid) or cid not in res.component_scores.columns:
            continue
        s = res.component_scores.loc[itl1, cid]
        if not np.isfinite(s):
            continue
        rk = res.component_ranks.loc[itl1, cid] if cid in res.component_ranks.columns else np.nan
        rows.append({"component": cname, "region": region_name, "score": float(s),
                     "rank": int(rk) if np.isfinite(rk) else None})
    return pd.DataFrame(rows) if rows else None


def local_briefing(data, result, code: str, unc: dict | None, spec=None,
                   coverage_result=None) -> dict:
    """Everything a district briefing adds: coverage, comparisons, region context.

    ``coverage_result`` (default ``result``) is the index the coverage rows are read from: for
    a district the screen leaves out, an index that holds it (its comparisons stay empty).

    Returns
    -------
    dict
        ``coverage`` (:func:`coverage`), ``comparisons`` (:func:`comparisons`),
        ``region_context`` (:func:`region_context`, or None), ``region`` (the region's name),
        ``level`` ("district level").
    """
    a = data.areas.set_index("area_code")
    return {"coverage": (coverage(data, result, code) if coverage_result is None else
                         coverage(data, coverage_result, code, scored=False)),
            "comparisons": comparisons(data, result, code, unc),
            "region_context": region_context(data, code, spec),
            "region": str(a.at[code, "group"]) if "group" in a.columns else "",
            "level": level_phrase(data)}


# ---------------------------------------------------------------------------------------------
# A region's districts, for the LDI regional briefing
# ---------------------------------------------------------------------------------------------

_EDITION_INDEX: dict = {}


def _edition_index(folder: Path, spec=None):
    """Another edition (the district edition beside the LDI data, or the ITL1 edition above a
    district edition) and its index under ``spec`` (default spec when None), loaded once per
    process while its files and the spec are unchanged: a warm kernel briefs unit after unit
    from the same editions. Nothing here is handed out for a notebook to change: the callers
    copy what they show. At most four editions/specs are kept."""
    import json

    from ..data.load import load_data
    from ..method.index import build_index
    from ..method.spec import coerce_spec

    stamp = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                  for p in sorted(folder.iterdir()) if p.is_file())
    spec_key = json.dumps(coerce_spec(spec).to_dict(), sort_keys=True, default=str)
    key = (str(folder.resolve()), stamp, spec_key)
    if key not in _EDITION_INDEX:
        edition = load_data(folder)
        if len(_EDITION_INDEX) >= 4:
            _EDITION_INDEX.pop(next(iter(_EDITION_INDEX)))
        _EDITION_INDEX[key] = (edition, build_index(edition, spec))
    return _EDITION_INDEX[key]


def prewarm_editions(data_dir) -> None:
    """Load an edition and the one a briefing reads beside it (the district edition under the
    LDI data, or the ITL1 edition above a district edition) with its default index, into this
    process's memos (:func:`ldi_helpers.data.load.load_data`, :func:`_edition_index`)."""
    from ..data.load import load_data

    data = load_data(Path(data_dir))
    for folder in (itl1_data_dir(data), district_data_dir(data)):
        if folder is not None:
            _edition_index(folder)


def district_data_dir(data) -> Path | None:
    """The district edition beside an LDI edition (``<data_dir>/editions/lad``), or None."""
    folder = Path(data.data_dir) / DISTRICT_EDITION
    return folder if (folder / "areas.csv").is_file() else None


def district_section(data, code: str, top: int = 3) -> dict | None:
    """The districts of one ITL1 region, from the district edition beside the LDI data.

    Parameters
    ----------
    data : LDIData
        The LDI (ITL1) edition; the district edition is ``<data_dir>/editions/lad``.
    code : str
        ITL1 code of the region.
    top : int
        How many best and weakest districts to list.

    Returns
    -------
    dict or None
        ``best``/``weakest`` (DataFrames: name, rank, score), ``n_ranked``, ``n_national``,
        ``spread`` (min, median, max score, best and worst national rank), ``scores`` (Series
        by code), ``tiles`` (areas rows of the region), ``coverage`` (sentence), ``edition``;
        None when there is no district edition or no district of the region is ranked.
    """
    folder = district_data_dir(data)
    if folder is None:
        return None
    lad, res = _edition_index(folder)
    a = lad.areas.set_index("area_code")
    members = [c for c in lad.area_codes if str(a.at[c, "itl1_code"]) == code]
    ranks = res.ranks.dropna()
    ranked = [c for c in members if c in ranks.index]
    if not ranked:
        return None
    names = a["name"]
    table = pd.DataFrame({"name": [names[c] for c in ranked],
                          "rank": [int(ranks[c]) for c in ranked],
                          "score": [float(res.composite[c]) for c in ranked]}, index=ranked)
    table = table.sort_values(["rank", "name"])
    k = min(top, len(table) // 2) or 1
    scores = table["score"]
    measured = [n for c, n in lad.components.items() if _measured(lad).get(c)]
    unmeasured = [n for c, n in lad.components.items() if not _measured(lad).get(c)]
    cov = (f"District scores use only {', '.join(measured)}; {', '.join(unmeasured)} "
           "are not measured at district level, so the district index is not the regional "
           "index in miniature.")
    missing = [names[c] for c in members if c not in ranks.index]
    if missing:
        cov += f" Not ranked (too little data): {', '.join(missing)}."
    return {"best": table.head(k), "weakest": table.tail(k).iloc[::-1], "table": table,
            "n_ranked": len(table), "n_members": len(members), "n_national": int(len(ranks)),
            "spread": {"min": float(scores.min()), "median": float(scores.median()),
                       "max": float(scores.max()), "best_rank": int(table["rank"].min()),
                       "worst_rank": int(table["rank"].max())},
            "scores": res.composite.reindex(members), "tiles": lad.areas[
                lad.areas["area_code"].isin(members)].reset_index(drop=True),
            "coverage": cov, "edition": str(lad.edition.get("name") or ""),
            "units": unit_words(lad)["units"]}


def district_sentence(region: str, s: dict) -> str:
    """The region's districts in words: how many, best, weakest, spread."""
    def items(df):
        return ", ".join(f"{r.name} ({ordinal(r.rank)})" for r in df.itertuples())
    sp = s["spread"]
    return (f"{s['n_ranked']} of {region}'s {s['n_members']} {s['units']} are ranked on the "
            f"district index (national ranks of {s['n_national']}). Strongest: "
            f"{items(s['best'])}; weakest: {items(s['weakest'])}. Scores range from "
            f"{sp['min']:.1f} to {sp['max']:.1f} (median {sp['median']:.1f}, 0-100 scale), "
            f"national ranks from {ordinal(sp['best_rank'])} to {ordinal(sp['worst_rank'])}.")


# ---------------------------------------------------------------------------------------------
# Tables and figures for the briefing notebook (the notebook only calls these)
# ---------------------------------------------------------------------------------------------

def coverage_table(local: dict) -> pd.DataFrame:
    """The coverage rows as a two-column reader table (Component, What the score uses)."""
    c = local["coverage"]
    return pd.DataFrame({"Component": c["component"],
                         "In this briefing": [s.split(": ", 1)[1] for s in c["sentence"]]})


def comparisons_table(local: dict) -> pd.DataFrame:
    """The three comparisons as a reader table (rank, of, likely range, who is compared)."""
    t = local["comparisons"]
    rng = ["n/a" if not np.isfinite(lo) else (ordinal(int(lo)) if lo == hi else
           f"{ordinal(int(lo))} to {ordinal(int(hi))}") for lo, hi in zip(t["lo"], t["hi"])]
    return pd.DataFrame({"Compared": [c[:1].upper() + c[1:] for c in t["comparison"]],
                         "Rank": [ordinal(int(r)) for r in t["rank"]], "Of": t["of"],
                         "Likely range (5th-95th percentile)": rng,
                         "Who is compared": t["definition"]})


def region_context_table(local: dict) -> pd.DataFrame | None:
    """The region's own scores for the components not measured locally, clearly labelled."""
    rc = local.get("region_context")
    if rc is None or rc.empty:
        return None
    return pd.DataFrame({"Component (not measured locally)": rc["component"],
                         f"{rc['region'].iloc[0]}'s score (region, 0-100)":
                             [f"{s:.1f}" for s in rc["score"]],
                         "Region's rank of 12": [ordinal(r) if r else "n/a" for r in rc["rank"]]})


def district_table(s: dict) -> pd.DataFrame:
    """A region's best and weakest districts as one reader table."""
    rows = [("strongest", r) for r in s["best"].itertuples()] + [
        ("weakest", r) for r in s["weakest"].itertuples()]
    return pd.DataFrame({"": [k for k, _ in rows], "District": [r.name for _, r in rows],
                         f"National rank (of {s['n_national']})": [ordinal(r.rank) for _, r in rows],
                         "Score (0-100)": [f"{r.score:.1f}" for _, r in rows]})


def district_map(s: dict, region: str):
    """A small hex map of the region's districts coloured by district index score."""
    from .plots import plot_tile_map

    return plot_tile_map(s["scores"], f"District index score, {region} (0-100)", "score",
                         f"{s['edition']}: ONS, Ofcom", tiles=s["tiles"],
                         units=f"local authority districts of {region}")


def local_text(name: str, local: dict) -> str:
    """The district briefing's coverage and comparisons as plain text (for nbval)."""
    lines = list(local["coverage"]["sentence"])
    lines += comparison_sentences(name, local["comparisons"])
    rc = local.get("region_context")
    if rc is not None:
        lines += [f"{r.region} (region) {r.component}: {r.score:.1f}" for r in rc.itertuples()]
    return "\n".join(lines)
