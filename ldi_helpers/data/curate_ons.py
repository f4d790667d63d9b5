"""Readers for the ONS tables re-published in third-party repositories.

- Regional accounts (``raw/ukcompare``, April 2023 release; ``raw/RegionalEconomicTools``, April 2024
  release): resident population by year, and GVA by industry (Table 1c) for the ICT panel and the
  digital-adoption and data-ecosystem proxies.
- Mid-2020 population by single year of age (``raw/myrmidon``).
- Internet users 2020 workbook, table 5B (``raw/Lambeth-Open-Data.github.io``).
- The hex tile layout of the 12 regions (``raw/yff-data``, Open Innovations).
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .curate_common import (
    AREA_NAME, ITL1_ORDER, OGL, OGL_ATTRIBUTION, Indicator, Population, Source, itl1_code,
    raw_error, read_csv_checked, rel, require_file, source_commit, to_number, values_frame,
)
from .geography import REGIONS

# --------------------------------------------------------------------------------------------
# Raw file locations (relative to raw_dir)
# --------------------------------------------------------------------------------------------
TABLE17 = Path("ukcompare/Table 17 Total resident population numbers persons.csv")
TABLE1C = Path("ukcompare/Table 1c ITL1 UK current price estimates pounds million.csv")
TABLE6_2024 = Path("RegionalEconomicTools/Table 6 Total resident population numbers persons "
                   "Apr2024.csv")
MYE2020 = Path("myrmidon/ONS2020_PopnByAgeYearEstimate.csv")
INTERNET = Path("Lambeth-Open-Data.github.io/internetusers2020.xlsx")
HEXJSON = Path("yff-data/uk-nuts1.hexjson")

RELEASE_2023 = "ONS regional accounts, April 2023 (Table 17)"
RELEASE_2024 = "ONS regional accounts, April 2024 (Table 6)"
RELEASE_MYE2020 = "ONS mid-2020 population estimates (MYE2)"
RELEASE_GVA_2023 = "ONS regional GVA(B) by industry, April 2023 (Table 1c)"

#: SIC07 rows of Table 1c kept in the ICT panel: raw code -> panel code.
PANEL_SIC = {"Total": "Total", "J (58-63)": "J", "58": "58", "59": "59", "60": "60",
             "61": "61", "62": "62", "63": "63"}
GVA_YEARS = tuple(range(1998, 2022))


def sources(raw_dir: Path, shared_dir: Path) -> dict[str, Source]:
    """The ONS sources read by this module, keyed by source_id."""
    uk_commit = source_commit(raw_dir / "ukcompare/SOURCE.txt")
    ret_commit = source_commit(raw_dir / "RegionalEconomicTools/SOURCE.txt")
    return {
        "ons_gva_industry_apr2023": Source(
            "ons_gva_industry_apr2023", "ONS",
            "Regional gross value added (balanced) by industry: all ITL regions, Table 1c "
            "(ITL1 current price estimates, pounds million), April 2023 release",
            "github.com/DanOlner/ukcompare", uk_commit,
            "https://www.ons.gov.uk/economy/grossvalueaddedgva/datasets/"
            "nominalandrealregionalgrossvalueaddedbalancedbyindustry",
            OGL, f"Source: Office for National Statistics. {OGL_ATTRIBUTION}",
            (rel(raw_dir / TABLE1C, shared_dir),), "2023-04-25"),
        "ons_population_apr2023": Source(
            "ons_population_apr2023", "ONS",
            "Regional gross value added (balanced) per head and income components, Table 17 "
            "(total resident population, persons), April 2023 release",
            "github.com/DanOlner/ukcompare", uk_commit,
            "https://www.ons.gov.uk/economy/grossvalueaddedgva/datasets/"
            "regionalgrossvalueaddedbalancedperheadandincomecomponents",
            OGL, f"Source: Office for National Statistics. {OGL_ATTRIBUTION}",
            (rel(raw_dir / TABLE17, shared_dir),), "2023-04-25"),
        "ons_population_apr2024": Source(
            "ons_population_apr2024", "ONS",
            "Regional gross domestic product: all ITL regions, Table 6 (total resident "
            "population, persons), April 2024 release",
            "github.com/DanOlner/RegionalEconomicTools", ret_commit,
            "https://www.ons.gov.uk/economy/grossdomesticproductgdp/datasets/"
            "regionalgrossdomesticproductallnutslevelregions",
            OGL, f"Source: Office for National Statistics. {OGL_ATTRIBUTION}",
            (rel(raw_dir / TABLE6_2024, shared_dir),), "2024-04"),
        "ons_mye2_mid2020": Source(
            "ons_mye2_mid2020", "ONS",
            "Population estimates for the UK, England and Wales, Scotland and Northern Ireland: "
            "mid-2020 (MYE2, persons by single year of age)",
            "github.com/francisbarton/myrmidon", source_commit(raw_dir / "myrmidon/SOURCE.txt"),
            "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/"
            "populationestimates/datasets/"
            "populationestimatesforukenglandandwalesscotlandandnorthernireland",
            OGL, f"Source: Office for National Statistics. {OGL_ATTRIBUTION}",
            (rel(raw_dir / MYE2020, shared_dir),), ""),
        "ons_internet_users_2020": Source(
            "ons_internet_users_2020", "ONS",
            "Internet users, UK: 2020 (table 5B, recent and lapsed internet users and "
            "non-users by NUTS1/NUTS2 region, %)",
            "github.com/StMannyAkinso/Lambeth-Open-Data.github.io",
            source_commit(raw_dir / "Lambeth-Open-Data.github.io/SOURCE.txt"),
            "https://www.ons.gov.uk/businessindustryandtrade/itandinternetindustry/datasets/"
            "internetusers",
            OGL, f"Source: Office for National Statistics, Labour Force Survey. {OGL_ATTRIBUTION}",
            (rel(raw_dir / INTERNET, shared_dir),), "2021-04-06"),
        "openinnovations_hexjson": Source(
            "openinnovations_hexjson", "Open Innovations",
            "UK NUTS1 / ITL1 HexJSON tile layout (uk-nuts1.hexjson)",
            "github.com/open-innovations/yff-data", source_commit(raw_dir / "yff-data/SOURCE.txt"),
            "https://github.com/open-innovations/yff-data",
            "MIT (Copyright (c) 2022 Open Innovations)",
            "Hex layout: Open Innovations (MIT licence)",
            (rel(raw_dir / HEXJSON, shared_dir),), ""),
    }


# --------------------------------------------------------------------------------------------
# Population
# --------------------------------------------------------------------------------------------
def _wide_itl1_table(path: Path, code_col: str, years: range | tuple[int, ...]
                     ) -> dict[tuple[str, int], float]:
    """Read an ONS regional-accounts CSV (one row per area, one column per year) for ITL1 rows.

    Returns ``{(itl1_code, year): value}`` for the 12 regions; raises if any region or year is
    missing or a cell is not a number.
    """
    cols = [code_col] + [str(y) for y in years]
    df = read_csv_checked(path, cols)
    out: dict[tuple[str, int], float] = {}
    for code in ITL1_ORDER:
        rows = df[df[code_col].str.strip() == code]
        if len(rows) != 1:
            raise raw_error(path, f"expected exactly one row with {code_col} {code!r}, "
                                  f"found {len(rows)}")
        row = rows.iloc[0]
        for y in years:
            out[(code, y)] = to_number(row[str(y)], path, f"{code}/{y}")
    return out


def read_population_release(raw_dir: Path, which: str) -> Population:
    """Total resident population (persons) of the 12 regions from one ONS release.

    Parameters
    ----------
    raw_dir : Path
        The shared ``data/raw`` folder.
    which : {"apr2023", "apr2024"}
        ``"apr2023"``: ukcompare Table 17, 1998-2021 (before the Census 2021 rebase of England and
        Wales); ``"apr2024"``: RegionalEconomicTools Table 6, 1998-2022 (rebased).
    """
    if which == "apr2023":
        path, years, release, sid = raw_dir / TABLE17, range(1998, 2022), RELEASE_2023, \
            "ons_population_apr2023"
    elif which == "apr2024":
        path, years, release, sid = raw_dir / TABLE6_2024, range(1998, 2023), RELEASE_2024, \
            "ons_population_apr2024"
    else:
        raise ValueError(f"unknown population release {which!r}; valid: 'apr2023', 'apr2024'")
    values = _wide_itl1_table(path, "ITL code", years)
    table = pd.DataFrame(
        [(a, y, int(v)) for (a, y), v in values.items()],
        columns=["area_code", "year", "population"],
    )
    return Population(table, release, sid)


def read_mid2020_by_age(raw_dir: Path) -> pd.DataFrame:
    """Mid-2020 population of the 12 regions: all ages and aged 16-64 (persons).

    The 16-64 figure is the sum of the single-year-of-age columns 16 to 64 inclusive. The file is
    latin-1 encoded (one non-breaking space in a local-authority name).

    Returns
    -------
    DataFrame
        ``area_code, population_total, population_16_64`` (integers), ITL1 order.
    """
    path = raw_dir / MYE2020
    ages = [str(a) for a in range(0, 90)] + ["90+"]
    df = read_csv_checked(path, ["Code", "Name", "Geography", "All ages", *ages],
                          encoding="latin-1")
    rows = []
    for region in REGIONS:
        match = df[df["Code"].str.strip() == region.gss_code]
        if len(match) != 1:
            raise raw_error(path, f"expected exactly one row with Code {region.gss_code!r}, "
                                  f"found {len(match)}")
        r = match.iloc[0]
        total = int(to_number(r["All ages"], path, f"{region.gss_code}/All ages"))
        by_age = [int(to_number(r[a], path, f"{region.gss_code}/{a}")) for a in ages]
        if sum(by_age) != total:
            raise raw_error(path, f"expected single ages of {region.gss_code} to sum to 'All "
                                  f"ages' {total}, got {sum(by_age)}")
        working = sum(int(to_number(r[str(a)], path, f"{region.gss_code}/{a}"))
                      for a in range(16, 65))
        rows.append((region.itl1_code, total, working))
    return pd.DataFrame(rows, columns=["area_code", "population_total", "population_16_64"])


def population_table(pop2023: Population, pop2024: Population, mid2020: pd.DataFrame
                     ) -> pd.DataFrame:
    """The ``population.csv`` table: both regional-accounts releases plus mid-2020 by age band."""
    parts = []
    for pop in (pop2023, pop2024):
        t = pop.table.copy()
        t["age_band"] = "all_ages"
        t["release"] = pop.release
        t["source_id"] = pop.source_id
        parts.append(t)
    for band, col in (("all_ages", "population_total"), ("16-64", "population_16_64")):
        t = mid2020[["area_code", col]].rename(columns={col: "population"})
        t["year"] = 2020
        t["age_band"] = band
        t["release"] = RELEASE_MYE2020
        t["source_id"] = "ons_mye2_mid2020"
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype("int64")
    out["population"] = out["population"].astype("int64")
    return out[["area_code", "year", "age_band", "population", "release", "source_id"]]


# --------------------------------------------------------------------------------------------
# GVA by industry (Table 1c, April 2023)
# --------------------------------------------------------------------------------------------
def read_ict_gva_panel(raw_dir: Path) -> pd.DataFrame:
    """GVA (balanced, current basic prices, £ million) of all industries, SIC07 section J and
    divisions 58-63, for the 12 ITL1 regions, 1998-2021 (ONS April 2023 release, Table 1c).

    Returns
    -------
    DataFrame
        Columns of ``ict_gva_panel.csv``. ``sic07_code`` is ``"Total"``, ``"J"`` (the source's
        ``"J (58-63)"``) or the division number; ``sic07_description`` is the source's text.
    """
    path = raw_dir / TABLE1C
    cols = ["ITL region code", "ITL region name", "SIC07 code", "SIC07 description"]
    df = read_csv_checked(path, cols + [str(y) for y in GVA_YEARS])
    rows = []
    for code in ITL1_ORDER:
        for raw_code, panel_code in PANEL_SIC.items():
            match = df[(df["ITL region code"].str.strip() == code)
                       & (df["SIC07 code"].str.strip() == raw_code)]
            if len(match) != 1:
                raise raw_error(path, f"expected exactly one row for region {code!r} and SIC07 "
                                      f"code {raw_code!r}, found {len(match)}")
            r = match.iloc[0]
            for y in GVA_YEARS:
                rows.append((code, AREA_NAME[code], panel_code, r["SIC07 description"].strip(),
                             y, to_number(r[str(y)], path, f"{code}/{raw_code}/{y}"),
                             RELEASE_GVA_2023, "ons_gva_industry_apr2023"))
    return pd.DataFrame(rows, columns=["area_code", "area_name", "sic07_code",
                                       "sic07_description", "year", "gva_gbp_million",
                                       "release", "source_id"])


def ons_accounts_names(raw_dir: Path) -> dict[str, str]:
    """Region names as ONS regional accounts print them (Table 1c), e.g. ``TLH -> "East"``."""
    path = raw_dir / TABLE1C
    df = read_csv_checked(path, ["ITL region code", "ITL region name"])
    out = {}
    for code in ITL1_ORDER:
        names = df.loc[df["ITL region code"].str.strip() == code, "ITL region name"].str.strip()
        if names.nunique() != 1:
            raise raw_error(path, f"expected one name for region {code!r}, found "
                                  f"{sorted(names.unique())}")
        out[code] = names.iloc[0]
    return out


#: Division of section J counted by the Data Ecosystems proxy and therefore left out of the
#: Digital Adoption proxy (so that no GVA is counted in two components).
DATA_DIVISION = "63"
#: Divisions of section J in the Digital Adoption proxy (J less division 63).
ADOPTION_DIVISIONS = ("58", "59", "60", "61", "62")


def j_less_63(panel: pd.DataFrame) -> pd.Series:
    """GVA of section J less division 63 (£ million) by (area_code, year).

    Computed as the published section J total minus the published division 63, both from the
    same Table 1c. Every Table 1c figure is rounded to £1m independently, so J less 63 is within
    £1m of the unrounded value, while the sum of the five published divisions 58-62 carries five
    roundings (up to £2.5m); the two differ by at most a few £m (counted in the data log).
    """
    gva = panel.set_index(["area_code", "sic07_code", "year"])["gva_gbp_million"]
    j = gva.xs("J", level="sic07_code")
    d63 = gva.xs(DATA_DIVISION, level="sic07_code")
    return (j - d63).rename("gva_gbp_million")


def j_rounding_check(panel: pd.DataFrame) -> dict[str, float | int]:
    """How far J less 63 is from the sum of divisions 58-62 in the published (rounded) table.

    Returns
    -------
    dict
        ``cells`` (region-years), ``differ`` (cells where the two differ), ``max_abs_gbp_million``
        (largest absolute difference, £ million).
    """
    gva = panel.set_index(["area_code", "sic07_code", "year"])["gva_gbp_million"]
    divisions = sum(gva.xs(d, level="sic07_code") for d in ADOPTION_DIVISIONS)
    diff = (j_less_63(panel) - divisions).abs()
    return {"cells": int(len(diff)), "differ": int((diff > 0).sum()),
            "max_abs_gbp_million": float(diff.max())}


def gva_indicators(raw_dir: Path, shared_dir: Path, panel: pd.DataFrame, pop2024: Population,
                   src: dict[str, Source]) -> list[tuple[Indicator, pd.DataFrame]]:
    """Digital adoption (SIC07 J less 63) and data ecosystem (SIC 63) proxies from the panel.

    Per head: GVA £ million x 1e6 / total resident population of the same year, April 2024
    release (Table 6: one population vintage for every year, see the data log) -> £ per
    resident. Share: GVA of the industry / GVA of all industries x 100 -> % of regional GVA.
    Digital Adoption uses section J less division 63 (:func:`j_less_63`) because division 63 is
    the Data Ecosystems proxy: counting it in both components would count it twice.
    """
    raw = rel(raw_dir / TABLE1C, shared_dir)
    raw_pop = rel(raw_dir / TABLE6_2024, shared_dir)
    gva = panel.set_index(["area_code", "sic07_code", "year"])["gva_gbp_million"]
    adoption = j_less_63(panel)
    base_caveat = (
        "GVA: ONS regional accounts, April 2023 release, Table 1c (data to 2021, the latest year "
        "provisional; every figure rounded to £1m). GVA is workplace-based, so per-head values "
        "are inflated where people commute in (London). Per head divides by the total resident "
        "population of the April 2024 release (Table 6), one population vintage for every year "
        "1998-2021: the April 2023 release's population (Table 17) is not used because its 2021 "
        "figure is Census-2021-based and 1998-2020 are not, which breaks per-head growth across "
        "2020-2021 (ONS's note 4 to that workbook). GVA and population therefore come from two "
        "consecutive ONS releases."
    )
    specs = [
        ("ict_gva_per_head", "J-63", "per_head", "digital_adoption",
         "GVA of information and communication excluding information services (SIC07 section J "
         "less division 63: publishing, film and broadcasting, telecommunications, computer "
         "programming and consultancy) per resident",
         "Proxy for the digital sector: SIC07 section J less division 63 (divisions 58-62), "
         "computed as the published J total minus the published division 63. Division 63 "
         "(information services) is left out because it is the Data Ecosystems proxy; counting "
         "it here too would count it twice. Divisions 58-62 include publishing, film and "
         "broadcasting and exclude digital activities classified elsewhere (DSIT's digital "
         "sector is a different SIC list)."),
        ("ict_gva_share_pct", "J-63", "share", "digital_adoption",
         "Share of regional GVA from information and communication excluding information "
         "services (SIC07 section J less division 63)",
         "Proxy for the digital sector: SIC07 J less division 63 (see ict_gva_per_head)."),
        ("info_services_gva_per_head", DATA_DIVISION, "per_head", "data_ecosystems",
         "GVA of information service activities (SIC07 division 63: data processing, hosting, "
         "web portals) per resident",
         "Proxy for the data economy: division 63 is a small part of data activity. Northern "
         "Ireland's division 63 GVA is a few £m a year, published rounded to £1m, so its "
         "per-head values are coarse. Not counted again in Digital Adoption (which uses J less "
         "63)."),
        ("info_services_gva_share_pct", DATA_DIVISION, "share", "data_ecosystems",
         "Share of regional GVA from information service activities (SIC07 division 63)",
         "Proxy for the data economy (see info_services_gva_per_head)."),
    ]
    out = []
    for ind_id, sic, kind, component, name, caveat in specs:
        def amount(a: str, y: int) -> float:
            return float(adoption[(a, y)]) if sic == "J-63" else float(gva[(a, sic, y)])

        if kind == "per_head":
            rows = [(a, str(y), y, amount(a, y)) for a in ITL1_ORDER for y in GVA_YEARS]
            values = pop2024.per_head(rows, scale=1e6)
            unit, denom = "GBP per resident", (
                "ONS total resident population, same year, April 2024 release "
                "(ons_population_apr2024, Table 6)")
            raw_path = f"{raw}; {raw_pop}"
        else:
            values = values_frame([(a, str(y), amount(a, y) / gva[(a, "Total", y)] * 100.0)
                                   for a in ITL1_ORDER for y in GVA_YEARS])
            unit, denom = "% of regional GVA", (
                "GVA of all industries (balanced, current basic prices), same region, year and "
                "release (Table 1c)")
            raw_path = raw
        out.append((Indicator(ind_id, name, component, 1, unit, denom,
                              src["ons_gva_industry_apr2023"], f"{caveat} {base_caveat}",
                              True, raw_path), values))
    return out


# --------------------------------------------------------------------------------------------
# Internet users (ONS workbook, table 5B)
# --------------------------------------------------------------------------------------------
def read_internet_users(raw_dir: Path) -> dict[str, pd.DataFrame]:
    """Recent (last 3 months) and never internet users, % of adults 16+, NUTS1 regions, 2014-2020.

    Reads sheet ``5b`` of the unmodified ONS workbook. NUTS1 codes UKC..UKN equal ITL1 TLC..TLN.
    Cells holding ``"-"`` (not available) are treated as missing and left out.

    Returns
    -------
    dict
        ``{"recent": frame, "never": frame}``, each ``area_code, period, value``.
    """
    import openpyxl

    path = require_file(raw_dir / INTERNET)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad workbook
        raise raw_error(path, f"expected an .xlsx workbook ({exc})") from None
    try:
        if "5b" not in wb.sheetnames:
            raise raw_error(path, f"expected a sheet '5b' (table 5B, %); found {wb.sheetnames}")
        grid = [list(r) for r in wb["5b"].iter_rows(min_row=1, max_row=120, max_col=27,
                                                     values_only=True)]
    finally:
        wb.close()
    years = list(range(2014, 2021))
    blocks = {"recent": (3, "Used in the last 3 months"), "never": (19, "Never used")}
    header = next((i for i, r in enumerate(grid) if r and r[0] == "NUTS Code"), None)
    if header is None:
        raise raw_error(path, "expected a header row starting 'NUTS Code' in sheet '5b'")
    for col, label in blocks.values():
        if grid[header - 1][col] != label or grid[header][col:col + 7] != years:
            raise raw_error(path, f"expected '{label}' above years 2014..2020 starting in column "
                                  f"{col + 1} of sheet '5b'")
    out: dict[str, list] = {k: [] for k in blocks}
    found = set()
    for r in grid[header + 1:]:
        area = itl1_code(str(r[0]).strip()) if r and isinstance(r[0], str) else None
        if area is None or not str(r[0]).strip().startswith("UK") or len(str(r[0]).strip()) != 3:
            continue
        found.add(area)
        for key, (col, _label) in blocks.items():
            for i, y in enumerate(years):
                cell = r[col + i]
                if cell is None or (isinstance(cell, str) and cell.strip() == "-"):
                    continue
                if not isinstance(cell, (int, float)):
                    raise raw_error(path, f"expected a number or '-' in sheet '5b' for {r[0]} "
                                          f"{y}, found {cell!r}")
                out[key].append((area, str(y), float(cell)))
    if found != set(ITL1_ORDER):
        raise raw_error(path, f"expected NUTS1 rows UKC..UKN in sheet '5b'; missing "
                              f"{sorted(set(ITL1_ORDER) - found)}")
    return {k: values_frame(v) for k, v in out.items()}


def internet_indicators(raw_dir: Path, shared_dir: Path, src: dict[str, Source]
                        ) -> list[tuple[Indicator, pd.DataFrame]]:
    """Digital-skills indicators from ONS Internet users 2020 (percent of adults, 2014-2020)."""
    data = read_internet_users(raw_dir)
    raw = rel(raw_dir / INTERNET, shared_dir) + " (sheet 5b)"
    caveat = ("Labour Force Survey, January-March of each year, adults aged 16+; sample survey "
              "(table 9 of the workbook gives 95% confidence intervals); series discontinued "
              "after 2020. Internet use measures digital inclusion, not digital skills.")
    s = src["ons_internet_users_2020"]
    return [
        (Indicator("internet_recent_users_pct",
                   "Adults who used the internet in the last 3 months", "digital_skills", 1,
                   "% of adults aged 16+", "none (published percentage)", s, caveat, True, raw),
         data["recent"]),
        (Indicator("internet_never_used_pct", "Adults who have never used the internet",
                   "digital_skills", -1, "% of adults aged 16+", "none (published percentage)",
                   s, caveat, True, raw),
         data["never"]),
    ]


# --------------------------------------------------------------------------------------------
# Hex tiles
# --------------------------------------------------------------------------------------------
def read_hex_tiles(raw_dir: Path) -> dict[str, tuple[int, int]]:
    """Tile-grid position ``(q, r)`` of each ITL1 region (odd-r hex layout); the 'Other' hex
    (X99999999) is dropped."""
    path = require_file(raw_dir / HEXJSON)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise raw_error(path, f"expected HexJSON ({exc})") from None
    hexes = doc.get("hexes") if isinstance(doc, dict) else None
    if not isinstance(hexes, dict) or doc.get("layout") != "odd-r":
        raise raw_error(path, "expected a HexJSON object with layout 'odd-r' and 'hexes'")
    out = {}
    for region in REGIONS:
        h = hexes.get(region.gss_code)
        if not isinstance(h, dict) or h.get("ITL") != region.itl1_code:
            raise raw_error(path, f"expected a hex {region.gss_code!r} with ITL "
                                  f"{region.itl1_code!r}")
        out[region.itl1_code] = (int(h["q"]), int(h["r"]))
    return out
