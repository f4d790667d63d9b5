"""Tests of the curated-data build (ldi_helpers.curate and its per-source readers).

Known answers below were read by hand from the raw files in ../shared/data/raw (the rows are quoted
in each test, and the test re-reads them so it fails if the raw file changes).
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from ldi_helpers.components import COMPONENTS
from ldi_helpers.curate import OUTPUT_FILES, REPO_ROOT, build_data
from ldi_helpers.curate_common import academic_year, period_from_iso
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


@needs_raw
def test_ict_gva_per_head_uses_the_april_2023_population():
    # Table 1c London J (58-63) 2021: 56,617 £m; Table 17 London 2021: 8,796,628 persons.
    panel = _data("ict_gva_panel.csv")
    row = panel[(panel.area_code == "TLI") & (panel.sic07_code == "J") & (panel.year == 2021)]
    assert float(row["gva_gbp_million"].iloc[0]) == 56617.0
    assert _value("ict_gva_per_head", "TLI", "2021") == pytest.approx(56617e6 / 8796628,
                                                                      rel=1e-12)


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


def test_default_period_has_best_coverage():
    v = _data("indicator_values.csv")
    for row in _data("indicators.csv").itertuples():
        counts = v[v.indicator_id == row.indicator_id].groupby("period").area_code.nunique()
        assert counts[row.default_period] == counts.max(), row.indicator_id
        assert row.default_period == max(counts[counts == counts.max()].index)


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
