"""The district edition: the Local Digital Index for the 361 local authority districts (LAD, April
2023 codes), built by ``ldi data build`` into ``data/editions/lad/`` (:data:`LAD_SUBDIR`).

Only what exists at district level is measured (``../shared/DATA.md``, "Local authority
districts"): the four Ofcom infrastructure measures and RQF level 3+ qualifications from ONS
Explore Local Statistics, and GVA of SIC07 section J from the ONS April 2025 local-authority GVA
workbooks, divided by the district population of the same release. Research & Innovation,
Finance & Investment, Trade Support, Collaboration & Coordination and Data Ecosystems have no
indicator: the framework keeps them (same eight components as the ITL1 edition) and the engine
reports "component has no indicator with data". Nothing is imputed from the region.

Geography is taken from the ONS Open Geography lookup LAD (April 2023) -> LAU1 -> ITL3 -> ITL2 ->
ITL1 (January 2021): LAD -> ITL1 is exact; the five districts spanning several ITL3 areas get
the ITL3 holding most of their residents (:func:`split_district_parts`). Codes met in other files
are mapped to April 2023 codes only through :data:`LAD24_TO_LAD23` (a code that is neither an
April 2023 code nor in that table stops the build).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from . import curate_els
from .curate_common import (
    OGL, OGL_ATTRIBUTION, Indicator, Source, period_from_iso, raw_error, read_csv_checked, rel, require_file,
    source_commit, to_number, values_frame,
)
from ..errors import DataValidationError
from .geography import REGIONS

#: Where the district edition goes, relative to the ITL1 edition's folder (``data/``).
LAD_SUBDIR = Path("editions") / "lad"

GVA_DIR = Path("DAT5501_Assignment_02/data/raw")
GVA_GLOB = "regionalgrossvalueaddedbalancedbyindustrylocalauthorities*.xlsx"
LAD_POPULATION = GVA_DIR / "populationestimatesbylocalauthority.xlsx"
LOOKUP = Path("Care_Entries_Data/Data/Raw/Local_Authority_District_(April_2023)_to_LAU1_to_ITL3_"
              "to_ITL2_to_ITL1_(January_2021)Lookup.csv")
HEXJSON = Path("hexmaps/maps/uk-local-authority-districts-2023.hexjson")


#: Prefixes of district codes (GSS): English unitary, non-metropolitan, metropolitan, London
#: boroughs; Welsh unitary; Scottish council areas; Northern Ireland districts.
LAD_PREFIXES = ("E06", "E07", "E08", "E09", "W06", "S12", "N09")

#: April 2024 district codes met in the ELS files -> the April 2023 code of the same district.
#: On 1 April 2024 a small boundary change between Barnsley and Sheffield (The Barnsley and
#: Sheffield (Boundary Change) Order 2023) gave both districts new codes; everything else is
#: unchanged. The 2024-boundary figure is used for the 2023 district (stated in the caveats).
LAD24_TO_LAD23: dict[str, str] = {
    "E08000038": "E08000016",  # Barnsley
    "E08000039": "E08000019",  # Sheffield
}

#: ELS geographies that hold districts (E06 unitary authorities are listed as counties).
_ELS_LAD_GEOGRAPHIES = {"Local Authority District", "County or Unitary Authority"}

#: Year of the district population used for ``areas.csv`` and the peer groups: the latest year
#: in which the release has all 361 districts (2023 lacks the 11 Northern Ireland districts).
POPULATION_YEAR = 2022
#: Default period of the GVA indicators (see the data log: 2023 is provisional).
GVA_DEFAULT_PERIOD = "2022"
#: Population size bands (``peer_group``): quartiles of the POPULATION_YEAR population.
PEER_LABELS = ("Q1 smallest", "Q2", "Q3", "Q4 largest")

COLUMNS: dict[str, list[str]] = {
    "areas.csv": ["area_code", "name", "geography", "parent_code", "itl1_code", "itl2_code",
                  "itl3_code", "itl3_codes_all", "group", "peer_group", "population",
                  "population_period", "population_source", "tile_q", "tile_r"],
}

_REGION_BY_CODE = {r.itl1_code: r for r in REGIONS}


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------
def sources(raw_dir: Path, shared_dir: Path) -> dict[str, Source]:
    """The district-level sources (besides the ELS files, whose sources ``curate_els`` builds)."""
    gva_files = tuple(rel(p, shared_dir) for p in _gva_files(raw_dir))
    dat_commit = source_commit(raw_dir / "DAT5501_Assignment_02/SOURCE.txt")
    ons = f"Source: Office for National Statistics. {OGL_ATTRIBUTION}"
    return {
        "ons_gva_lad_apr2025": Source(
            "ons_gva_lad_apr2025", "ONS",
            "Regional gross value added (balanced) by industry: local authorities by ITL1 "
            "region, Table 3 (current prices, pounds million), April 2025 release (with the "
            "10 October 2025 correction, which did not affect current prices)",
            "github.com/AyoubGutin/DAT5501_Assignment_02", dat_commit,
            "https://www.ons.gov.uk/economy/grossdomesticproductgdp/datasets/"
            "regionalgrossvalueaddedbalancedbyindustrylocalauthoritiesbyitl1region",
            OGL, ons, gva_files, "2025-04-17"),
        "ons_population_lad_apr2025": Source(
            "ons_population_lad_apr2025", "ONS",
            "Population estimates by local authority (total resident population, persons), "
            "1998-2023, as used by the April 2025 regional accounts release",
            "github.com/AyoubGutin/DAT5501_Assignment_02", dat_commit,
            "https://www.ons.gov.uk/economy/grossdomesticproductgdp/datasets/"
            "regionalgrossvalueaddedbalancedbyindustrylocalauthoritiesbyitl1region",
            OGL, ons, (rel(raw_dir / LAD_POPULATION, shared_dir),), "2025-04-17"),
        "ons_lad23_itl_lookup": Source(
            "ons_lad23_itl_lookup", "ONS (Open Geography Portal)",
            "Local Authority District (April 2023) to LAU1 to ITL3 to ITL2 to ITL1 (January "
            "2021) Lookup in the UK",
            "github.com/BenGoodair/Care_Entries_Data",
            source_commit(raw_dir / "Care_Entries_Data/SOURCE.txt"),
            "https://geoportal.statistics.gov.uk/",
            OGL, f"Source: Office for National Statistics. {OGL_ATTRIBUTION} Contains OS data "
                 "(c) Crown copyright and database right.",
            (rel(raw_dir / LOOKUP, shared_dir),), ""),
        "openinnovations_lad_hexjson": Source(
            "openinnovations_lad_hexjson", "ODI Leeds / Open Innovations",
            "UK local authority districts 2023 HexJSON layout "
            "(uk-local-authority-districts-2023.hexjson, 'first draft')",
            "github.com/odileeds/hexmaps", source_commit(raw_dir / "hexmaps/SOURCE.txt"),
            "https://github.com/odileeds/hexmaps",
            "MIT (Copyright (c) 2017- Open Innovations)",
            "Hex layout: ODI Leeds / Open Innovations (MIT licence)",
            (rel(raw_dir / HEXJSON, shared_dir),), "2023-05-02"),
    }


# --------------------------------------------------------------------------------------------
# Geography: lookup, ITL3 of split districts, hex tiles
# --------------------------------------------------------------------------------------------
def read_lookup(raw_dir: Path) -> pd.DataFrame:
    """The LAD23 -> LAU1 -> ITL3 -> ITL2 -> ITL1 lookup, one row per LAU1 (388 rows), in the
    file's order (``ObjectId``)."""
    path = raw_dir / LOOKUP
    cols = ["LAD23CD", "LAD23NM", "LAU121CD", "LAU121NM", "ITL321CD", "ITL221CD", "ITL121CD",
            "ObjectId"]
    df = read_csv_checked(path, cols)
    df = df[cols].apply(lambda s: s.str.strip())
    df["ObjectId"] = [int(to_number(v, path, "ObjectId")) for v in df["ObjectId"]]
    df = df.sort_values("ObjectId", kind="mergesort").reset_index(drop=True)
    itl1 = df.groupby("LAD23CD")["ITL121CD"].nunique()
    if (itl1 != 1).any():
        raise raw_error(path, f"expected every LAD23CD in one ITL1 region; "
                              f"{', '.join(itl1.index[itl1 != 1])} span several")
    bad = sorted(set(df["ITL121CD"]) - set(_REGION_BY_CODE))
    if bad or not df["LAD23CD"].str[:3].isin(LAD_PREFIXES).all():
        raise raw_error(path, f"expected ITL1 codes TLC..TLN and district codes "
                              f"{'/'.join(LAD_PREFIXES)}; found {bad}")
    return df


def _mid2020_all_ages(raw_dir: Path) -> dict[str, float]:
    """All-ages mid-2020 population by code (MYE2; former districts such as Allerdale)."""
    from .curate_ons import MYE2020

    path = raw_dir / MYE2020
    df = read_csv_checked(path, ["Code", "All ages"], encoding="latin-1")
    return {c.strip(): to_number(v, path, f"{c}/All ages")
            for c, v in zip(df["Code"], df["All ages"]) if c.strip()}


def _table6_itl3_2021(raw_dir: Path) -> dict[str, float]:
    """ITL3 total resident population, mid-2021, ONS April 2024 release (Table 6)."""
    from .curate_ons import TABLE6_2024

    path = raw_dir / TABLE6_2024
    df = read_csv_checked(path, ["ITL", "ITL code", "2021"])
    df = df[df["ITL"].str.strip() == "ITL3"]
    return {c.strip(): to_number(v, path, f"{c}/2021") for c, v in zip(df["ITL code"], df["2021"])}


def split_district_parts(lookup: pd.DataFrame, lad_pop_2021: dict[str, float],
                         mid2020: dict[str, float], itl3_2021: dict[str, float]) -> pd.DataFrame:
    """Residents of each (district, ITL3) part of the districts that span several ITL3 areas.

    Rule (the data log states it): a part's residents are (1) the sum of the mid-2020 MYE2
    populations of its LAU1 units when every one of them is a former district with its own
    estimate (Cumberland, Westmorland and Furness: the former Cumbrian districts); otherwise
    (2) solved from ITL3 totals: the ITL3's mid-2021 population (ONS April 2024 Table 6) less
    the mid-2021 population of the whole districts inside it (April 2025 release; 1998-2021 are
    identical in the two releases) and less the other parts already known, or the district's
    population less its other known parts. Each split district is assigned the ITL3 of its
    largest part.

    Returns
    -------
    DataFrame
        ``lad, itl3, residents, year, basis`` for every part; raises if a part cannot be solved.
    """
    itl3_per_lad = lookup.groupby("LAD23CD")["ITL321CD"].unique()
    split = sorted(c for c, v in itl3_per_lad.items() if len(v) > 1)
    whole = {c: v[0] for c, v in itl3_per_lad.items() if len(v) == 1}
    known: dict[tuple[str, str], tuple[float, int, str]] = {}
    for lad in split:
        for itl3 in itl3_per_lad[lad]:
            lau = lookup.loc[(lookup["LAD23CD"] == lad) & (lookup["ITL321CD"] == itl3),
                             "LAU121CD"]
            if all(c in mid2020 for c in lau):
                known[(lad, itl3)] = (sum(mid2020[c] for c in lau), 2020,
                                      "MYE2 mid-2020 of its LAU1 units " + ", ".join(lau))
    parts = [(lad, itl3) for lad in split for itl3 in itl3_per_lad[lad]]
    progress = True
    while progress and len(known) < len(parts):
        progress = False
        for itl3 in sorted({p[1] for p in parts}):
            unknown = [p for p in parts if p[1] == itl3 and p not in known]
            if len(unknown) != 1 or itl3 not in itl3_2021:
                continue
            rest = sum(lad_pop_2021[c] for c, i in whole.items() if i == itl3)
            rest += sum(known[p][0] for p in parts if p[1] == itl3 and p in known)
            known[unknown[0]] = (itl3_2021[itl3] - rest, 2021,
                                 f"ITL3 {itl3} mid-2021 less its other districts and parts")
            progress = True
        for lad in split:
            unknown = [p for p in parts if p[0] == lad and p not in known]
            if len(unknown) != 1:
                continue
            rest = sum(known[p][0] for p in parts if p[0] == lad and p in known)
            known[unknown[0]] = (lad_pop_2021[lad] - rest, 2021,
                                 f"district mid-2021 less its other parts")
            progress = True
    missing = [p for p in parts if p not in known]
    if missing:
        raise DataValidationError(f"cannot find the residents of the district parts {missing} "
                                  "from the raw populations; fix the rule in "
                                  "ldi_helpers/curate_lad.py")
    out = pd.DataFrame([(lad, itl3, *known[(lad, itl3)]) for lad, itl3 in parts],
                       columns=["lad", "itl3", "residents", "year", "basis"])
    if (out["residents"] <= 0).any():
        raise DataValidationError(f"a district part has no residents: {out.to_dict('records')}")
    return out


def primary_itl3(lookup: pd.DataFrame, parts: pd.DataFrame) -> dict[str, str]:
    """ITL3 of every district: its only ITL3, or the ITL3 of its largest part (split ones)."""
    out = {lad: v[0] for lad, v in lookup.groupby("LAD23CD")["ITL321CD"].unique().items()
           if len(v) == 1}
    for lad, g in parts.groupby("lad"):
        top = g.sort_values("residents", ascending=False, kind="mergesort")
        if len(top) > 1 and top["residents"].iloc[0] == top["residents"].iloc[1]:
            raise DataValidationError(f"district {lad}: two ITL3 parts of equal size; state a "
                                      "tie rule in ldi_helpers/curate_lad.py")
        out[lad] = top["itl3"].iloc[0]
    return out


def read_hex_tiles(raw_dir: Path) -> dict[str, tuple[int, int, str]]:
    """``{LAD23CD: (q, r, region GSS code)}`` from the 2023 district HexJSON (odd-r)."""
    path = require_file(raw_dir / HEXJSON)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise raw_error(path, f"expected HexJSON ({exc})") from None
    hexes = doc.get("hexes") if isinstance(doc, dict) else None
    if not isinstance(hexes, dict) or doc.get("layout") != "odd-r":
        raise raw_error(path, "expected a HexJSON object with layout 'odd-r' and 'hexes'")
    return {code: (int(h["q"]), int(h["r"]), str(h.get("region", "")))
            for code, h in hexes.items()}


# --------------------------------------------------------------------------------------------
# Population and GVA (ONS April 2025 release)
# --------------------------------------------------------------------------------------------
def _read_sheet(path: Path, sheet: str, header_first: str) -> tuple[list, list[tuple]]:
    import openpyxl

    require_file(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad workbook
        raise raw_error(path, f"expected an .xlsx workbook ({exc})") from None
    try:
        if sheet not in wb.sheetnames:
            raise raw_error(path, f"expected a sheet {sheet!r}; found {wb.sheetnames}")
        rows = [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()
    head = next((i for i, r in enumerate(rows) if r and r[0] == header_first), None)
    if head is None:
        raise raw_error(path, f"expected a header row starting {header_first!r} in {sheet!r}")
    header = [str(c).strip() if c is not None else "" for c in rows[head]]
    body = [r for r in rows[head + 1:] if len(r) > 1 and isinstance(r[1], str)
            and r[1].strip()[:3] in LAD_PREFIXES]
    return header, body


def _cell(value, path: Path, where: str) -> float | None:
    """A published number, or ``None`` for ONS's ``[c]`` (confidential) and ``[u]`` markers."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value.strip() in ("[c]", "[u]"):
        return None
    raise raw_error(path, f"expected a number, '[c]' or '[u]' at {where}, found {value!r}")


def read_lad_population(raw_dir: Path) -> pd.DataFrame:
    """District total resident population, 1998-2023 (persons); ``[u]`` cells are left out.

    Returns ``lad, year, population`` (one row per published number).
    """
    path = raw_dir / LAD_POPULATION
    header, body = _read_sheet(path, "Population data", "ITL1 Region")
    years = [h for h in header[3:] if h.isdigit()]
    if header[:3] != ["ITL1 Region", "LA code", "LA name"] or years[0] != "1998":
        raise raw_error(path, "expected columns 'ITL1 Region', 'LA code', 'LA name', 1998...")
    rows = []
    for r in body:
        for i, y in enumerate(years):
            v = _cell(r[3 + i], path, f"{r[1]}/{y}")
            if v is not None:
                rows.append((r[1].strip(), int(y), v))
    out = pd.DataFrame(rows, columns=["lad", "year", "population"])
    if out.duplicated(["lad", "year"]).any():
        raise raw_error(path, "expected one row per district")
    return out


def _gva_files(raw_dir: Path) -> list[Path]:
    files = sorted((raw_dir / GVA_DIR).glob(GVA_GLOB))
    if len(files) != 12:
        raise raw_error(raw_dir / GVA_DIR, f"expected 12 workbooks {GVA_GLOB} (one per ITL1 "
                                           f"region), found {len(files)}")
    return files


#: SIC07 rows of Table 3 read: raw code -> our code.
GVA_SIC = {"Total": "Total", "J (58-63)": "J", "58-60": "58-60", "61-63": "61-63"}


def read_lad_gva(raw_dir: Path) -> pd.DataFrame:
    """Current-price GVA (£ million) of all industries, section J and groups 58-60, 61-63 by
    district and year, 1998-2023, from Table 3 of the 12 regional workbooks.

    ``[c]`` (confidential) cells are left out (never filled in). Returns ``lad, sic, year,
    gva_gbp_million`` plus ``confidential`` rows counted in the attribute ``attrs['confidential']``
    (a list of (lad, sic, year)).
    """
    rows, conf = [], []
    for path in _gva_files(raw_dir):
        header, body = _read_sheet(path, "Table 3", "ITL1 region")
        years = [h for h in header[5:] if h.isdigit()]
        if header[:5] != ["ITL1 region", "LA code", "LA name", "SIC07", "SIC07 description"] \
                or not years or years[0] != "1998":
            raise raw_error(path, "expected Table 3 columns 'ITL1 region', 'LA code', 'LA name', "
                                  "'SIC07', 'SIC07 description', 1998...")
        for r in body:
            sic = GVA_SIC.get(str(r[3]).strip())
            if sic is None:
                continue
            for i, y in enumerate(years):
                v = _cell(r[5 + i], path, f"Table 3 {r[1]}/{r[3]}/{y}")
                if v is None:
                    conf.append((r[1].strip(), sic, int(y)))
                else:
                    rows.append((r[1].strip(), sic, int(y), v))
    out = pd.DataFrame(rows, columns=["lad", "sic", "year", "gva_gbp_million"])
    if out.duplicated(["lad", "sic", "year"]).any():
        raise raw_error(raw_dir / GVA_DIR, "expected one Table 3 row per district and SIC07 code")
    out.attrs["confidential"] = sorted(conf)
    return out


def population_check(lad_pop: pd.DataFrame, lookup: pd.DataFrame, raw_dir: Path
                     ) -> pd.DataFrame:
    """District populations summed by ITL1 against the ITL1 populations that exist in the raw
    data (ONS April 2024 release, Table 6, 1998-2022; the April 2025 release's ITL1 table is not
    in the raw data, and no ITL1 figure exists for 2023).

    Returns ``itl1, year, districts_sum, table6, difference`` for every region and year
    1998-2022.
    """
    from .curate_ons import read_population_release

    t6 = read_population_release(raw_dir, "apr2024").table
    itl1 = lookup.drop_duplicates("LAD23CD").set_index("LAD23CD")["ITL121CD"]
    p = lad_pop.assign(itl1=lad_pop["lad"].map(itl1))
    sums = p.groupby(["itl1", "year"])["population"].agg(["sum", "count"]).reset_index()
    t = t6.rename(columns={"area_code": "itl1", "population": "table6"})
    out = sums.merge(t, on=["itl1", "year"], how="inner")
    n = lookup.drop_duplicates("LAD23CD").groupby("ITL121CD").size()
    if (out["count"] != out["itl1"].map(n)).any():
        raise DataValidationError("a district population is missing in a year that has an ITL1 "
                                  "total; the population check needs every district")
    out = out.rename(columns={"sum": "districts_sum"})
    out["difference"] = out["districts_sum"] - out["table6"]
    return out[["itl1", "year", "districts_sum", "table6", "difference"]]


# --------------------------------------------------------------------------------------------
# ELS files at district level
# --------------------------------------------------------------------------------------------
def read_els_lad(raw_dir: Path, folder: str, label: str, unit: str, lads: set[str]
                 ) -> tuple[pd.DataFrame, dict[str, str]]:
    """District rows of one ELS indicator on April 2023 codes.

    2024 codes are mapped by :data:`LAD24_TO_LAD23` only; any other district code not in
    ``lads`` stops the build. Empty observations (status ``x``) are left out.

    Returns
    -------
    (DataFrame, dict)
        ``area_code, period, value`` (plus ``lci_95``, ``uci_95`` as floats or NaN) and the
        mapping actually applied (2024 code -> 2023 code).
    """
    path = raw_dir / curate_els.ELS / folder / f"{folder}.csv"
    df = read_csv_checked(path, [*curate_els._COLUMNS, "lci_95", "uci_95"])
    sel = df[(df["indicator"] == label) & df["geography"].isin(_ELS_LAD_GEOGRAPHIES)
             & df["areacd"].str.strip().str[:3].isin(LAD_PREFIXES)]
    rows, seen, applied = [], set(), {}
    for r in sel.itertuples(index=False):
        code = r.areacd.strip()
        if code not in lads:
            if code not in LAD24_TO_LAD23:
                raise raw_error(path, f"district code {code} ({r.areanm}) is not an April 2023 "
                                      "code and not in curate_lad.LAD24_TO_LAD23; map it "
                                      "explicitly")
            applied[code] = LAD24_TO_LAD23[code]
            code = LAD24_TO_LAD23[code]
        if r.unit != unit:
            raise raw_error(path, f"expected unit {unit!r} for {label!r}, found {r.unit!r}")
        period, _year = period_from_iso(r.period, path)
        if (code, period) in seen:
            raise raw_error(path, f"expected one row per district and period, found two for "
                                  f"{code} {period} (after mapping 2024 codes)")
        seen.add((code, period))
        if str(r.observation).strip() == "":
            continue  # missing is missing (status 'x')
        ci = [to_number(x, path, f"{r.areacd}/{r.period}") if str(x).strip() else np.nan
              for x in (r.lci_95, r.uci_95)]
        rows.append((code, period, to_number(r.observation, path, f"{r.areacd}/{r.period}"),
                     *ci))
    if not rows:
        raise raw_error(path, f"expected district rows for indicator {label!r}")
    return pd.DataFrame(rows, columns=["area_code", "period", "value", "lci_95", "uci_95"]), \
        applied


# --------------------------------------------------------------------------------------------
# The edition
# --------------------------------------------------------------------------------------------
def _areas(lookup: pd.DataFrame, itl3: dict[str, str], tiles: dict, lad_pop: pd.DataFrame,
           raw_dir: Path) -> tuple[pd.DataFrame, list[float]]:
    first = lookup.drop_duplicates("LAD23CD").set_index("LAD23CD")
    itl2_of = dict(zip(lookup["ITL321CD"], lookup["ITL221CD"]))
    all3 = lookup.groupby("LAD23CD")["ITL321CD"].apply(lambda s: ";".join(sorted(set(s))))
    pop = lad_pop[lad_pop["year"] == POPULATION_YEAR].set_index("lad")["population"]
    if set(pop.index) != set(first.index):
        raise DataValidationError(f"district population {POPULATION_YEAR}: expected all "
                                  f"{len(first)} districts of the lookup")
    if set(tiles) != set(first.index):
        raise raw_error(raw_dir / HEXJSON, "expected one hex per April 2023 district of the "
                                           "lookup, no more")
    cuts = [float(x) for x in np.quantile(pop.to_numpy(dtype=float), [0.25, 0.5, 0.75])]
    rows = []
    for lad, r in first.iterrows():
        region = _REGION_BY_CODE[r["ITL121CD"]]
        q, rr, hex_region = tiles[lad]
        if hex_region != region.gss_code:
            raise raw_error(raw_dir / HEXJSON, f"hex {lad} is tagged region {hex_region}, the "
                                               f"lookup says {region.gss_code}")
        p = float(pop[lad])
        band = PEER_LABELS[int(np.searchsorted(cuts, p, side="left"))]
        rows.append({
            "area_code": lad, "name": r["LAD23NM"], "geography": "LAD",
            "parent_code": region.itl1_code, "itl1_code": region.itl1_code,
            "itl2_code": itl2_of[itl3[lad]], "itl3_code": itl3[lad],
            "itl3_codes_all": all3[lad], "group": region.name, "peer_group": band,
            "population": int(p), "population_period": str(POPULATION_YEAR),
            "population_source": "ons_population_lad_apr2025", "tile_q": q, "tile_r": rr,
        })
    areas = pd.DataFrame(rows, columns=COLUMNS["areas.csv"])
    return areas.sort_values("area_code", kind="mergesort").reset_index(drop=True), cuts


_ELS_CAVEAT_2024 = (" Barnsley and Sheffield are published on their April 2024 codes (E08000038, "
                    "E08000039) after a small boundary change between them; the figures are "
                    "used for the April 2023 districts E08000016 and E08000019 "
                    "(curate_lad.LAD24_TO_LAD23).")


def lad_indicators(raw_dir: Path, shared_dir: Path, lads: dict[str, str], lad_pop: pd.DataFrame,
                   gva: pd.DataFrame, src: dict[str, Source]
                   ) -> tuple[list[tuple[Indicator, pd.DataFrame]], list[Source], dict]:
    """Every district indicator with its values, the ELS sources, and facts for the log.

    ``lads`` maps each April 2023 district code to its name."""
    out: list[tuple[Indicator, pd.DataFrame]] = []
    els_sources: list[Source] = []
    facts: dict = {"mapped": {}}
    infra = [
        ("gigabit-capable-broadband", "Gigabit capable broadband", "gigabit_broadband_pct",
         "Premises with gigabit-capable broadband available", 1, "% of premises",
         "Availability, not take-up. Some ELS figures are aggregated from smaller areas."),
        ("premises-below-30", "Premises below 30Mbps", "premises_below_30mbps_pct",
         "Premises that cannot get a broadband service above 30 Mbit/s", -1, "% of premises",
         "Lower is better. Some ELS figures are aggregated from smaller areas."),
        ("network-coverage-4g", "4G coverage", "coverage_4g_area_pct",
         "Land area with outdoor 4G signal from at least one mobile operator", 1,
         "% of land area", "Share of land area, not of premises or people: rural districts "
         "score low even where most people are covered. Outdoor signal, threshold -105 dBm."),
        ("network-coverage-5g", "5G coverage", "coverage_5g_area_pct",
         "Land area with outdoor 5G signal from at least one mobile operator", 1,
         "% of land area", "Share of land area, not of premises or people. Outdoor signal, "
         "threshold -110 dBm."),
    ]
    for folder, label, ind_id, name, direction, unit, caveat in infra:
        source = curate_els.read_els(raw_dir, shared_dir, folder, label, "%").source
        els_sources.append(source)
        vals, applied = read_els_lad(raw_dir, folder, label, "%", lads)
        facts["mapped"][ind_id] = applied
        out.append((Indicator(
            ind_id, name, "digital_infrastructure", direction, unit,
            "none (published percentage)", source,
            f"Ofcom Connected Nations data as of January 2026. {caveat}"
            + (_ELS_CAVEAT_2024 if applied else ""), False,
            rel(raw_dir / curate_els.ELS / folder / f"{folder}.csv", shared_dir)),
            vals[["area_code", "period", "value"]]))

    folder = "qualifications-level-3-or-above"
    label = "Level 3 or above qualifications (Great Britain)"
    source = curate_els.read_els(raw_dir, shared_dir, folder, label, "%").source
    els_sources.append(source)
    vals, applied = read_els_lad(raw_dir, folder, label, "%", lads)
    facts["mapped"]["qualifications_rqf3_pct"] = applied
    facts["rqf3"] = vals
    gb_gaps = "; ".join(
        f"{p}: " + ", ".join(lads[c] for c in sorted(
            set(lads) - set(vals.loc[vals["period"] == p, "area_code"])) if c[:3] != "N09")
        for p in sorted(vals["period"].unique()))
    out.append((Indicator(
        "qualifications_rqf3_pct", "People aged 16-64 with RQF level 3 or above qualifications",
        "digital_skills", 1, "% of people aged 16-64", "none (published percentage)", source,
        "Proxy: general qualifications, not digital skills. Annual Population Survey, official "
        "statistics in development. Great Britain only: no Northern Ireland district has a "
        "value (never filled from the region or nation). Great Britain districts without a "
        f"value (not published, or suppressed 'x'): {gb_gaps}. District estimates are small samples with wide "
        "95% confidence intervals (see the data log).", True,
        rel(raw_dir / curate_els.ELS / folder / f"{folder}.csv", shared_dir)),
        vals[["area_code", "period", "value"]]))

    # --- GVA of SIC07 section J (April 2025 release) -----------------------------------------
    g = gva.set_index(["lad", "sic", "year"])["gva_gbp_million"]
    pop = lad_pop.set_index(["lad", "year"])["population"]
    j = gva[gva["sic"] == "J"]
    per_head, share = [], []
    for lad, year, amount in j[["lad", "year", "gva_gbp_million"]].itertuples(index=False):
        if (lad, year) in pop.index:
            per_head.append((lad, str(year), amount * 1e6 / float(pop[(lad, year)])))
        total = g.get((lad, "Total", year))
        if total is None or total <= 0:
            raise DataValidationError(f"district {lad} {year}: no positive total GVA for the "
                                      "share of section J")
        share.append((lad, str(year), amount / total * 100.0))
    gva_raw = "; ".join(src["ons_gva_lad_apr2025"].raw_files) + " (Table 3)"
    pop_raw = src["ons_population_lad_apr2025"].raw_files[0]
    base = ("GVA: ONS April 2025 release, Table 3, current basic prices, workplace-based (per "
            "head is inflated where people commute in: City of London, Westminster), 2023 "
            "provisional; every figure rounded to £1m by ONS, so small districts' values are "
            "coarse. Section J is confidential ([c]) for Cornwall and the Isles of Scilly: "
            "those districts have no value (never filled in). Whole section J (58-63): "
            "division 63 (information services) is not published separately at district level "
            "(only 61-63), so it cannot be removed as the ITL1 edition does; the ids differ "
            "from the ITL1 edition's (J less 63) on purpose. Default period 2022: 2023 is "
            "provisional and has no Northern Ireland population.")
    out.append((Indicator(
        "ict_gva_j_per_head",
        "GVA of information and communication (SIC07 section J, 58-63) per resident",
        "digital_adoption", 1, "GBP per resident",
        "ONS total resident population of the district, same year, same release "
        "(ons_population_lad_apr2025); Northern Ireland 2023 not published ([u])",
        src["ons_gva_lad_apr2025"], "Proxy for the digital sector. " + base, True,
        f"{gva_raw}; {pop_raw}", GVA_DEFAULT_PERIOD), values_frame(per_head)))
    out.append((Indicator(
        "ict_gva_j_share_pct",
        "Share of district GVA from information and communication (SIC07 section J, 58-63)",
        "digital_adoption", 1, "% of district GVA",
        "GVA of all industries (current basic prices), same district, year and release",
        src["ons_gva_lad_apr2025"], "Proxy for the digital sector. " + base, True, gva_raw,
        GVA_DEFAULT_PERIOD), values_frame(share)))
    out.append((Indicator(
        "gva_total_gbp_million", "Gross value added, all industries (balanced, current prices)",
        "context", 1, "GBP million", "none (total as published)", src["ons_gva_lad_apr2025"],
        "Context only (not scored). Workplace-based; 2023 provisional. Default 2022 to match the "
        "other GVA figures.", False, gva_raw, GVA_DEFAULT_PERIOD),
        values_frame([(r.lad, str(r.year), r.gva_gbp_million) for r in
                      gva[gva["sic"] == "Total"].itertuples(index=False)])))
    out.append((Indicator(
        "population_total", "Total resident population (mid-year)", "context", 1, "persons",
        "none (count as published)", src["ons_population_lad_apr2025"],
        "Context only (not scored); the denominator of the per-head GVA. Northern Ireland 2023 "
        "not yet published ([u]).", False, pop_raw, str(POPULATION_YEAR)),
        values_frame([(r.lad, str(r.year), r.population)
                      for r in lad_pop.itertuples(index=False)])))
    return out, els_sources, facts


#: Text of the district edition's ``edition.yaml``.
EDITION_TEXT = (
    "# The Local Digital Index, district edition (docs/EDITIONS.md). Generated by\n"
    "# `ldi data build`; do not edit by hand.\n"
    "name: Local Digital Index, local authority districts (April 2023)\n"
    "index_name: Local Digital Index\n"
    "unit_word: local authority\n"
    "unit_word_plural: local authorities\n"
    "geography: LAD\n"
    "description: The 361 UK local authority districts on April 2023 codes, with the eight "
    "components of the ITL1 edition. Measured at district level - Digital Infrastructure "
    "(Ofcom broadband and mobile coverage), Digital Skills (RQF level 3+ qualifications, Great "
    "Britain only, a proxy) and Digital Adoption (GVA of SIC07 section J, a proxy). Not "
    "measured at district level, so without indicators - Data Ecosystems, Research and "
    "Innovation, Finance and Investment, Trade Support, Collaboration and Coordination. "
    "Nothing is filled in from the region.\n"
    "attribution: Source - ONS and Ofcom, via ONS Explore Local Statistics and ONS regional "
    "accounts. Contains public sector information licensed under the Open Government Licence "
    "v3.0. Hex layout - ODI Leeds / Open Innovations (MIT licence).\n"
)

#: Components with no district data, and why (one line each in the data log).
NOT_MEASURED = {
    "data_ecosystems": "division 63 (information services) is not published at district "
                       "level (only 61-63, which adds telecommunications and computer "
                       "programming and is part of section J, already used by Digital "
                       "Adoption); no proxy is argued for",
    "research_innovation": "business and public R&D exist at ITL1/ITL2 only; UKRI and "
                           "Innovate UK at NUTS2",
    "finance_investment": "FDI exists at ITL2 / combined authority only; Crunchbase at NUTS2",
    "trade_support": "exports exist at ITL3 only (ELS)",
    "collaboration_coordination": "HE-BCI (university-business interaction) is at NUTS2 only",
}

#: Share thresholds of the engine's default specification (``spec.MethodSpec``), used only to
#: write the expected screening outcome into the data log (a test checks it against the engine).
DEFAULT_COVERAGE = 0.65


def expected_screen(indicators: pd.DataFrame, values: pd.DataFrame, areas: pd.DataFrame
                    ) -> tuple[list[str], list[str], int]:
    """(dropped indicators, dropped areas, scored indicators) under the default specification:
    scored indicators at their default periods, indicator coverage >= 65%, then area coverage
    >= 65% of the kept indicators, no imputation."""
    scored = indicators[indicators["component"] != "context"]
    cols = {}
    for ind in scored.itertuples(index=False):
        v = values[(values["indicator_id"] == ind.indicator_id)
                   & (values["period"] == ind.default_period)]
        cols[ind.indicator_id] = v.set_index("area_code")["value"]
    m = pd.DataFrame(cols).reindex(areas["area_code"])
    cov = m.notna().mean()
    drop_i = [c for c in m.columns if cov[c] < DEFAULT_COVERAGE]
    m = m.drop(columns=drop_i)
    acov = m.notna().mean(axis=1)
    drop_a = [a for a in m.index if acov[a] < DEFAULT_COVERAGE]
    return drop_i, drop_a, m.shape[1]


def _indicator_tables(built, areas: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    from .curate import COLUMNS as ITL1_COLUMNS, _COMPONENT_ORDER, indicator_row

    meta_rows, parts = [], []
    for ind, values in built:
        if values.empty or values["value"].isna().any():
            raise DataValidationError(f"district indicator {ind.indicator_id!r} has no values or "
                                      "a missing value; missing values must be absent rows")
        unknown = set(values["area_code"]) - set(areas["area_code"])
        if unknown:
            raise DataValidationError(f"district indicator {ind.indicator_id!r}: codes "
                                      f"{sorted(unknown)} are not April 2023 districts")
        meta_rows.append(indicator_row(ind, values))
        parts.append(values.assign(indicator_id=ind.indicator_id))
    meta = pd.DataFrame(meta_rows, columns=ITL1_COLUMNS["indicators.csv"])
    meta["_order"] = meta["component"].map(_COMPONENT_ORDER)
    meta = meta.sort_values(["_order", "indicator_id"], kind="mergesort").drop(columns="_order")
    vals = pd.concat(parts, ignore_index=True)
    vals["area_name"] = vals["area_code"].map(areas.set_index("area_code")["name"])
    vals["geography"] = "LAD"
    vals["value"] = vals["value"].astype("float64")
    vals = vals.sort_values(["indicator_id", "period", "area_code"], kind="mergesort")
    return (meta.reset_index(drop=True),
            vals[ITL1_COLUMNS["indicator_values.csv"]].reset_index(drop=True))


def _fmt(x: float) -> str:
    return f"{x:,.0f}"


def data_log(sources: pd.DataFrame, indicators: pd.DataFrame, values: pd.DataFrame,
             areas: pd.DataFrame, facts: dict) -> str:
    """Text of the district edition's ``DATA_LOG.md`` (every figure computed from the build)."""
    from .curate import _md, _periods_summary, sources_table_lines

    n = len(areas)
    lines = [
        "# Data log: district edition (local authority districts, April 2023)",
        "",
        "Generated by `ldi_helpers.data.curate_lad` during `ldi data build --raw ../shared/data/raw`"
        " (written to `data/editions/lad/`); do not edit by hand.",
        "",
        f"Licence: ONS and Ofcom statistics: {OGL_ATTRIBUTION} Hex layout: ODI Leeds / Open "
        "Innovations, MIT. Cite the original publisher and the repository read from.",
        "",
    ]
    lines += sources_table_lines(sources)
    lines += ["", *coverage_lines(indicators, values, n)]
    lines += ["", "## Data decisions", ""]
    for title, text in facts["decisions"]:
        lines.append(f"- **{title}.** {text}")
    lines += ["", "## Indicators", "",
              "| indicator_id | component | unit | direction | periods | default period | "
              "districts at default | proxy | source | caveats |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for ind in indicators.itertuples(index=False):
        v = values[values["indicator_id"] == ind.indicator_id]
        cover = v.loc[v["period"] == ind.default_period, "area_code"].nunique()
        lines.append(
            f"| {_md(ind.indicator_id)} | {_md(ind.component)} | {_md(ind.unit)} | "
            f"{'+1' if ind.direction == 1 else '-1'} | "
            f"{_md(_periods_summary(list(v['period'].unique())))} | {_md(ind.default_period)} | "
            f"{cover}/{n} | {ind.is_proxy} | {_md(ind.source_id)} | {_md(ind.caveats)} |")
    return "\n".join(lines) + "\n"


def coverage_lines(indicators: pd.DataFrame, values: pd.DataFrame, n: int) -> list[str]:
    """Markdown table: per component, its indicators and districts covered at the default
    period, or why it is not measured at district level."""
    from .components import COMPONENTS

    lines = ["## Coverage by component (districts with a value at the default period)", "",
             "| component | indicators | districts |", "|---|---|---|"]
    periods = indicators.set_index("indicator_id")["default_period"]
    for cid, cname in COMPONENTS.items():
        ids = indicators.loc[indicators["component"] == cid, "indicator_id"].tolist()
        if not ids:
            lines.append(f"| {cname} | none | not measured at district level: "
                         f"{NOT_MEASURED[cid]} |")
            continue
        cells = [f"{i} {values.loc[(values['indicator_id'] == i) & (values['period'] == periods[i]), 'area_code'].nunique()}/{n}"  # noqa: E501
                 for i in ids]
        lines.append(f"| {cname} | {len(ids)} | {'; '.join(cells)} |")
    return lines


def itl1_log_section(lad_tables: dict) -> str:
    """The section on the district edition appended to the ITL1 edition's ``DATA_LOG.md``."""
    areas, ind, vals = (lad_tables["areas.csv"], lad_tables["indicators.csv"],
                        lad_tables["indicator_values.csv"])
    lines = ["", "## District edition (`data/editions/lad/`)", "",
             f"A second edition, built by the same `ldi data build`: the {len(areas)} local "
             "authority districts (April 2023 codes), the same eight components and root `ldi`, "
             f"{int((ind['component'] != 'context').sum())} scored indicators. Its sources, "
             "decisions (code mapping, ITL3 of split districts, groups and peer bands, "
             "population check, confidential cells) and indicators are in "
             "`data/editions/lad/DATA_LOG.md`.", "",
             *coverage_lines(ind, vals, len(areas))]
    return "\n".join(lines) + "\n"


def _decisions(areas: pd.DataFrame, indicators: pd.DataFrame, values: pd.DataFrame,
               facts: dict) -> list[tuple[str, str]]:
    n = len(areas)
    name = areas.set_index("area_code")["name"]
    parts = facts["parts"]
    split_txt = "; ".join(
        f"{name[lad]} ({lad}) -> {g.sort_values('residents', ascending=False).iloc[0]['itl3']} ("
        + ", ".join(f"{r.itl3} {_fmt(r.residents)} [{r.basis}]" for r in g.itertuples()) + ")"
        for lad, g in parts.groupby("lad"))
    cuts = facts["cuts"]
    counts = areas["peer_group"].value_counts()
    chk = facts["pop_check"]
    exact = chk[chk["difference"] == 0]["year"].unique()
    exact_years = sorted(y for y in exact if (chk[chk["year"] == y]["difference"] == 0).all())
    y22 = chk[chk["year"] == 2022]
    mapped = sorted({f"{k} -> {v}" for m in facts["mapped"].values() for k, v in m.items()})
    mapped_ids = sorted(i for i, m in facts["mapped"].items() if m)
    conf = facts["confidential_j"]
    conf_names = sorted({name[c] for c, _s, _y in conf})
    rq = facts["rqf3"]
    rq_p = indicators.set_index("indicator_id").at["qualifications_rqf3_pct", "default_period"]
    rq_d = rq[rq["period"] == rq_p]
    width = float((rq_d["uci_95"] - rq_d["lci_95"]).median())
    rq_missing = sorted(set(areas["area_code"]) - set(rq_d["area_code"]))
    no_nations = [c for c in rq_missing if not c.startswith("N09")]
    jcheck = facts["j_vs_groups"]
    drop_i, drop_a, k = facts["screen"]
    group_names = sorted(areas["group"].unique())
    return [
        ("Districts and codes",
         f"{n} districts on April 2023 codes (LAD23CD), names from the ONS lookup. Every "
         "district maps to exactly one ITL1 region (the lookup has "
         f"{facts['lookup_rows']} rows because some districts are made of several LAU1 units; "
         "no district spans two ITL1 regions; tested). `parent_code` = `itl1_code`."),
        ("2024 codes mapped explicitly",
         f"The ELS files publish two districts on April 2024 codes: {', '.join(mapped)} "
         "(Barnsley and Sheffield, after a small boundary change between them on 1 April "
         "2024). They are mapped by the table `curate_lad.LAD24_TO_LAD23` only, for "
         f"{', '.join(mapped_ids)}; any other code that is not an April 2023 district stops "
         "the build (tested). The April 2025 GVA and population workbooks, the lookup and the "
         "hex map already use April 2023 codes."),
        ("ITL3 of districts spanning several ITL3 areas",
         "`itl3_code` is the ITL3 holding most of the district's residents; `itl3_codes_all` "
         "lists every ITL3 it touches; `itl2_code` is the ITL2 of `itl3_code`. Residents of a "
         "part: the mid-2020 MYE2 populations of its LAU1 units when each is a former district "
         "with its own estimate (Cumbria), otherwise solved from ITL3 totals (ONS April 2024 "
         "Table 6, mid-2021) less the whole districts inside them (mid-2021, this release) and "
         f"less the parts already known. Result: {split_txt}. Tested."),
        ("Groups for imputation and peers",
         f"`group` is the ITL1 region name ({len(group_names)} groups), so `group_mean` "
         "imputation (not the default) would use the mean of the other districts of the same "
         "region, never the region's own figure; a group with no value stays missing (the 11 "
         "Northern Ireland districts have no RQF level 3+ value, so none is imputed). "
         "`peer_group` is a population-size band: quartiles of the district population "
         f"mid-{POPULATION_YEAR} (this release, all {n} districts): cut-points "
         f"{_fmt(cuts[0])}, {_fmt(cuts[1])} and {_fmt(cuts[2])} residents; "
         + ", ".join(f"{lab} {counts.get(lab, 0)}" for lab in PEER_LABELS)
         + " districts (a district equal to a cut-point goes to the lower band). `population` "
         f"is mid-{POPULATION_YEAR}: the latest year with all districts (2023 lacks Northern "
         "Ireland)."),
        ("Population check",
         "The district populations (April 2025 release) summed by ITL1 equal the ITL1 totals "
         "of the ONS April 2024 release (Table 6) exactly, for every region, in "
         f"{exact_years[0]}-{exact_years[-1]}. The April 2025 release's own ITL1 table is not "
         "in the raw data; in 2022 the two releases differ (mid-2022 revised): by "
         + ", ".join(f"{r.itl1} {r.difference:+,.0f}" for r in y22.itertuples())
         + f" persons (at most {y22['difference'].abs().div(y22['table6']).max() * 100:.3f}% "
         "of a region). No ITL1 total exists for 2023 in the raw data: not checked. Tested."),
        ("Digital Adoption: the whole of section J",
         "Division 63 is not published at district level (only the group 61-63), so J less 63 "
         "(the ITL1 edition's definition) cannot be computed. With no Data Ecosystems "
         "indicator at district level nothing is counted twice, so Digital Adoption uses the "
         "published section J (58-63) total, not 58-60 + 61-63: the two are the same "
         "industries, but J is one rounded figure instead of two and is confidential for fewer "
         f"districts (J: {len(conf_names)} districts, {', '.join(conf_names)}; 58-60/61-63: "
         f"{jcheck['groups_confidential']}). Where all three are published they differ by at "
         f"most £{jcheck['max_abs']:.0f}m ({jcheck['differ']} of {jcheck['cells']} "
         "district-years, rounding). New ids (`ict_gva_j_per_head`, `ict_gva_j_share_pct`) "
         "because the definition differs from the ITL1 edition's J less 63."),
        ("Confidential cells",
         f"`[c]` cells are absent rows, never filled in: section J is confidential for "
         f"{', '.join(conf_names)} ({len(conf)} district-years); the districts stay in "
         "`areas.csv` (tested). Northern Ireland population 2023 is `[u]` (not yet "
         "available): no 2023 per-head value for those districts."),
        ("Default period of the GVA figures",
         f"{GVA_DEFAULT_PERIOD} for per head, share and the GVA total: 2023 is provisional and "
         "has no Northern Ireland population; the per-head rule would choose 2022 anyway, and "
         "the share and the total use the same year so that the two Digital Adoption "
         "indicators describe one year."),
        ("RQF level 3+ at district level",
         f"Great Britain only: {sum(c.startswith('N09') for c in rq_missing)} Northern Ireland "
         f"districts have no value; also missing at {rq_p}: "
         + ", ".join(f"{name[c]}" for c in no_nations)
         + f". District estimates are small samples: the median width of the 95% confidence "
         f"interval at {rq_p} is {width:.1f} percentage points, so most differences between "
         "districts are not significant."),
        ("Screening under the default specification",
         f"The default spec (indicator and area coverage {DEFAULT_COVERAGE:.0%}, no "
         f"imputation) keeps {k} scored indicators"
         + (f" (drops {', '.join(drop_i)})" if drop_i else "")
         + " and drops "
         + (", ".join(f"{name[a]} ({a})" for a in drop_a) if drop_a else "no district")
         + ": a district needs at least "
         f"{int(np.ceil(DEFAULT_COVERAGE * k))} of the {k}. Northern Ireland's districts lack "
         f"only RQF level 3+ ({k - 1}/{k}) and are ranked on the other indicators of their "
         "components: Digital Skills is left out of their score by the engine, not imputed "
         "from the region. Tested against `build_index`."),
        ("Components not measured at district level",
         "; ".join(f"{c}: not measured at district level - {why}"
                   for c, why in NOT_MEASURED.items())
         + ". The framework keeps all eight components so that the editions are comparable; "
         "the engine logs 'component has no indicator with data' for each."),
        ("Hex map",
         "Tile positions from the ODI Leeds / Open Innovations 2023 district HexJSON "
         "(odd-r; its authors call it a first draft); every hex's region tag agrees with the "
         "lookup's ITL1 (checked by the build)."),
    ]


def j_vs_groups(gva: pd.DataFrame) -> dict:
    """Published J against 58-60 + 61-63 where all three are published."""
    w = gva.pivot_table(index=["lad", "year"], columns="sic", values="gva_gbp_million")
    conf = gva.attrs.get("confidential", [])
    groups_conf = sorted({lad for lad, s, _y in conf if s in ("58-60", "61-63")})
    both = w.dropna(subset=["J", "58-60", "61-63"])
    diff = (both["J"] - both["58-60"] - both["61-63"]).abs()
    return {"cells": int(len(diff)), "differ": int((diff > 0).sum()),
            "max_abs": float(diff.max()), "groups_confidential": len(groups_conf)}


def build_lad_tables(raw_dir: Path, shared_dir: Path) -> dict[str, pd.DataFrame | str]:
    """Every file of the district edition (file name -> frame, or text)."""
    from .curate import _sources_table, framework_table

    src = sources(raw_dir, shared_dir)
    from .curate_ons import sources as ons_sources

    ons = ons_sources(raw_dir, shared_dir)
    lookup = read_lookup(raw_dir)
    lads = dict(zip(lookup["LAD23CD"], lookup["LAD23NM"]))
    lad_pop = read_lad_population(raw_dir)
    if set(lad_pop["lad"]) != set(lads):
        raise raw_error(raw_dir / LAD_POPULATION, "expected exactly the 361 April 2023 districts "
                                                  "of the lookup")
    gva = read_lad_gva(raw_dir)
    if set(gva["lad"]) != set(lads):
        raise raw_error(raw_dir / GVA_DIR, "expected exactly the April 2023 districts of the "
                                           "lookup in the GVA workbooks")
    pop21 = lad_pop[lad_pop["year"] == 2021].set_index("lad")["population"].to_dict()
    parts = split_district_parts(lookup, pop21, _mid2020_all_ages(raw_dir),
                                 _table6_itl3_2021(raw_dir))
    itl3 = primary_itl3(lookup, parts)
    areas, cuts = _areas(lookup, itl3, read_hex_tiles(raw_dir), lad_pop, raw_dir)
    built, els_sources, facts = lad_indicators(raw_dir, shared_dir, lads, lad_pop, gva, src)
    indicators, values = _indicator_tables(built, areas)
    used = {s.source_id: s for s in els_sources}
    for sid in ("ons_gva_lad_apr2025", "ons_population_lad_apr2025", "ons_lad23_itl_lookup",
                "openinnovations_lad_hexjson"):
        used[sid] = src[sid]
    for sid in ("ons_population_apr2024", "ons_mye2_mid2020"):  # ITL3 split, population check
        used[sid] = ons[sid]
    sources_df = _sources_table(list(used.values()))
    facts.update({
        "parts": parts, "cuts": cuts, "lookup_rows": len(lookup),
        "pop_check": population_check(lad_pop, lookup, raw_dir),
        "confidential_j": [c for c in gva.attrs["confidential"] if c[1] == "J"],
        "j_vs_groups": j_vs_groups(gva),
        "screen": expected_screen(indicators, values, areas),
    })
    facts["decisions"] = _decisions(areas, indicators, values, facts)
    return {
        "indicator_values.csv": values,
        "indicators.csv": indicators,
        "areas.csv": areas,
        "sources.csv": sources_df,
        "framework.csv": framework_table(),
        "edition.yaml": EDITION_TEXT,
        "DATA_LOG.md": data_log(sources_df, indicators, values, areas, facts),
    }
