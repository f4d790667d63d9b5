"""Readers for ONS Explore Local Statistics (ELS) files (``raw/explore-local-statistics-data``).

Each ELS folder holds ``<name>.csv`` (long table: areacd, areanm, geography, indicator, period,
observation, unit, ...) and ``<name>.json`` (ONS metadata: publisher, source URL, source date,
caveats). ITL1 rows are found as English regions (``Region``, GSS E12...), the three devolved nations
(``Nation``, GSS W92/S92/N92) or ``ITL Level 1`` rows (TLC..TLN), depending on the file.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .curate_common import (
    OGL, OGL_ATTRIBUTION, Indicator, Population, Source, itl1_code, period_from_iso,
    raw_error, read_csv_checked, rel, require_file, source_commit, to_number, values_frame,
)

ELS = Path("explore-local-statistics-data")
_REPO = "github.com/ONSdigital/explore-local-statistics-data"
_COLUMNS = ["areacd", "areanm", "geography", "indicator", "period", "observation", "unit"]
_ITL1_GEOGRAPHIES = {"Region", "Nation", "ITL Level 1"}
_PUBLISHER = {"Office for National Statistics": "ONS", "Ofcom": "Ofcom"}


@dataclass(frozen=True)
class ElsRows:
    """ITL1 rows of one ELS indicator: ``rows`` = (area_code, period, population_year, value)."""

    rows: list[tuple[str, str, int | None, float]]
    source: Source
    raw_path: str
    experimental: bool


def _metadata(path: Path, label: str) -> dict:
    """ONS metadata for ``label`` from an ELS .json (shared keys merged with the indicator's)."""
    require_file(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
        meta = doc["ess-beta-metadata"]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
        raise raw_error(path, "expected JSON with an 'ess-beta-metadata' object") from None
    merged = dict(meta.get("shared", {})) if isinstance(meta.get("shared"), dict) else {}
    merged.update(meta.get(label, {}) if isinstance(meta.get(label), dict) else
                  {k: v for k, v in meta.items() if not isinstance(v, dict)})
    for key in ("sourceURL", "sourceOrg", "sourceDate"):
        if not merged.get(key):
            raise raw_error(path, f"expected metadata key {key!r} for indicator {label!r}")
    return merged


def _iso_date(ddmmyyyy: str, path: Path) -> str:
    """``"13/05/2026"`` -> ``"2026-05-13"``."""
    parts = str(ddmmyyyy).strip().split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise raw_error(path, f"expected sourceDate as DD/MM/YYYY, found {ddmmyyyy!r}")
    return f"{parts[2]}-{parts[1]}-{parts[0]}"


def read_els(raw_dir: Path, shared_dir: Path, folder: str, label: str, unit: str) -> ElsRows:
    """Read the ITL1 rows of one indicator from an ELS folder.

    Parameters
    ----------
    raw_dir, shared_dir : Path
        The shared ``data/raw`` folder and its parent.
    folder : str
        ELS folder name, e.g. ``"gigabit-capable-broadband"``.
    label : str
        Value of the ``indicator`` column to keep.
    unit : str
        Expected ``unit`` (``"%"`` or ``"£ million"``); a different unit means the layout changed.

    Returns
    -------
    ElsRows
        Values as published (no rounding), periods converted by
        :func:`~ldi_helpers.data.curate_common.period_from_iso`.
    """
    csv_path = raw_dir / ELS / folder / f"{folder}.csv"
    json_path = raw_dir / ELS / folder / f"{folder}.json"
    df = read_csv_checked(csv_path, _COLUMNS)
    meta = _metadata(json_path, label)
    sel = df[(df["indicator"] == label) & df["geography"].isin(_ITL1_GEOGRAPHIES)]
    rows, seen = [], set()
    for r in sel.itertuples(index=False):
        area = itl1_code(r.areacd)
        if area is None:  # England, UK, GB and other aggregates
            continue
        if r.unit != unit:
            raise raw_error(csv_path, f"expected unit {unit!r} for {label!r}, found {r.unit!r}")
        period, year = period_from_iso(r.period, csv_path)
        if (area, period) in seen:
            raise raw_error(csv_path, f"expected one row per area and period, found two for "
                                      f"{area} {period}")
        seen.add((area, period))
        if str(r.observation).strip() == "":
            continue  # missing is missing
        rows.append((area, period, year,
                     to_number(r.observation, csv_path, f"{r.areacd}/{r.period}")))
    if not rows:
        raise raw_error(csv_path, f"expected ITL1 rows (Region/Nation/ITL Level 1) for indicator "
                                  f"{label!r}")
    publisher = _PUBLISHER.get(meta["sourceOrg"], meta["sourceOrg"])
    sid = "els_" + folder.replace("-", "_")
    source = Source(
        sid, publisher, f"{meta.get('label', label)}: {meta.get('subtitle', '')}".strip(": "),
        _REPO, source_commit(raw_dir / ELS / "SOURCE.txt"), meta["sourceURL"], OGL,
        f"Source: {meta['sourceOrg']}, via ONS Explore Local Statistics. {OGL_ATTRIBUTION}",
        (rel(csv_path, shared_dir), rel(json_path, shared_dir)),
        _iso_date(meta["sourceDate"], json_path),
    )
    return ElsRows(rows, source, rel(csv_path, shared_dir),
                   str(meta.get("experimentalStatistic", "")).upper() == "T")


def _scotland_5g_sentence(rows: ElsRows, shared_dir: Path) -> str:
    """Scotland's 5G area coverage (this file) beside Ofcom's premises figure, each with its date.

    Both numbers are read, not typed: the area share from the ELS rows (Scotland, ``S92000003``)
    and the premises share from ``figures_from_publications.csv`` (Ofcom Connected Nations 2024
    Scotland). They are different measures at different dates, and the sentence says so.
    """
    from .curate_published import FIGURES

    area = [(p, v) for a, p, _y, v in rows.rows if a == "TLM"]
    path = shared_dir / FIGURES
    figs = read_csv_checked(path, ["itl1_code", "indicator", "value", "unit", "year"])
    prem = figs[(figs["itl1_code"] == "TLM") & (figs["unit"] == "% of premises")
                & figs["indicator"].str.startswith("5G outdoor coverage")]
    if len(area) != 1 or len(prem) != 1:
        raise raw_error(path, "expected one Scotland 5G area figure in the ELS file and one "
                              "Scotland '5G outdoor coverage ... % of premises' row")
    (period, pct_area), p = area[0], prem.iloc[0]
    month = pd.Period(period, freq="M").strftime("%B %Y")
    return (f"Scotland's 5G coverage is {pct_area:g}% of its land area in this data "
            f"({month}), while Ofcom's Connected Nations report for Scotland gave "
            f"{to_number(p['value'], path, 'TLM 5G premises'):g}% of premises in {p['year']}: "
            "different measures at different dates, shown only to say that the area and premises "
            "shares differ widely.")


def _plain(rows: ElsRows) -> pd.DataFrame:
    return values_frame([(a, p, v) for a, p, _y, v in rows.rows])


_OSID = "official statistics in development (ONS flags them experimental)."


def els_indicators(raw_dir: Path, shared_dir: Path, pop2024: Population
                   ) -> tuple[list[tuple[Indicator, pd.DataFrame]], list[Source]]:
    """All indicators read from ELS files, with their sources.

    Rates published as percentages are kept as published. Amounts in £ million are turned into
    £ per resident with the total resident population of the matching year from the ONS April 2024
    regional-accounts release (Table 6, 1998-2022); a financial year ``2021/22`` uses mid-2021.
    Periods after 2022 have no population in that release: they are not divided, and every amount
    is also kept unchanged as a ``context`` indicator (£ million) so that nothing is lost.
    """
    out: list[tuple[Indicator, pd.DataFrame]] = []
    srcs: list[Source] = []
    release = "April 2024 release (ons_population_apr2024, Table 6)"
    denom_year = f"ONS total resident population (mid-year), same year, {release}"
    denom_fy = (f"ONS total resident population (mid-year) of the financial year's first "
                f"calendar year (2021/22 -> mid-2021), {release}")
    pop_raw = "raw/RegionalEconomicTools/Table 6 Total resident population numbers persons " \
              "Apr2024.csv"

    # --- digital infrastructure: Ofcom Connected Nations via ELS, January 2026 -------------
    infra = [
        ("gigabit-capable-broadband", "Gigabit capable broadband", "gigabit_broadband_pct",
         "Premises with gigabit-capable broadband available", 1, "% of premises",
         "Availability, not take-up. Some ELS figures are aggregated from smaller areas and may "
         "differ slightly from Ofcom's own."),
        ("premises-below-30", "Premises below 30Mbps", "premises_below_30mbps_pct",
         "Premises that cannot get a broadband service above 30 Mbit/s", -1, "% of premises",
         "Lower is better. Some ELS figures are aggregated and may differ slightly from "
         "Ofcom's own."),
        ("network-coverage-4g", "4G coverage", "coverage_4g_area_pct",
         "Land area with outdoor 4G signal from at least one mobile operator", 1, "% of land area",
         "Share of land area, not of premises or people: rural, sparsely populated regions "
         "(Scotland, Wales) score low even where most people are covered. Outdoor signal, "
         "threshold -105 dBm."),
        ("network-coverage-5g", "5G coverage", "coverage_5g_area_pct",
         "Land area with outdoor 5G signal from at least one mobile operator", 1, "% of land area",
         "Share of land area, not of premises: {scotland_5g} Outdoor signal, threshold "
         "-110 dBm."),
    ]
    for folder, label, ind_id, name, direction, unit, caveat in infra:
        r = read_els(raw_dir, shared_dir, folder, label, "%")
        raw_path = r.raw_path
        if ind_id == "coverage_5g_area_pct":
            caveat = caveat.format(scotland_5g=_scotland_5g_sentence(r, shared_dir))
            raw_path += "; figures_from_publications.csv (the premises figure in the caveat)"
        srcs.append(r.source)
        out.append((Indicator(ind_id, name, "digital_infrastructure", direction, unit,
                              "none (published percentage)", r.source,
                              f"Ofcom Connected Nations data as of January 2026. {caveat}",
                              False, raw_path), _plain(r)))

    # --- digital skills proxy: RQF level 3+ ---------------------------------------------
    r = read_els(raw_dir, shared_dir, "qualifications-level-3-or-above",
                 "Level 3 or above qualifications (Great Britain)", "%")
    srcs.append(r.source)
    out.append((Indicator(
        "qualifications_rqf3_pct", "People aged 16-64 with RQF level 3 or above qualifications",
        "digital_skills", 1, "% of people aged 16-64", "none (published percentage)", r.source,
        "Proxy: general qualifications, not digital skills. Annual Population Survey, "
        + _OSID + " Northern Ireland is the national figure included by ONS. Updates suspended "
        "until the APS reweighting (2026).", True, r.raw_path), _plain(r)))

    # --- amounts in £ million: per head + context totals --------------------------------
    amounts = [
        ("research-and-development-business", "Business expenditure on research and development",
         "berd", "research_innovation", False,
         "Business enterprise R&D expenditure (BERD)",
         "Regional BERD mixes reported R&D locations (large firms) with head-office allocation "
         "(small firms) and varies from year to year; 2022 differs between ONS releases."),
        ("research-and-development-public-funded",
         "Public-funded expenditure on research and development", "public_rd",
         "research_innovation", False,
         "Public-funded gross R&D expenditure (capital and non-capital)",
         "Financial years (2021/22 = April 2021 to March 2022, divided by the mid-2021 "
         "population); " + _OSID),
        ("foreign-direct-investment", "Inward foreign direct investment", "fdi_inward",
         "finance_investment", True,
         "Inward foreign direct investment position (stock at end of year), all industries",
         "Proxy for investment in digital businesses: inward FDI into all industries, not "
         "digital or tech only (no sub-national FDI by industry is published in this source). "
         "Position (stock), not annual flow; sub-national FDI is " + _OSID
         + " ONS advises caution comparing 2020 with earlier years."),
        ("total-value-of-uk-exports", "Value of UK exports", "exports", "trade_support", True,
         "Exports of goods and services",
         "Proxy: exports are an outcome of trade activity, not a measure of trade support. "
         + _OSID),
    ]
    for folder, label, stem, component, proxy, name, caveat in amounts:
        r = read_els(raw_dir, shared_dir, folder, label, "£ million")
        srcs.append(r.source)
        per_head = pop2024.per_head(r.rows, scale=1e6)
        dropped = sorted({p for _a, p, _y, _v in r.rows} - set(per_head["period"]))
        note = (f" Periods without a population figure in the April 2024 release "
                f"({', '.join(dropped)}) are not divided; their totals are in {stem}_total_gbp_"
                f"million.") if dropped else ""
        out.append((Indicator(f"{stem}_per_head", f"{name} per resident", component, 1,
                              "GBP per resident",
                              denom_fy if "/" in per_head["period"].iloc[0] else denom_year,
                              r.source,
                              caveat + note, proxy, f"{r.raw_path}; {pop_raw}"), per_head))
        out.append((Indicator(f"{stem}_total_gbp_million", f"{name}, total", "context", 1,
                              "GBP million", "none (total as published)", r.source,
                              caveat + " Total, kept as context: not comparable across regions "
                              "of different size.", proxy, r.raw_path), _plain(r)))
    return out, srcs
