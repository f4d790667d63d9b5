"""Tests for ldi_helpers.analysis.growth_models on panels with known growth, convergence and dispersion."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ldi_helpers.analysis import growth_models as gm

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
HAVE_DATA = all((DATA_DIR / f).is_file() for f in (
    "published_techuk_2023.csv", "areas.csv", "population.csv", "ict_gva_panel.csv"))

YEARS = np.arange(2000, 2021)
# a small zero-mean wiggle so residuals are not exactly zero (alternating +-0.01 in logs)
WIGGLE = np.where(np.arange(len(YEARS)) % 2 == 0, 0.01, -0.01)


def panel_from(levels: dict, growth: dict, wiggle=True) -> pd.DataFrame:
    rows = []
    for code, y0 in levels.items():
        logs = np.log(y0) + np.log1p(growth[code]) * (YEARS - YEARS[0]) + (WIGGLE if wiggle else 0)
        for yr, lv in zip(YEARS, np.exp(logs)):
            rows.append({"area_code": code, "year": int(yr), "gva_per_head_gbp": lv})
    return pd.DataFrame(rows)


def test_trend_growth_recovers_known_rates():
    p = panel_from({"TLC": 100.0, "TLD": 300.0}, {"TLC": 0.05, "TLD": 0.02})
    t = gm.trend_growth(p, include_uk=False).set_index("area_code")
    assert t.loc["TLC", "growth_rate"] == pytest.approx(0.05, abs=2e-4)
    assert t.loc["TLD", "growth_rate"] == pytest.approx(0.02, abs=2e-4)
    assert (t["ci_lo"] < t["growth_rate"]).all() and (t["growth_rate"] < t["ci_hi"]).all()
    assert t.loc["TLC", "n_years"] == len(YEARS)
    w = gm.trend_growth(p, include_uk=False, start_year=2010, end_year=2015)
    assert w["n_years"].tolist() == [6, 6]


def test_trend_needs_enough_positive_years():
    p = panel_from({"TLC": 100.0}, {"TLC": 0.05})
    with pytest.raises(gm.ModelError, match="at least 5 years"):
        gm.trend_growth(p[p.year < 2003], include_uk=False)


def test_projection_follows_trend_with_widening_interval():
    p = panel_from({"TLC": 100.0}, {"TLC": 0.05})
    pr = gm.project_trend(p, "TLC", to_year=2030)
    assert pr["year"].iloc[-1] == 2030 and pr["observed"].iloc[-1] != pr["observed"].iloc[-1]
    # trend at the first year is close to 100 and grows ~5% a year
    assert pr["trend"].iloc[-1] / pr["trend"].iloc[-2] == pytest.approx(1.05, abs=2e-4)
    assert (pr["pi_lo"] < pr["trend"]).all() and (pr["trend"] < pr["pi_hi"]).all()
    width = np.log(pr["pi_hi"]) - np.log(pr["pi_lo"])
    assert width.iloc[-1] > width.iloc[len(YEARS) - 1]
    with pytest.raises(gm.ModelError, match="area_code"):
        gm.project_trend(p, "TLZ", 2030)


def test_beta_convergence_recovers_slope():
    # growth (log points a year) = 0.2 - 0.03 * log(y0): lower starting levels grow faster
    y0 = {"TLC": 100.0, "TLD": 150.0, "TLE": 220.0, "TLF": 300.0, "TLG": 500.0, "TLH": 800.0}
    g = {c: np.expm1(0.2 - 0.03 * np.log(v)) for c, v in y0.items()}
    p = panel_from(y0, g, wiggle=False)
    # make the fit imperfect but keep the slope: perturb two regions' end values symmetrically
    p.loc[(p.area_code == "TLD") & (p.year == 2020), "gva_per_head_gbp"] *= np.exp(0.02)
    p.loc[(p.area_code == "TLG") & (p.year == 2020), "gva_per_head_gbp"] *= np.exp(-0.02)
    b = gm.beta_convergence(p)
    assert b.n == 6 and (b.start_year, b.end_year) == (2000, 2020)
    assert b.beta == pytest.approx(-0.03, abs=0.002)
    assert b.ci_lo < b.beta < b.ci_hi < 0
    # implied speed -log(1 + beta T) / T with T = 20 years
    assert b.speed == pytest.approx(-np.log(1 + b.beta * 20) / 20)
    assert b.speed > 0
    assert b.half_life_years == pytest.approx(np.log(2) / b.speed)


def test_sigma_convergence_known_slope():
    # log y = 5 + c_r * (1 - 0.02 t): sd of logs = sd(c) * (1 - 0.02 t), slope -0.02 sd(c)
    c = np.array([-0.6, -0.2, 0.1, 0.7])
    rows = []
    for code, cr in zip(["TLC", "TLD", "TLE", "TLF"], c):
        for t, yr in enumerate(YEARS):
            rows.append({"area_code": code, "year": int(yr),
                         "gva_per_head_gbp": float(np.exp(5 + cr * (1 - 0.02 * t)
                                                          + 0.001 * ((t % 3) - 1)))})
    s = gm.sigma_convergence(pd.DataFrame(rows))
    sd_c = c.std(ddof=1)
    assert s.slope == pytest.approx(-0.02 * sd_c, rel=0.02)
    assert s.ci_hi < 0 and s.p_value < 0.01
    assert s.first_sd > s.last_sd
    assert len(s.table) == len(YEARS)


def fake_data():
    codes = ["TLC", "TLD", "TLE", "TLF", "TLI"]
    years = [2019, 2020, 2021, 2022, 2023, 2024]
    ict, pop = [], []
    for i, code in enumerate(codes):
        for k, yr in enumerate(years):
            ict.append({"area_code": code, "sic07_code": "J", "year": yr,
                        "gva_gbp_million": (i + 1) * 100.0 * 1.1 ** k,
                        "release": "R1", "source_id": "s1"})
            for rel, f in (("R1", 1.0), ("R2", 2.0)):
                pop.append({"area_code": code, "year": yr, "age_band": "all_ages",
                            "population": 1e6 * (i + 1) * f * 1.01 ** k, "release": rel,
                            "source_id": "s1" if rel == "R1" else "s2"})
    areas = pd.DataFrame({"area_code": codes, "population_total": [10.0] * 5,
                          "population_16_64": [5.0, 6.0, 6.0, 6.0, 8.0]})
    published = pd.DataFrame({"area_code": codes,
                              "digital_gva_per_person_gbp": [300.0, 500.0, 700.0, 900.0, 3000.0]})
    return SimpleNamespace(ict_panel=pd.DataFrame(ict), population=pd.DataFrame(pop),
                           areas=areas, published=published)


def test_ict_gva_per_head_denominators():
    d = fake_data()
    p = gm.ict_gva_per_head(d)
    row = p[(p.area_code == "TLC") & (p.year == 2019)].iloc[0]
    assert row["gva_per_head_gbp"] == pytest.approx(100.0)  # £100m / 1m residents
    assert row["gva_per_working_age_gbp"] == pytest.approx(200.0)  # 16-64 share 0.5
    p2 = gm.ict_gva_per_head(d, population_release="R2")
    assert p2.loc[0, "gva_per_head_gbp"] == pytest.approx(50.0)
    with pytest.raises(gm.ModelError, match="valid releases are 'R1', 'R2'"):
        gm.ict_gva_per_head(d, population_release="R9")
    with pytest.raises(gm.ModelError, match="valid codes are J"):
        gm.ict_gva_per_head(d, sic07_code="62")


def test_population_release_matched_by_publication_month():
    d = fake_data()
    d.ict_panel["release"] = "GVA by industry, April 2023 (Table 1c)"
    d.population["release"] = d.population["release"].map(
        {"R1": "accounts, April 2023 (Table 17)", "R2": "accounts, April 2024 (Table 6)"})
    p = gm.ict_gva_per_head(d)
    assert set(p["population_release"]) == {"accounts, April 2023 (Table 17)"}
    assert p.loc[0, "gva_per_head_gbp"] == pytest.approx(100.0)
    d.population["release"] = "another release"
    with pytest.raises(gm.ModelError, match="pass population_release"):
        gm.ict_gva_per_head(d.__class__(**{**vars(d), "population": d.population.assign(
            source_id="other")}))


def test_preferred_population_source_wins_over_the_gva_release():
    """The April 2024 population (POPULATION_SOURCE_ID) is used even when another release has
    the same publication month as the GVA: one consistent vintage beats "same release"."""
    d = fake_data()
    d.ict_panel["release"] = "GVA by industry, April 2023 (Table 1c)"
    d.population["release"] = d.population["release"].map(
        {"R1": "accounts, April 2023 (Table 17)", "R2": "accounts, April 2024 (Table 6)"})
    d.population["source_id"] = d.population["source_id"].map(
        {"s1": "ons_population_apr2023", "s2": gm.POPULATION_SOURCE_ID})
    p = gm.ict_gva_per_head(d)
    assert set(p["population_release"]) == {"accounts, April 2024 (Table 6)"}
    assert p.loc[0, "gva_per_head_gbp"] == pytest.approx(50.0)  # £100m / 2m residents


def test_rates_for_scenarios_known_answers():
    d = fake_data()
    # GVA x1.1 and population x1.01 a year, exactly: per head grows 1.1/1.01 - 1
    assert gm.estimated_growth_rate(d) == pytest.approx(1.1 / 1.01 - 1)
    assert gm.estimated_population_growth(d) == pytest.approx(0.01)
    assert gm.growth_volatility(d) == pytest.approx(0.0, abs=1e-12)


def test_compare_with_published_known_ratio():
    d = fake_data()
    t, s = gm.compare_with_published(d, year=2019)
    # every region has £100 of ICT GVA per resident in 2019; divided by the 16-64 shares
    assert np.allclose(t["proxy_gbp"], [200.0, 100 / 0.6, 100 / 0.6, 100 / 0.6, 125.0])
    assert np.allclose(t["ratio"], [1.5, 3.0, 4.2, 5.4, 24.0])
    assert t["published_rank"].tolist() == [5, 4, 3, 2, 1]
    assert s["n"] == 5 and s["year"] == 2019
    with pytest.raises(gm.ModelError, match="valid years"):
        gm.compare_with_published(d, year=1990)


def test_relate_to_index_perfect_and_constant():
    codes = ["TLC", "TLD", "TLE", "TLF", "TLG"]
    out = pd.Series(np.exp([1.0, 2.0, 3.0, 4.0, 5.0]), index=codes)
    scores = pd.DataFrame({"composite": [10.0, 20.0, 30.0, 40.0, 50.0],
                           "flat": [1.0] * 5}, index=codes)
    r = gm.relate_to_index(scores, out).set_index("measure")
    assert r.loc["composite", "spearman_rho"] == pytest.approx(1.0)
    # log outcome = score/10: one sd of the score (15.81) is 1.581 log points
    assert r.loc["composite", "slope_log_outcome"] == pytest.approx(np.std([10, 20, 30, 40, 50],
                                                                           ddof=1) / 10)
    assert np.isnan(r.loc["flat", "pearson_r"]) and r.loc["flat", "n"] == 5


def test_relate_to_index_without_london():
    codes = ["TLC", "TLD", "TLE", "TLF", "TLG", "TLI"]
    out = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 100.0], index=codes)
    # ranks agree only because of London: without it the order is reversed
    scores = pd.DataFrame({"composite": [5.0, 4.0, 3.0, 2.0, 1.0, 50.0]}, index=codes)
    r = gm.relate_to_index(scores, out).iloc[0]
    assert r["spearman_rho_without_london"] == pytest.approx(-1.0)
    assert r["pearson_r"] > 0.9


@pytest.fixture(scope="module")
def real():
    if not HAVE_DATA:
        pytest.skip("curated data not built yet")
    from ldi_helpers.data.load import load_data

    return load_data()


def test_real_panel_is_complete(real):
    p = gm.ict_gva_per_head(real)
    assert p["area_code"].nunique() == 12
    assert p.groupby("area_code")["year"].count().min() >= 20
    assert (p["gva_per_head_gbp"] > 0).all()
    t = gm.trend_growth(p)
    assert len(t) == 13 and t["area_code"].iloc[-1] == "UK"


def test_real_index_relation(real):
    table, gva_inds = gm.relate_index_to_digital_gva(real)
    assert table["measure"].iloc[0] == "composite"
    assert table["n"].iloc[0] == 12
    assert "ict_gva_per_head" in gva_inds


def test_real_proxy_tracks_published_ranking(real):
    t, s = gm.compare_with_published(real)
    assert s["n"] == 12
    assert t.loc[t.published_gbp.idxmax(), "area_code"] == t.loc[t.proxy_gbp.idxmax(), "area_code"]


def test_describe_index_relation_uses_names():
    table = pd.DataFrame({
        "measure": ["composite", "digital_skills", "research_innovation"],
        "n": [12, 12, 12], "spearman_rho": [0.8, 0.9, 0.1],
        "spearman_rho_without_london": [0.7, np.nan, np.nan]})
    text = gm.describe_index_relation(table, ["ict_gva_per_head", "other_gva"],
                                      indicator_names={"ict_gva_per_head": "ICT GVA per head"})
    assert "the closest is Digital Skills (0.90)" in text
    assert "the weakest Research & Innovation (0.10)" in text
    assert "(ICT GVA per head; other_gva)" in text
    assert "digital_skills" not in text and "ict_gva_per_head" not in text


RAW = DATA_DIR.parent.parent / "shared" / "data" / "raw"
TABLE6 = RAW / "RegionalEconomicTools/Table 6 Total resident population numbers persons Apr2024.csv"


def test_real_panel_population_comes_from_one_release(real):
    """Every per-head value of the growth models divides by one population release, the April
    2024 one (Table 6), and its population is exactly that release's row of population.csv."""
    p = gm.ict_gva_per_head(real)
    assert p["population_release"].nunique() == 1
    release = p["population_release"].iloc[0]
    pop = real.population
    used = pop[(pop.release == release) & (pop.age_band == "all_ages")]
    assert set(used.source_id) == {gm.POPULATION_SOURCE_ID}
    merged = p.merge(used[["area_code", "year", "population"]].rename(
        columns={"population": "population_of_release"}), on=["area_code", "year"])
    assert len(merged) == len(p) == 12 * 24
    assert (merged["population"] == merged["population_of_release"]).all()


@pytest.mark.skipif(not TABLE6.is_file(), reason="shared raw data absent")
def test_real_london_per_head_growth_2020_2021_known_answer(real):
    """By hand from the raw files: Table 6 (April 2024) London 2020 "8,867,008", 2021
    "8,804,769": population -0.70% (Table 17 of April 2023 gave -2.29%: 9,002,488 -> 8,796,628).
    Table 1c London section J 2020 "52,938", 2021 "56,617" (£m): ICT GVA per head
    5,970.22 -> 6,430.27, growth +7.71% (on Table 17 it would read +9.45%)."""
    import csv

    with TABLE6.open(encoding="utf-8-sig") as fh:
        row = next(r for r in csv.DictReader(fh) if r["ITL code"] == "TLI")
    assert (row["2020"], row["2021"]) == ("8,867,008", "8,804,769")
    p = gm.ict_gva_per_head(real).set_index(["area_code", "year"])
    pop_change = p.at[("TLI", 2021), "population"] / p.at[("TLI", 2020), "population"] - 1
    assert pop_change == pytest.approx(8804769 / 8867008 - 1, rel=1e-12)
    assert pop_change == pytest.approx(-0.0070, abs=5e-5)
    growth = p.at[("TLI", 2021), "gva_per_head_gbp"] / p.at[("TLI", 2020), "gva_per_head_gbp"] - 1
    assert growth == pytest.approx((56617 / 8804769) / (52938 / 8867008) - 1, rel=1e-12)
    assert growth == pytest.approx(0.0771, abs=5e-5)
