"""Tests of the curated-data build (ldi_helpers.data.curate and its per-source readers).

Known answers below were read by hand from the raw files in ../shared/data/raw (the rows are quoted
in each test, and the test re-reads them so it fails if the raw file changes).
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from ldi_helpers.data.components import COMPONENTS
from ldi_helpers.data.curate import OUTPUT_FILES, REPO_ROOT, build_data
from ldi_helpers.data.curate_common import academic_year, period_from_iso
from ldi_helpers.errors import DataValidationError

RAW = (REPO_ROOT / ".." / "shared" / "data" / "raw").resolve()
DATA = REPO_ROOT / "data"
needs_raw = pytest.mark.skipif(
    not RAW.is_dir(),
    reason=f"raw data folder {RAW} (../shared/data/raw) is absent: the rebuild tests need it",
)


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype={"period": str}, keep_default_na=False)


def _value(indicator_id: str, area: str, period: str) -> float:
    v = _data("indicator_values.csv")
    row = v[(v.indicator_id == indicator_id) & (v.area_code == area) & (v.period == period)]
    assert len(row) == 1, (indicator_id, area, period)
    return float(row["value"].iloc[0])


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    """A fresh build from the shared raw files into a temporary folder."""
    if not RAW.is_dir():
        pytest.skip(f"raw data folder {RAW} is absent")
    out = tmp_path_factory.mktemp("rebuild") / "data"
    build_data(RAW, out)
    return out


# --- (a) reproducibility ----------------------------------------------------------------
@needs_raw
@pytest.mark.parametrize("name", OUTPUT_FILES)
def test_rebuild_reproduces_committed_file_byte_for_byte(rebuilt, name):
    assert (rebuilt / name).read_bytes() == (DATA / name).read_bytes(), (
        f"data/{name} differs from a rebuild: run `ldi data build` and commit the result")


LAD_FILES = ("areas.csv", "framework.csv", "indicators.csv", "indicator_values.csv",
             "sources.csv", "edition.yaml", "DATA_LOG.md")


@needs_raw
@pytest.mark.parametrize("name", LAD_FILES)
def test_rebuild_reproduces_district_edition_byte_for_byte(rebuilt, name):
    got = (rebuilt / "editions" / "lad" / name).read_bytes()
    assert got == (DATA / "editions" / "lad" / name).read_bytes(), (
        f"data/editions/lad/{name} differs from a rebuild: run `ldi data build` and commit it")


@needs_raw
def test_rebuild_writes_only_the_two_editions(rebuilt):
    assert sorted(p.name for p in (rebuilt / "editions").iterdir()) == ["lad"]
    assert sorted(p.name for p in (rebuilt / "editions" / "lad").iterdir()) == sorted(LAD_FILES)


@needs_raw
def test_rebuild_leaves_no_temporary_folder(rebuilt):
    assert [p.name for p in rebuilt.parent.iterdir()] == ["data"]


# --- (b) known values ---------------------------------------------------------------------
@needs_raw
def test_els_value_is_copied_as_published():
    # raw row: E12000001,North East,Region,Gigabit capable broadband,2026-01-01,89.9,...
    path = RAW / "explore-local-statistics-data/gigabit-capable-broadband/" \
                 "gigabit-capable-broadband.csv"
    with path.open(encoding="utf-8-sig") as fh:
        row = next(r for r in csv.DictReader(fh) if r["areacd"] == "E12000001")
    assert row["observation"] == "89.9"
    assert _value("gigabit_broadband_pct", "TLC", "2026-01") == 89.9


@needs_raw
def test_devolved_nations_come_from_nation_rows():
    # raw row: N92000002,Northern Ireland,Nation,5G coverage,2026-01-01,93.47,...
    assert _value("coverage_5g_area_pct", "TLN", "2026-01") == 93.47


@needs_raw
def test_hebci_nuts2_rows_are_summed_and_divided_by_population_of_the_year():
    # raw rows: 2018,UKC1,2016,51000 and 2018,UKC2,2016,26237000 (ip_revenue, GBP);
    # North East mid-2018 population, April 2024 release (Table 6): 2,629,393.
    text = (RAW / "beis-indicators/hebci/ip_revenue.nuts2.csv").read_text()
    assert "2018,UKC1,2016,51000\n" in text and "2018,UKC2,2016,26237000\n" in text
    expected = (51000 + 26237000) / 2629393
    assert _value("hebci_ip_revenue_per_head", "TLC", "2018/19") == pytest.approx(expected,
                                                                                 rel=1e-12)


@needs_raw
def test_financial_year_uses_population_of_its_first_calendar_year():
    # public-funded R&D, North East, 2021-04-01/P1Y: £363m; mid-2021 population 2,647,493.
    assert _value("public_rd_total_gbp_million", "TLC", "2021/22") == 363.0
    assert _value("public_rd_per_head", "TLC", "2021/22") == pytest.approx(363e6 / 2647493,
                                                                           rel=1e-12)


def _raw_row(relpath: str, **match: str) -> dict[str, str]:
    """The one row of a raw CSV whose columns equal ``match``."""
    with (RAW / relpath).open(encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if all(r[k] == v for k, v in match.items())]
    assert len(rows) == 1, (relpath, match)
    return rows[0]


def _num(text: str) -> float:
    return float(text.replace(",", ""))


TABLE1C = "ukcompare/Table 1c ITL1 UK current price estimates pounds million.csv"
TABLE6 = "RegionalEconomicTools/Table 6 Total resident population numbers persons Apr2024.csv"
TABLE17 = "ukcompare/Table 17 Total resident population numbers persons.csv"


@needs_raw
def test_digital_adoption_is_section_j_less_division_63_known_answer():
    """London 2021, by hand from the raw rows (Table 1c, April 2023; Table 6, April 2024):

    TLI,London,J (58-63),...,"56,617"; TLI,London,63,...,"6,225"; TLI,London,Total,...,"487,437";
    divisions 58-62: 7,328 + 11,444 + 5,784 + 8,225 + 17,612 = 50,393 (one more than J - 63 =
    50,392: each figure is rounded to £1m on its own). Table 6 London 2021: 8,804,769.
    Per head = 50,392e6 / 8,804,769 = £5,723.26; share = 50,392 / 487,437 = 10.338%.
    (Before this decision: 56,617e6 / 8,796,628 (Table 17) = £6,436.20 and 11.615%.)
    """
    row = {c: _raw_row(TABLE1C, **{"ITL region code": "TLI", "SIC07 code": c})["2021"]
           for c in ("J (58-63)", "58", "59", "60", "61", "62", "63", "Total")}
    assert (row["J (58-63)"], row["63"], row["Total"]) == ("56,617", "6,225", "487,437")
    divisions = sum(_num(row[c]) for c in ("58", "59", "60", "61", "62"))
    assert divisions == 50393.0
    pop = _raw_row(TABLE6, **{"ITL code": "TLI"})["2021"]
    assert pop == "8,804,769"
    assert _value("ict_gva_per_head", "TLI", "2021") == pytest.approx(50392e6 / 8804769,
                                                                      rel=1e-12)
    assert _value("ict_gva_per_head", "TLI", "2021") == pytest.approx(5723.26, abs=0.005)
    assert _value("ict_gva_share_pct", "TLI", "2021") == pytest.approx(50392 / 487437 * 100,
                                                                       rel=1e-12)
    # Data Ecosystems keeps division 63 alone: the two components do not overlap
    assert _value("info_services_gva_share_pct", "TLI", "2021") == pytest.approx(
        6225 / 487437 * 100, rel=1e-12)
    assert _value("ict_gva_share_pct", "TLI", "2021") + _value(
        "info_services_gva_share_pct", "TLI", "2021") == pytest.approx(56617 / 487437 * 100,
                                                                       rel=1e-12)


def test_digital_adoption_metadata_names_the_definition():
    meta = _data("indicators.csv").set_index("indicator_id")
    for ind in ("ict_gva_per_head", "ict_gva_share_pct"):
        assert "J less division 63" in meta.at[ind, "name"]
        assert "J less division 63" in meta.at[ind, "caveats"]
        assert "Table 17" not in meta.at[ind, "denominator"]
    log = (DATA / "DATA_LOG.md").read_text()
    assert "## Data decisions" in log
    assert "Digital Adoption does not count Data Ecosystems again" in log


def test_every_per_head_indicator_uses_the_april_2024_population():
    meta = _data("indicators.csv")
    per_head = meta[meta.unit.str.contains("per resident|residents")]
    assert len(per_head) >= 15
    assert per_head.denominator.str.contains("April 2024 release").all()
    assert not per_head.denominator.str.contains("Table 17|April 2023 release").any()


@needs_raw
def test_table17_population_break_is_avoided():
    """London 2020 -> 2021 population change: Table 17 -2.29% (2021 Census-based, 2020 not),
    Table 6 -0.70% (one basis); the per-head values use Table 6."""
    t17 = _raw_row(TABLE17, **{"ITL code": "TLI"})
    t6 = _raw_row(TABLE6, **{"ITL code": "TLI"})
    assert _num(t17["2021"]) / _num(t17["2020"]) - 1 == pytest.approx(-0.0229, abs=5e-5)
    assert _num(t6["2021"]) / _num(t6["2020"]) - 1 == pytest.approx(-0.0070, abs=5e-5)
    j63_2020 = (_num(_raw_row(TABLE1C, **{"ITL region code": "TLI", "SIC07 code": "J (58-63)"})
                     ["2020"])
                - _num(_raw_row(TABLE1C, **{"ITL region code": "TLI", "SIC07 code": "63"})
                       ["2020"]))
    assert _value("ict_gva_per_head", "TLI", "2020") == pytest.approx(
        j63_2020 * 1e6 / _num(t6["2020"]), rel=1e-12)


@needs_raw
def test_periods_without_population_are_context_totals_only():
    v = _data("indicator_values.csv")
    assert set(v[v.indicator_id == "berd_per_head"].period) == {"2022"}
    assert set(v[v.indicator_id == "berd_total_gbp_million"].period) == {"2022", "2023", "2024"}
    meta = _data("indicators.csv").set_index("indicator_id")
    assert meta.at["berd_total_gbp_million", "component"] == "context"


def test_lloyds_northern_ireland_stays_missing():
    v = _data("indicator_values.csv")
    areas = set(v[v.indicator_id == "lloyds_full_basic_digital_skills_pct"].area_code)
    assert len(areas) == 11 and "TLN" not in areas
    assert _value("lloyds_zero_basic_digital_skills_pct", "TLL", "2018") == 19.0


def test_ict_panel_has_every_region_code_and_year():
    panel = _data("ict_gva_panel.csv")
    assert len(panel) == 12 * 8 * 24
    assert sorted(panel.sic07_code.astype(str).unique()) == sorted(
        ["Total", "J", "58", "59", "60", "61", "62", "63"])
    assert (panel.year.min(), panel.year.max()) == (1998, 2021)


def test_published_techuk_values_are_unaltered():
    pub = _data("published_techuk_2023.csv").set_index("area_code")
    assert pub.at["TLK", "gva_uplift_gbp"] == "114766949.21"
    assert pub.at["TLI", "uplift_to_uk_median_gbp"] == ""
    assert pub.at["TLI", "digital_gva_per_person_gbp"] == 9038


# --- (c) 16-64 population against techUK's published uplift --------------------------------
def test_population_16_64_matches_published_uplift_per_person():
    """gva_uplift / uplift_per_person is the 16-64 population (mid-2020), within 0.1%.

    The per-person uplift is computed from the unrounded median 1945.5 minus the published value.
    South West (uplift 33.5) misses 0.1% by ~0.9%: its tiny uplift magnifies the £1 rounding of the
    published per-person values, so for every region we also check that gva_uplift / population
    rounds to the published whole-pound uplift.
    """
    areas = _data("areas.csv").set_index("area_code")
    pub = pd.read_csv(DATA / "published_techuk_2023.csv").set_index("area_code")
    below = pub.dropna(subset=["gva_uplift_gbp"])
    assert len(below) == 6
    for code, row in below.iterrows():
        pop = areas.at[code, "population_16_64"]
        assert round(row.gva_uplift_gbp / pop) == row.uplift_to_uk_median_gbp, code
        uplift = 1945.5 - row.digital_gva_per_person_gbp
        if uplift > 100:
            assert row.gva_uplift_gbp / uplift == pytest.approx(pop, rel=1e-3), code
    assert areas.at["TLC", "population_16_64"] == 1665722


# --- (d) provenance -----------------------------------------------------------------------
def test_every_indicator_has_source_url_and_licence():
    meta = _data("indicators.csv")
    sources = _data("sources.csv").set_index("source_id")
    for col in ("source_id", "url", "licence", "unit", "denominator", "default_period"):
        assert (meta[col].str.strip() != "").all(), col
    assert set(meta.source_id) <= set(sources.index)
    assert (sources.licence.str.strip() != "").all()
    ogl = sources[sources.licence.str.contains("Open Government Licence")]
    assert ogl.attribution.str.contains(
        "Contains public sector information licensed under the Open Government Licence v3.0."
    ).all()


def test_data_log_lists_every_source_and_indicator():
    log = (DATA / "DATA_LOG.md").read_text()
    for sid in _data("sources.csv").source_id:
        assert f"| {sid} |" in log
    for ind in _data("indicators.csv").indicator_id:
        assert f"| {ind} |" in log


# --- (e) components -----------------------------------------------------------------------
def test_each_component_has_an_indicator():
    meta = _data("indicators.csv")
    for component in COMPONENTS:
        assert (meta.component == component).any(), component


#: Indicators whose default period is not the latest with the best coverage, by a documented
#: data decision (DATA_LOG.md "Data decisions"; the period is in the caveat).
STATED_DEFAULT_PERIODS = {"tech_companies_founded_per_100k": "2015"}


def test_default_period_has_best_coverage():
    v = _data("indicator_values.csv")
    for row in _data("indicators.csv").itertuples():
        counts = v[v.indicator_id == row.indicator_id].groupby("period").area_code.nunique()
        assert counts[row.default_period] == counts.max(), row.indicator_id
        if row.indicator_id in STATED_DEFAULT_PERIODS:
            assert row.default_period == STATED_DEFAULT_PERIODS[row.indicator_id]
            assert f"default period is therefore {row.default_period}" in row.caveats
        else:
            assert row.default_period == max(counts[counts == counts.max()].index)


@needs_raw
def test_crunchbase_default_is_the_peak_before_the_undercount():
    """UK companies founded (raw NUTS2 rows summed) peak in 2015 and fall every year after;
    London (UKI*) 734 in 2015, 466 in 2018 (DATA.md's known problem)."""
    df = pd.read_csv(RAW / "beis-indicators/crunchbase/companies_founded.nuts2.csv")
    uk = df.groupby("year").companies_founded.sum()
    assert uk.idxmax() == 2015 and (uk.loc[2015:].diff().dropna() < 0).all()
    london = df[df.nuts_id.str.startswith("UKI")].groupby("year").companies_founded.sum()
    assert (london[2015], london[2018]) == (734, 466)
    meta = _data("indicators.csv").set_index("indicator_id")
    assert meta.at["tech_companies_founded_per_100k", "default_period"] == "2015"
    assert "London 734 in 2015, 466 in 2018" in meta.at["tech_companies_founded_per_100k",
                                                         "caveats"]


def test_innovate_uk_periods_are_financial_years():
    v = _data("indicator_values.csv")
    periods = sorted(v[v.indicator_id == "innovate_uk_funding_per_head"].period.unique())
    assert periods[0] == "2010/11" and periods[-1] == "2019/20"
    meta = _data("indicators.csv").set_index("indicator_id")
    assert meta.at["innovate_uk_funding_per_head", "default_period"] == "2019/20"
    assert "financial year" in meta.at["innovate_uk_funding_per_head", "caveats"]
    assert "mid-2019" in meta.at["innovate_uk_funding_per_head", "denominator"]


@needs_raw
def test_innovate_uk_financial_year_uses_population_of_its_first_calendar_year():
    df = pd.read_csv(RAW / "beis-indicators/innovate_uk/gbp_innovate_uk_funding.nuts2.csv")
    ne = df[(df.year == 2019) & df.nuts_id.str.startswith("UKC")].gbp_innovate_uk_funding.sum()
    pop = _num(_raw_row(TABLE6, **{"ITL code": "TLC"})["2019"])
    assert _value("innovate_uk_funding_per_head", "TLC", "2019/20") == pytest.approx(
        ne / pop, rel=1e-12)


def test_fdi_is_flagged_as_a_proxy():
    meta = _data("indicators.csv").set_index("indicator_id")
    for ind in ("fdi_inward_per_head", "fdi_inward_total_gbp_million"):
        assert str(meta.at[ind, "is_proxy"]).lower() == "true"
        assert "all industries" in meta.at[ind, "caveats"]


@needs_raw
def test_hesa_licence_says_what_the_source_says():
    """No licence for the HESA data is named in the raw folder: the licence cell says so."""
    text = (RAW / "beis-indicators/SOURCE.txt").read_text()
    assert "MIT" in text and "CC BY" not in text and "Creative Commons" not in text
    for yaml_path in (RAW / "beis-indicators/hebci").glob("*.yaml"):
        assert "licen" not in yaml_path.read_text().lower(), yaml_path
    lic = _data("sources.csv").set_index("source_id").at["hesa_hebci", "licence"]
    assert "not stated by the source" in lic and "re-published by Nesta under MIT" in lic


def test_5g_caveat_gives_the_date_of_each_figure():
    cav = _data("indicators.csv").set_index("indicator_id").at["coverage_5g_area_pct", "caveats"]
    assert "47.52% of its land area in this data (January 2026)" in cav
    assert "91% of premises in 2024" in cav
    assert "different measures at different dates" in cav


def test_no_indicator_uses_the_gtr_per_project_mean():
    """beis-indicators gtr 'total' UKRI funding is a per-project mean (DATA.md): never summed."""
    meta = _data("indicators.csv")
    assert not meta.raw_path.str.contains("gtr/").any()
    assert not _data("sources.csv").raw_files.str.contains("gtr/").any()


# --- (f) failures -------------------------------------------------------------------------
def _mirror_raw(tmp_path: Path, skip: str) -> Path:
    """A copy of the shared folder made of symlinks, without the raw file ``skip``."""
    shared = tmp_path / "shared"
    raw = shared / "raw"
    for item in ("published", "figures_from_publications.csv"):
        (shared / item).parent.mkdir(parents=True, exist_ok=True)
        (shared / item).symlink_to(RAW.parent / item)
    for path in RAW.rglob("*"):
        if path.is_file() and path.relative_to(RAW).as_posix() != skip:
            target = raw / path.relative_to(RAW)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    return raw


@needs_raw
def test_missing_raw_file_raises_and_writes_nothing(tmp_path):
    raw = _mirror_raw(tmp_path, "myrmidon/ONS2020_PopnByAgeYearEstimate.csv")
    out = tmp_path / "out" / "data"
    with pytest.raises(DataValidationError, match="ONS2020_PopnByAgeYearEstimate.csv"):
        build_data(raw, out)
    assert not out.exists()
    parent = tmp_path / "out"
    assert not parent.exists() or list(parent.iterdir()) == []


@needs_raw
def test_changed_layout_raises_and_keeps_old_data(tmp_path):
    rel = "ukcompare/Table 17 Total resident population numbers persons.csv"
    raw = _mirror_raw(tmp_path, rel)
    text = (RAW / rel).read_text(encoding="utf-8-sig").replace("ITL code", "ITL_code", 1)
    (raw / rel).write_text(text, encoding="utf-8")
    out = tmp_path / "data"
    out.mkdir()
    (out / "indicators.csv").write_text("old\n")
    with pytest.raises(DataValidationError, match="Table 17.*'ITL code'"):
        build_data(raw, out)
    assert (out / "indicators.csv").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "shared"]


# --- helpers ------------------------------------------------------------------------------
def test_period_conversion(tmp_path):
    assert period_from_iso("2022-01-01/P1Y", tmp_path) == ("2022", 2022)
    assert period_from_iso("2021-04-01/P1Y", tmp_path) == ("2021/22", 2021)
    assert period_from_iso("1999-04-01/P1Y", tmp_path) == ("1999/00", 1999)
    assert period_from_iso("2026-01-01", tmp_path) == ("2026-01", None)
    with pytest.raises(DataValidationError, match="2022-Q1"):
        period_from_iso("2022-Q1", tmp_path)
    assert academic_year(2018) == "2018/19"


def test_values_are_finite_and_keys_unique():
    v = _data("indicator_values.csv")
    assert not v.duplicated(["area_code", "indicator_id", "period"]).any()
    assert all(math.isfinite(x) for x in v.value)
    assert set(v.geography) == {"ITL1"}
