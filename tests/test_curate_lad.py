"""Tests of the district edition (``data/editions/lad/``, built by ``ldi_helpers.data.curate_lad``).

Known answers are re-read from the raw files in ../shared/data/raw, so a changed raw file fails
the test rather than silently changing the answer.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ldi_helpers.data import curate_lad
from ldi_helpers.data.curate import REPO_ROOT
from ldi_helpers.errors import DataValidationError
from ldi_helpers.data.geography import REGIONS

RAW = (REPO_ROOT / ".." / "shared" / "data" / "raw").resolve()
LAD = REPO_ROOT / "data" / "editions" / "lad"
needs_raw = pytest.mark.skipif(not RAW.is_dir(), reason=f"raw data folder {RAW} is absent")


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(LAD / name, dtype={"period": str}, keep_default_na=False)


@pytest.fixture(scope="module")
def areas() -> pd.DataFrame:
    return _csv("areas.csv")


@pytest.fixture(scope="module")
def values() -> pd.DataFrame:
    return _csv("indicator_values.csv")


@pytest.fixture(scope="module")
def lookup() -> pd.DataFrame:
    if not RAW.is_dir():
        pytest.skip("raw data absent")
    return curate_lad.read_lookup(RAW)


# --- areas ------------------------------------------------------------------------------------
def test_all_361_districts_on_april_2023_codes(areas):
    assert len(areas) == 361 and areas["area_code"].is_unique
    counts = areas["area_code"].str[:3].value_counts().to_dict()
    assert counts == {"E06": 63, "E07": 164, "E08": 36, "E09": 33, "W06": 22, "S12": 32,
                      "N09": 11}
    assert set(areas["geography"]) == {"LAD"}
    assert (areas["name"].str.len() > 0).all()


def test_every_district_has_exactly_one_itl1_region(areas, lookup):
    per_lad = lookup.groupby("LAD23CD")["ITL121CD"].unique()
    assert (per_lad.map(len) == 1).all()
    expected = per_lad.map(lambda v: v[0])
    got = areas.set_index("area_code")
    assert (got["parent_code"] == got["itl1_code"]).all()
    assert (got.loc[expected.index, "itl1_code"] == expected).all()
    assert set(got["itl1_code"]) == {r.itl1_code for r in REGIONS}
    name = {r.itl1_code: r.name for r in REGIONS}
    assert (got["group"] == got["itl1_code"].map(name)).all()


def test_itl3_and_itl2_are_consistent_with_the_lookup(areas, lookup):
    pairs = set(zip(lookup["LAD23CD"], lookup["ITL321CD"]))
    itl2 = dict(zip(lookup["ITL321CD"], lookup["ITL221CD"]))
    for r in areas.itertuples():
        assert (r.area_code, r.itl3_code) in pairs
        assert r.itl2_code == itl2[r.itl3_code]
        assert r.itl3_code in r.itl3_codes_all.split(";")
    split = areas[areas["itl3_codes_all"].str.contains(";")]
    assert sorted(split["area_code"]) == ["E06000063", "E06000064", "S12000017", "S12000021",
                                          "S12000035"]


def test_split_districts_get_the_itl3_with_most_residents(areas):
    got = areas.set_index("area_code")["itl3_code"]
    # Cumberland: Allerdale 97,831 + Copeland 68,041 (West Cumbria) > Carlisle 108,524;
    # Westmorland and Furness: Eden + South Lakeland (East Cumbria) > Barrow-in-Furness;
    # North Ayrshire: mainland (TLM93) >> Arran and Cumbrae; Argyll and Bute: the TLM63 parts
    # (islands + mainland) > Helensburgh and Lomond; Highland: Inverness (TLM62) is largest.
    assert got["E06000063"] == "TLD11" and got["E06000064"] == "TLD12"
    assert got["S12000021"] == "TLM93" and got["S12000035"] == "TLM63"
    assert got["S12000017"] == "TLM62"


@needs_raw
def test_split_parts_add_up_to_itl3_and_district_populations(lookup):
    pop = curate_lad.read_lad_population(RAW)
    pop21 = pop[pop["year"] == 2021].set_index("lad")["population"].to_dict()
    itl3 = curate_lad._table6_itl3_2021(RAW)
    parts = curate_lad.split_district_parts(lookup, pop21, curate_lad._mid2020_all_ages(RAW),
                                            itl3)
    scot = parts[parts["lad"].str.startswith("S12")]
    # every Scottish part is solved from 2021 figures, so parts sum to the district exactly
    assert (scot.groupby("lad")["residents"].sum() - pd.Series(pop21)[scot["lad"].unique()]
            ).abs().max() < 1e-6
    # and TLM63 (made only of split parts, never used as an equation) is reproduced exactly
    assert scot.loc[scot["itl3"] == "TLM63", "residents"].sum() == pytest.approx(itl3["TLM63"])
    # TLM61 is only Highland
    assert scot.loc[scot["itl3"] == "TLM61", "residents"].sum() == pytest.approx(itl3["TLM61"])


def test_split_rule_on_a_made_up_lookup():
    lookup = pd.DataFrame({
        "LAD23CD": ["A", "A", "B", "C"], "LAU121CD": ["a1", "a2", "b1", "c1"],
        "ITL321CD": ["X", "Y", "Y", "X"], "ITL221CD": ["P", "P", "P", "P"],
        "ITL121CD": ["TLC"] * 4, "ObjectId": [1, 2, 3, 4],
    })
    # A spans X and Y; X = A's part + C; Y = A's part + B.
    parts = curate_lad.split_district_parts(lookup, {"A": 100, "B": 50, "C": 10}, {},
                                            {"X": 40, "Y": 120})
    got = parts.set_index("itl3")["residents"]
    assert got["X"] == 30 and got["Y"] == 70
    assert curate_lad.primary_itl3(lookup, parts)["A"] == "Y"
    # known LAU1 populations are used first
    parts = curate_lad.split_district_parts(lookup, {"A": 100, "B": 50, "C": 10},
                                            {"a1": 80, "a2": 20}, {})
    assert curate_lad.primary_itl3(lookup, parts)["A"] == "X"


def test_peer_groups_are_population_quartiles(areas):
    pop = areas["population"].astype(float)
    cuts = np.quantile(pop, [0.25, 0.5, 0.75])
    band = np.searchsorted(cuts, pop, side="left")
    assert list(areas["peer_group"]) == [curate_lad.PEER_LABELS[b] for b in band]
    assert areas["peer_group"].value_counts().min() >= 90
    text = (LAD / "DATA_LOG.md").read_text()
    for c in cuts:
        assert f"{c:,.0f}" in text
    assert set(areas["population_period"].astype(str)) == {"2022"}


def test_hex_positions_are_unique(areas):
    assert not areas[["tile_q", "tile_r"]].duplicated().any()
    assert areas[["tile_q", "tile_r"]].notna().all().all()


# --- code mapping -----------------------------------------------------------------------------
def test_2024_to_2023_code_table():
    assert curate_lad.LAD24_TO_LAD23 == {"E08000038": "E08000016", "E08000039": "E08000019"}


@needs_raw
def test_2024_codes_are_mapped_and_values_copied(values):
    path = RAW / "explore-local-statistics-data/gigabit-capable-broadband/" \
                 "gigabit-capable-broadband.csv"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert {"E08000038", "E08000039"} <= set(raw["areacd"])
    assert not {"E08000016", "E08000019"} & set(raw["areacd"])
    for new, old in curate_lad.LAD24_TO_LAD23.items():
        obs = float(raw.loc[raw["areacd"] == new, "observation"].iloc[0])
        got = values[(values["indicator_id"] == "gigabit_broadband_pct")
                     & (values["area_code"] == old)]["value"]
        assert list(got) == [obs]
    assert not set(curate_lad.LAD24_TO_LAD23) & set(values["area_code"])


@needs_raw
def test_an_unmapped_district_code_stops_the_build(tmp_path, lookup):
    folder = "gigabit-capable-broadband"
    src = RAW / "explore-local-statistics-data" / folder
    dst = tmp_path / "explore-local-statistics-data" / folder
    dst.mkdir(parents=True)
    shutil.copy(src / f"{folder}.json", dst)
    text = (src / f"{folder}.csv").read_text(encoding="utf-8-sig")
    line = next(x for x in text.splitlines() if x.startswith("E08000038,"))
    text += line.replace("E08000038", "E08000099") + "\n"
    (dst / f"{folder}.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataValidationError, match="E08000099"):
        curate_lad.read_els_lad(tmp_path, folder, "Gigabit capable broadband", "%",
                                set(lookup["LAD23CD"]))


# --- population check ---------------------------------------------------------------------------
@needs_raw
def test_district_populations_sum_to_the_itl1_totals(lookup):
    check = curate_lad.population_check(curate_lad.read_lad_population(RAW), lookup, RAW)
    assert len(check) == 12 * 25  # 12 regions x 1998-2022
    early = check[check["year"] <= 2021]
    assert (early["difference"] == 0).all()
    y22 = check[check["year"] == 2022]
    assert (y22["difference"].abs() / y22["table6"]).max() < 0.001  # mid-2022 revision only


# --- confidential cells -------------------------------------------------------------------------
@needs_raw
def test_confidential_cells_are_absent_and_districts_kept(values, areas):
    path = RAW / "DAT5501_Assignment_02/data/raw/" \
                 "regionalgrossvalueaddedbalancedbyindustrylocalauthoritiestlksouthwest.xlsx"
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = [r for r in wb["Table 3"].iter_rows(values_only=True) if r[1] == "E06000052"
            and r[3] == "J (58-63)"]
    wb.close()
    assert len(rows) == 1 and "[c]" in rows[0][5:]
    for ind in ("ict_gva_j_per_head", "ict_gva_j_share_pct"):
        v = values[values["indicator_id"] == ind]
        assert not {"E06000052", "E06000053"} & set(v["area_code"])
        assert v.groupby("period")["area_code"].nunique().max() == 359
    assert {"E06000052", "E06000053"} <= set(areas["area_code"])
    tot = values[(values["indicator_id"] == "gva_total_gbp_million") & (values["period"] == "2022")]
    assert {"E06000052", "E06000053"} <= set(tot["area_code"])


@needs_raw
def test_ict_gva_per_head_known_answer(values):
    """Manchester E08000003, 2022: J / population of the same release."""
    gva = curate_lad.read_lad_gva(RAW)
    pop = curate_lad.read_lad_population(RAW)
    j = gva[(gva["lad"] == "E08000003") & (gva["sic"] == "J") & (gva["year"] == 2022)]
    tot = gva[(gva["lad"] == "E08000003") & (gva["sic"] == "Total") & (gva["year"] == 2022)]
    p = pop[(pop["lad"] == "E08000003") & (pop["year"] == 2022)]["population"].iloc[0]
    j = j["gva_gbp_million"].iloc[0]
    got = values[(values["area_code"] == "E08000003") & (values["period"] == "2022")] \
        .set_index("indicator_id")["value"]
    assert got["ict_gva_j_per_head"] == pytest.approx(j * 1e6 / p, rel=1e-12)
    assert got["ict_gva_j_share_pct"] == pytest.approx(
        j / tot["gva_gbp_million"].iloc[0] * 100, rel=1e-12)


def test_northern_ireland_has_no_skills_value_and_no_2023_per_head(values):
    q = values[values["indicator_id"] == "qualifications_rqf3_pct"]
    assert not q["area_code"].str.startswith("N09").any()
    ph = values[(values["indicator_id"] == "ict_gva_j_per_head") & (values["period"] == "2023")]
    assert not ph["area_code"].str.startswith("N09").any()


# --- framework, components, load and engine ----------------------------------------------------
def test_framework_is_the_itl1_editions():
    assert (LAD / "framework.csv").read_bytes() == \
        (REPO_ROOT / "data" / "framework.csv").read_bytes()


def test_only_district_components_have_indicators():
    ind = _csv("indicators.csv")
    assert set(ind["component"]) == {"digital_infrastructure", "digital_skills",
                                     "digital_adoption", "context"}
    text = (LAD / "DATA_LOG.md").read_text()
    for c in curate_lad.NOT_MEASURED:
        assert f"{c}: not measured at district level" in text
    assert not ind["url"].eq("").any() and not ind["licence"].eq("").any()


def test_edition_loads_and_the_engine_runs_with_the_default_spec(areas):
    from ldi_helpers.method.index import build_index
    from ldi_helpers.data.load import load_data

    data = load_data(LAD)
    assert data.edition["unit_word"] == "local authority"
    assert data.edition["unit_word_plural"] == "local authorities"
    assert data.edition["geography"] == "LAD"
    res = build_index(data)
    log = res.log
    empty = set(log.loc[log["message"].str.contains("component has no indicator with data"),
                        "item"])
    assert empty == set(curate_lad.NOT_MEASURED)
    dropped = set(log.loc[(log["step"] == "screen")
                          & log["message"].str.startswith("area dropped"), "item"])
    _di, expected, _k = curate_lad.expected_screen(data.indicators, data.values, areas)
    assert dropped == set(expected) == {"E06000053"}  # Isles of Scilly: 4 of 7 indicators
    ranked = set(res.composite.dropna().index)
    assert {c for c in areas["area_code"] if c.startswith("N09")} <= ranked
    assert len(ranked) == 360
    text = (LAD / "DATA_LOG.md").read_text()
    assert "drops Isles of Scilly (E06000053)" in text
