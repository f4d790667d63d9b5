"""The regional briefing's figures and sentences, checked against hand-computed answers."""
import numpy as np
import pandas as pd
import pytest

from ldi_helpers.report.briefing import (build_briefing, component_profile, gbp, gva_position,
                                  improvement_sentence, key_figures, ordinal)
from ldi_helpers.errors import UnknownAreaError
from ldi_helpers.data.load import load_data


@pytest.fixture(scope="module")
def data():
    return load_data()


@pytest.mark.parametrize("n,text", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"),
                                    (12, "12th"), (21, "21st"), (113, "113th")])
def test_ordinal(n, text):
    assert ordinal(n) == text


def test_gbp_formats():
    assert gbp(4_809_747_913.55) == "£4.8bn"
    assert gbp(640_400_942.76) == "£640.4m"
    assert gbp(1945) == "£1,945"
    assert gbp(1945.5) == "£1,946"  # whole pounds from £100: never £384.50 beside £1,561


def test_gva_position_north_east_matches_published_table(data):
    g = gva_position(data, "TLC")
    pop = float(data.areas.set_index("area_code").loc["TLC", "population_16_64"])
    assert g["value"] == 1561 and g["median"] == (1979 + 1912) / 2
    assert g["gap_per_person"] == pytest.approx(384.5)
    assert g["gap_gbp"] == pytest.approx(384.5 * pop)
    # techUK's table: £640,400,942.76 for the North East (from a rounded per-person uplift)
    assert g["gap_gbp"] == pytest.approx(640_400_942.76, rel=2e-3)
    assert g["published_rank"] == 9


def test_region_above_median_has_no_gap_and_no_scenario(data):
    b = build_briefing(data, "London", n_samples=0, sobol_n=0)
    assert b.gva["gap_gbp"] == 0 and b.scenario is None
    assert b.rank_interval is None and b.assumptions is None
    assert "above the UK median" in b.headline()
    # London is 1st under the default method (and in every sampled method: see notebook 30)
    assert b.rank == 1
    assert improvement_sentence(b) == "London is already ranked 1st."
    assert b.improvement.empty


def test_briefing_is_consistent_with_the_index(data):
    b = build_briefing(data, "E12000001", n_samples=64, sobol_n=0, seed=1)
    assert b.region.name == "North East"
    assert b.rank == int(b.index.ranks["TLC"])
    assert b.headline().startswith(f"North East ranks {ordinal(b.rank)} of 12")
    assert 1 <= b.rank_interval["lo"] <= b.rank_interval["median"] <= b.rank_interval["hi"] <= 12
    # the scenario moves only this region: first-year uplift = gap x population
    assert b.scenario.first_year_uplift_gbp == pytest.approx(b.gva["gap_gbp"])
    kf = key_figures(b).set_index("measure")["value"]
    assert kf["Digital GVA per person (techUK 2023)"] == "£1,561"
    assert kf["techUK's published 2023 index rank"] == "9th"


def test_briefing_same_seed_same_numbers(data):
    a = build_briefing(data, "Wales", n_samples=64, sobol_n=0, seed=7)
    b = build_briefing(data, "Wales", n_samples=64, sobol_n=0, seed=7)
    assert a.rank_interval == b.rank_interval


def test_unknown_area(data):
    with pytest.raises(UnknownAreaError, match="Did you mean 'Wales'"):
        build_briefing(data, "Wales?", n_samples=0, sobol_n=0)


def test_component_profile_verdicts_on_constructed_scores():
    class R:  # the two frames component_profile reads
        component_scores = pd.DataFrame({"digital_skills": [80.0, 50.0, 20.0],
                                         "trade_support": [52.0, 50.0, 48.0]},
                                        index=["TLC", "TLD", "TLE"])
        component_ranks = component_scores.rank(ascending=False, method="min")
    prof = component_profile(R, "TLC").set_index("component_id")
    assert prof.loc["digital_skills", "uk_median"] == 50.0
    assert prof.loc["digital_skills", "difference"] == 30.0
    assert prof.loc["digital_skills", "verdict"] == "strength"
    assert prof.loc["trade_support", "verdict"] == "around the median"
    assert prof.loc["data_ecosystems", "verdict"] == "no data"
    assert np.isnan(prof.loc["data_ecosystems", "score"])
    assert component_profile(R, "TLE").set_index("component_id").loc[
        "digital_skills", "verdict"] == "weakness"


def test_uncertainty_cache_gives_identical_results(data, tmp_path, monkeypatch):
    from ldi_helpers.report.briefing import rank_uncertainty
    from ldi_helpers.method.spec import default_spec

    fresh = rank_uncertainty(data, default_spec(), 64, 0, 3)
    monkeypatch.setenv("LDI_CACHE_DIR", str(tmp_path))
    first = rank_uncertainty(data, default_spec(), 64, 0, 3)
    files = list(tmp_path.glob("uncertainty-*.pkl"))
    assert len(files) == 1
    second = rank_uncertainty(data, default_spec(), 64, 0, 3)
    pd.testing.assert_frame_equal(first["intervals"], fresh["intervals"])
    pd.testing.assert_frame_equal(second["intervals"], fresh["intervals"])
    # a different seed is a different cache entry
    rank_uncertainty(data, default_spec(), 64, 0, 4)
    assert len(list(tmp_path.glob("uncertainty-*.pkl"))) == 2


def test_uncertainty_cached_only_does_not_compute(data, tmp_path):
    from ldi_helpers.report.briefing import rank_uncertainty
    from ldi_helpers.method.spec import default_spec

    assert rank_uncertainty(data, default_spec(), 16, 0, 5, cache_dir=tmp_path,
                            cached_only=True) is None
    assert not list(tmp_path.iterdir())
    computed = rank_uncertainty(data, default_spec(), 16, 0, 5, cache_dir=tmp_path)
    again = rank_uncertainty(data, default_spec(), 16, 0, 5, cache_dir=tmp_path, cached_only=True)
    pd.testing.assert_frame_equal(again["intervals"], computed["intervals"])


def _with_interval(b, **iv):
    import dataclasses
    base = {"median": 2, "lo": 2, "hi": 2, "n": 4096, "share_at_lo": 0.96, "tied_share": 0.0,
            "any_tie_share": 0.0}
    base.update(iv)
    return dataclasses.replace(b, rank_interval=base)


def test_headline_says_every_method_only_when_it_holds_in_every_sample(data):
    b = build_briefing(data, "South East", n_samples=0, sobol_n=0)
    almost = _with_interval(b, share_at_lo=4095 / 4096)
    assert "every" not in almost.headline()
    assert "2nd in more than 99.9% of the 4,096 sampled methods" in almost.headline()
    assert "2nd in 96% of the 4,096 sampled methods" in _with_interval(b).headline()
    always = _with_interval(b, share_at_lo=1.0)
    assert "2nd in every one of the 4,096 sampled methods" in always.headline()
    wide = _with_interval(b, lo=2, hi=5, share_at_lo=None, n=2000)
    assert "between 2nd and 5th in 90% of the 2,000 other defensible methods" in wide.headline()


def test_sample_size_and_ties_are_printed_from_the_run(data):
    b = build_briefing(data, "Wales", n_samples=64, sobol_n=0, seed=7)
    assert b.rank_interval["n"] == 64
    kf = key_figures(b).set_index("measure")["value"]
    assert "64 sampled methods" in kf["Rank under other defensible methods (5th-95th percentile)"]
    assert "64 equally defensible" in b.interval_note()
    tied = _with_interval(b, any_tie_share=0.25, n=64)
    assert "share a rank in 25% of the 64 sampled methods" in tied.interval_note()
    assert "share a rank" not in _with_interval(b, any_tie_share=0.0, n=64).interval_note()


def test_no_chart_when_no_assumption_moves_the_rank(data):
    import dataclasses

    from ldi_helpers.report.briefing import assumptions_sentence
    b = build_briefing(data, "London", n_samples=0, sobol_n=0)
    flat = pd.DataFrame({"assumption": ["Normalisation method", "Outlier treatment"],
                         "S1": [np.nan, np.nan], "ST": [np.nan, 0.0]})
    b = dataclasses.replace(b, assumptions=flat)
    assert b.assumptions_to_plot() is None
    assert "no chart" in assumptions_sentence(b) and "no assumption tested moves it" in \
        assumptions_sentence(b)
    moving = dataclasses.replace(b, assumptions=flat.assign(ST=[0.4, 0.0]))
    assert list(moving.assumptions_to_plot()["assumption"]) == ["Normalisation method"]


# Issue 14, case 8: `papermill ... -p n_samples abc` is a one-line error naming the parameter.
@pytest.mark.parametrize("field, value", [("n_samples", "abc"), ("sobol_n", -1), ("seed", 1.5)])
def test_sample_sizes_must_be_whole_numbers(field, value):
    from ldi_helpers.errors import LDIError
    from ldi_helpers.data.load import load_data
    kwargs = {"n_samples": 0, "sobol_n": 0, "seed": 1, field: value}
    with pytest.raises(LDIError, match=rf"parameter {field} must be a whole number >= 0, "
                                       rf"got {value!r}; e\.g\. -p {field}"):
        build_briefing(load_data(), "Wales", **kwargs)
