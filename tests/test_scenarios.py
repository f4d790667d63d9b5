"""Tests for ldi_helpers.analysis.scenarios: hand-computed scenarios, closed forms, Monte Carlo, errors."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ldi_helpers.analysis import gva
from ldi_helpers.errors import LDIError
from ldi_helpers.analysis.scenarios import (
    GREEN_BOOK_DISCOUNT_RATE, Scenario, ScenarioError, compare_scenarios, convergence_share,
    monte_carlo_scenario, named_scenarios, run_scenario, target_value,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
HAVE_DATA = all((DATA_DIR / f).is_file() for f in (
    "published_techuk_2023.csv", "published_techuk_2023_headlines.csv", "areas.csv",
    "population.csv", "ict_gva_panel.csv"))


def data_from(values: dict, pops: dict, growth=0.1):
    codes = list(values)
    published = pd.DataFrame({"area_code": codes, "region": codes,
                              "digital_gva_per_person_gbp": [float(values[c]) for c in codes]})
    areas = pd.DataFrame({"area_code": codes,
                          "population_16_64": [float(pops[c]) for c in codes]})
    headlines = pd.DataFrame({"fact": [gva.FACT_GROWTH], "value": [growth]})
    return SimpleNamespace(published=published, areas=areas, headlines=headlines)


def two_regions():
    """North East 100 £/person with 10 people, North West 300 with 20: median 200."""
    return data_from({"TLC": 100, "TLD": 300}, {"TLC": 10, "TLD": 20})


def test_two_region_immediate_with_growth_by_hand():
    s = Scenario(start_year=2026, horizon_year=2028, growth=0.1)
    r = run_scenario(s, two_regions())
    assert r.target_value == 200.0 and r.movers == ("TLC",)
    # gap 100 £/person x 10 people = 1000 in 2026, then growing 10% a year
    assert np.allclose(r.totals["uplift_gbp"], [1000.0, 1100.0, 1210.0])
    assert np.isclose(r.cumulative_uplift_gbp, 3310.0)
    tlc = r.yearly[r.yearly.area_code == "TLC"]
    assert np.allclose(tlc["baseline_gva_per_person_gbp"], [100.0, 110.0, 121.0])
    assert np.allclose(tlc["scenario_gva_per_person_gbp"], [200.0, 220.0, 242.0])
    assert np.allclose(r.yearly.loc[r.yearly.area_code == "TLD", "uplift_gbp"], 0.0)


def test_two_region_techuk_growth_read_from_headlines():
    r = run_scenario(Scenario(start_year=2026, horizon_year=2027, growth="techuk"), two_regions())
    assert r.growth_rate == 0.1
    assert np.allclose(r.totals["uplift_gbp"], [1000.0, 1100.0])


def test_two_region_linear_and_geometric_by_hand():
    d = two_regions()
    lin = run_scenario(Scenario(start_year=2026, horizon_year=2028, convergence="linear",
                                convergence_year=2027), d)
    # half the gap in 2026, all of it from 2027: 50 and 100 £/person x 10
    assert np.allclose(lin.totals["uplift_gbp"], [500.0, 1000.0, 1000.0])
    geo = run_scenario(Scenario(start_year=2026, horizon_year=2028, convergence="geometric",
                                convergence_year=2027), d)
    # 100 * (200/100) ** 0.5 = 141.42...: uplift 41.42 x 10 in 2026
    assert np.allclose(geo.totals["uplift_gbp"], [10 * (100 * 2 ** 0.5 - 100), 1000.0, 1000.0])


def test_geometric_needs_positive_values():
    d = data_from({"TLC": 0, "TLD": 300}, {"TLC": 10, "TLD": 20})
    with pytest.raises(ScenarioError, match="^convergence: 'geometric'"):
        run_scenario(Scenario(convergence="geometric", convergence_year=2030), d)
    # linear has no such restriction: gap 150 closed in 5 equal steps
    r = run_scenario(Scenario(convergence="linear", convergence_year=2030, horizon_year=2030), d)
    assert np.allclose(r.totals["uplift_gbp"], [300.0, 600.0, 900.0, 1200.0, 1500.0])


def test_population_growth_by_hand():
    r = run_scenario(Scenario(start_year=2026, horizon_year=2027, population_growth=0.5),
                     two_regions())
    assert np.allclose(r.totals["uplift_gbp"], [1000.0, 1500.0])


def test_zero_growth_zero_discount_is_annual_times_years():
    d = data_from({"TLC": 120, "TLD": 180, "TLE": 260, "TLI": 900},
                  {"TLC": 7, "TLD": 11, "TLE": 13, "TLI": 17})
    s = Scenario(start_year=2026, horizon_year=2050)
    r = run_scenario(s, d)
    annual = r.first_year_uplift_gbp
    # median 220: (220-120)*7 + (220-180)*11
    assert np.isclose(annual, 100 * 7 + 40 * 11)
    assert np.isclose(r.cumulative_uplift_gbp, annual * 25)
    assert np.isclose(r.cumulative_discounted_uplift_gbp, annual * 25)


def test_discounting_matches_geometric_series_closed_form():
    d = two_regions()
    g, disc, n = 0.04, GREEN_BOOK_DISCOUNT_RATE, 25
    r = run_scenario(Scenario(growth=g, discount_rate="green_book", start_year=2026,
                              horizon_year=2026 + n - 1), d)
    assert r.discount_rate == 0.035
    a = 1000.0
    q = (1 + g) / (1 + disc)
    assert np.isclose(r.cumulative_discounted_uplift_gbp, a * (1 - q ** n) / (1 - q))
    # undiscounted: a * ((1+g)^n - 1) / g
    assert np.isclose(r.cumulative_uplift_gbp, a * ((1 + g) ** n - 1) / g)
    r0 = run_scenario(Scenario(discount_rate=0.035, start_year=2026, horizon_year=2050), d)
    assert np.isclose(r0.cumulative_discounted_uplift_gbp,
                      a * (1 - 1.035 ** -25) / (1 - 1 / 1.035))


def test_targets_by_hand():
    v = pd.Series({"TLC": 100.0, "TLD": 200.0, "TLE": 400.0, "TLI": 1000.0})
    assert target_value(v, "median") == 300.0
    assert target_value(v, "mean") == 425.0
    assert target_value(v, "upper_quartile") == 550.0  # 400 + 0.25 * (1000 - 400)
    assert target_value(v, "mean_excluding_london") == pytest.approx(700.0 / 3)
    assert target_value(v, "region:TLE") == 400.0
    assert Scenario(target="region:yorkshire and the humber").target == "region:TLE"


def test_explicit_movers():
    d = data_from({"TLC": 100, "TLD": 150, "TLE": 400, "TLI": 1000},
                  {"TLC": 1, "TLD": 2, "TLE": 3, "TLI": 4})
    r = run_scenario(Scenario(movers=["North West"], start_year=2026, horizon_year=2026), d)
    assert r.movers == ("TLD",)
    assert r.first_year_uplift_gbp == (275.0 - 150.0) * 2
    assert Scenario(movers="Wales, TLC").movers == ("TLC", "TLL")
    with pytest.raises(ScenarioError, match="already at or above the target"):
        run_scenario(Scenario(movers=["TLI"]), d)


def test_convergence_share():
    s = Scenario(convergence="linear", convergence_year=2029, start_year=2026, horizon_year=2031)
    assert np.allclose(convergence_share(s), [0.25, 0.5, 0.75, 1, 1, 1])


def test_monte_carlo_deterministic_under_seed_and_centred():
    d = two_regions()
    s = Scenario(growth=0.05, start_year=2026, horizon_year=2040)
    a = monte_carlo_scenario(s, d, n=500, seed=7, growth_sd=0.05, population_growth_sd=0.005)
    b = monte_carlo_scenario(s, d, n=500, seed=7, growth_sd=0.05, population_growth_sd=0.005)
    c = monte_carlo_scenario(s, d, n=500, seed=8, growth_sd=0.05, population_growth_sd=0.005)
    pd.testing.assert_frame_equal(a.fan, b.fan)
    assert not np.allclose(a.final, c.final)
    assert (a.fan["p05"] <= a.fan["median"]).all() and (a.fan["median"] <= a.fan["p95"]).all()
    # the first year has no growth yet: no spread
    assert a.fan["p05"].iloc[0] == a.fan["p95"].iloc[0] == 1000.0
    # with no spread the fan collapses onto the deterministic cumulative path
    z = monte_carlo_scenario(s, d, n=100, seed=1, growth_sd=0.0, population_growth_sd=0.0)
    det = run_scenario(s, d).totals["cumulative_discounted_uplift_gbp"]
    assert np.allclose(z.fan["median"], det) and np.allclose(z.fan["p95"], det)


def test_compare_scenarios_reference_change():
    d = two_regions()
    base = Scenario(start_year=2026, horizon_year=2027)
    t = compare_scenarios([base, base.replace(name="grow", growth=0.1)], d)
    assert t["cumulative_uplift_gbp"].tolist() == [2000.0, 2100.0]
    assert np.allclose(t["change_vs_reference_gbp"], [0.0, 100.0])
    assert np.allclose(t["ratio_to_reference"], [1.0, 1.05])


@pytest.mark.parametrize("kwargs, field", [
    ({"horizon_year": 2020}, "horizon_year"),
    ({"convergence": "linear", "convergence_year": 2020}, "convergence_year"),
    ({"convergence": "linear"}, "convergence_year"),
    ({"convergence_year": 2030}, "convergence_year"),
    ({"convergence": "sudden"}, "convergence"),
    ({"target": "region:Atlantis"}, "target"),
    ({"target": "maximum"}, "target"),
    ({"movers": ["Narnia"]}, "movers"),
    ({"movers": []}, "movers"),
    ({"discount_rate": -0.01}, "discount_rate"),
    ({"discount_rate": "treasury"}, "discount_rate"),
    ({"growth": -1.5}, "growth"),
    ({"growth": "fast"}, "growth"),
    ({"population_growth": -1.0}, "population_growth"),
    ({"start_year": 2026.5}, "start_year"),
    ({"price_basis": ""}, "price_basis"),
])
def test_invalid_scenarios_name_the_field(kwargs, field):
    with pytest.raises(ScenarioError) as exc:
        Scenario(**kwargs)
    assert isinstance(exc.value, LDIError)
    assert str(exc.value).startswith(field)


def test_error_messages_list_valid_choices():
    with pytest.raises(ScenarioError, match="median, mean, upper_quartile"):
        Scenario(target="maximum")
    with pytest.raises(ScenarioError, match="immediate, linear, geometric"):
        Scenario(convergence="sudden")
    with pytest.raises(ScenarioError, match="'green_book'"):
        Scenario(discount_rate=-0.01)
    with pytest.raises(ScenarioError, match="Valid regions: North East"):
        Scenario(target="region:Atlantis")


def test_unknown_field_is_an_error():
    with pytest.raises(ScenarioError, match="unknown scenario field.*'discount'.*valid fields"):
        Scenario.from_dict({"discount": 0.035})
    with pytest.raises(ScenarioError, match="growht"):
        Scenario().replace(growht=0.1)


def test_monte_carlo_rejects_bad_arguments():
    with pytest.raises(ScenarioError, match="^n:"):
        monte_carlo_scenario(Scenario(), two_regions(), n=10, growth_sd=0, population_growth_sd=0)
    with pytest.raises(ScenarioError, match="^growth_sd"):
        monte_carlo_scenario(Scenario(), two_regions(), n=100, growth_sd=-1,
                             population_growth_sd=0)


def test_named_scenarios_valid_and_distinct():
    named = named_scenarios()
    assert list(named)[0] == "techUK assumption"
    assert len({tuple(sorted(s.to_dict().items(), key=str)) for s in named.values()}) == len(named)
    assert Scenario.from_dict(named["techUK 10% sector growth"].to_dict()).growth == "techuk"


@pytest.fixture(scope="module")
def real():
    if not HAVE_DATA:
        pytest.skip("curated data not built yet")
    from ldi_helpers.data.load import load_data

    return load_data()


def test_default_scenario_reproduces_techuk(real):
    r = run_scenario(Scenario(), real)
    rep = gva.reproduce_techuk(real)
    assert len(r.movers) == 6
    assert np.isclose(r.first_year_uplift_gbp, rep.total_uplift_gbp)
    assert np.isclose(r.cumulative_uplift_gbp, 25 * rep.total_uplift_gbp)
    assert r.cumulative_uplift_gbp > gva.headline(real, gva.FACT_CUMULATIVE)


def test_named_scenarios_on_real_data(real):
    t = compare_scenarios(named_scenarios(), real)
    assert t["ratio_to_reference"].iloc[0] == 1.0
    by = t.set_index("scenario")["ratio_to_reference"]
    assert by["techUK 10% sector growth"] > 1 > by["Green Book discounting (3.5%)"]
    assert by["linear convergence by 2035"] < 1


def with_panel(d):
    """Add an ICT GVA panel growing exactly 10% a year and population exactly 1% a year."""
    ict, pop = [], []
    for i, code in enumerate(d.published["area_code"]):
        for k, yr in enumerate(range(2010, 2020)):
            ict.append({"area_code": code, "sic07_code": "J", "year": yr,
                        "gva_gbp_million": (i + 1) * 50.0 * 1.1 ** k, "release": "R",
                        "source_id": "s"})
            pop.append({"area_code": code, "year": yr, "age_band": "all_ages",
                        "population": (i + 1) * 1e6 * 1.01 ** k, "release": "R",
                        "source_id": "s"})
    d.ict_panel, d.population = pd.DataFrame(ict), pd.DataFrame(pop)
    d.areas["population_total"] = d.areas["population_16_64"] * 2
    return d


def test_estimated_rates_come_from_the_panel():
    d = with_panel(two_regions())
    r = run_scenario(Scenario(growth="estimated", population_growth="estimated",
                              start_year=2026, horizon_year=2027), d)
    g, p = 1.1 / 1.01 - 1, 0.01
    assert r.growth_rate == pytest.approx(g) and r.population_growth_rate == pytest.approx(p)
    assert np.allclose(r.totals["uplift_gbp"], [1000.0, 1000.0 * (1 + g) * (1 + p)])
    # default Monte Carlo spread is the panel's year-to-year variation: none here
    mc = monte_carlo_scenario(Scenario(growth="estimated", start_year=2026, horizon_year=2030),
                              d, n=100, seed=3)
    assert mc.growth_sd == pytest.approx(0.0, abs=1e-12)
    assert np.allclose(mc.fan["p05"], mc.fan["p95"])


def test_scenario_settings_in_plain_english():
    from ldi_helpers.analysis.scenarios import Scenario, describe_rate, describe_settings, describe_target

    assert describe_target("median") == "the UK median (median of the 12 regions)"
    assert describe_target("region:TLL") == "the level of Wales"  # targets are normalised to codes
    assert describe_rate(0.035) == "3.5% a year"
    assert describe_rate("green_book") == "HM Treasury Green Book, 3.5% a year"
    table = describe_settings(Scenario.from_dict({
        "movers": "Wales, North East", "convergence": "linear", "convergence_year": 2035,
        "discount_rate": "green_book", "growth": "techuk"})).set_index("Setting")["This page"]
    assert table["Regions lifted"] == "North East, Wales"  # movers are kept in ITL1 order
    assert table["Path to the target"] == "linear catch-up, gap closed by 2035"
    assert table["Discounting"] == "3.5% a year"
    assert table["Baseline growth of Digital GVA per person"] == "techUK's 10% a year"
    assert describe_settings(Scenario()).set_index("Setting").loc["Regions lifted",
                                                                  "This page"] == \
        "every region below the target"
