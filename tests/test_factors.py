"""Known-answer tests of the factor machinery (equal bins, weight perturbation, designs)."""
import numpy as np
import pytest

from ldi_helpers.errors import LDIError
from ldi_helpers.analysis.factors import (
    ChoiceFactor, FactorError, FactorSet, UniformFactor, WeightsFactor, choice, equal_bins,
)


def test_equal_bins_hand_computed():
    u = np.array([0.0, 0.2499, 0.25, 0.5, 0.74, 0.75, 0.999, 1.0])
    assert equal_bins(u, 4).tolist() == [0, 0, 1, 2, 2, 3, 3, 3]
    assert equal_bins(u, 1).tolist() == [0] * 8


def test_equal_bins_give_equal_probabilities():
    u = np.random.default_rng(0).random(120_000)
    freq = np.bincount(equal_bins(u, 3), minlength=3) / u.size
    assert np.allclose(freq, 1 / 3, atol=0.005)


def test_equal_bins_reject_values_outside_unit_interval():
    with pytest.raises(FactorError, match=r"\[0, 1\]"):
        equal_bins(np.array([0.5, 1.5]), 2)


def test_choice_factor_decode_values_and_nominal():
    f = choice("norm", "Normalisation", "d", ["minmax", "zscore", "rank"], "zscore")
    codes = f.decode(np.array([[0.1], [0.4], [0.9]]))
    assert codes.tolist() == [0, 1, 2]
    assert f.values(codes).tolist() == ["minmax", "zscore", "rank"]
    assert f.nominal() == 1


def test_choice_factor_default_must_be_a_choice():
    with pytest.raises(LDIError, match="not one of its choices"):
        ChoiceFactor("agg", "Aggregation", "d", choices=("a", "b"), default="c")


def test_uniform_weights_hand_computed():
    f = WeightsFactor("w", "Weights", "d", entries=("a", "b"), base=(1.0, 1.0), spread=0.5)
    # u = 0 -> factor 0.5, u = 1 -> factor 1.5: weights (0.5, 1.5) / 2 = (0.25, 0.75)
    w = f.decode(np.array([[0.0, 1.0], [0.5, 0.5]]))
    assert np.allclose(w, [[0.25, 0.75], [0.5, 0.5]])
    assert np.allclose(f.nominal(), [0.5, 0.5])


def test_weights_spread_zero_is_the_default():
    f = WeightsFactor("w", "W", "d", entries=("a", "b", "c"), base=(1, 2, 1), spread=0.0)
    w = f.decode(np.random.default_rng(1).random((50, 3)))
    assert np.allclose(w, [0.25, 0.5, 0.25])


def test_dirichlet_weights_sum_to_one_and_centre_on_base():
    f = WeightsFactor("w", "W", "d", entries=("a", "b", "c"), base=(2, 1, 1),
                      method="dirichlet", concentration=40.0)
    w = f.decode(np.random.default_rng(2).random((20_000, 3)))
    assert np.allclose(w.sum(axis=1), 1.0)
    assert np.allclose(w.mean(axis=0), [0.5, 0.25, 0.25], atol=0.005)


def test_weights_factor_rejects_unknown_method():
    with pytest.raises(LDIError, match="valid: 'uniform', 'dirichlet'"):
        WeightsFactor("w", "W", "d", entries=("a",), base=(1,), method="beta")


def test_factor_set_problem_groups_and_decode():
    fs = FactorSet((
        choice("norm", "N", "d", ["minmax", "zscore"], "minmax"),
        WeightsFactor("w", "W", "d", entries=("a", "b"), base=(1, 1), spread=0.5),
        UniformFactor("x", "X", "d", low=-1.0, high=1.0),
    ))
    p = fs.problem()
    assert p["num_vars"] == 4 == fs.dimension
    assert p["groups"] == ["norm", "w", "w", "x"]
    assert p["names"] == ["norm", "w[a]", "w[b]", "x"]
    s = fs.decode(np.array([[0.7, 0.0, 1.0, 0.25]]))
    assert s["norm"].tolist() == [1]
    assert np.allclose(s["w"], [[0.25, 0.75]])
    assert np.allclose(s["x"], [-0.5])
    nom = fs.nominal_design()
    assert nom["norm"].tolist() == [0] and np.allclose(nom["w"], [[0.5, 0.5]])
    assert list(fs.table()["factor"]) == ["norm", "w", "x"]


def test_factor_set_errors_name_the_valid_factors():
    fs = FactorSet((UniformFactor("x", "X", "d"), UniformFactor("y", "Y", "d")))
    with pytest.raises(LDIError, match="valid factors are: x, y"):
        fs.select(["z"])
    with pytest.raises(LDIError, match="expected"):
        fs.decode(np.zeros((3, 5)))
    with pytest.raises(LDIError, match="unique"):
        FactorSet((UniformFactor("x", "X", "d"), UniformFactor("x", "X", "d")))


def test_sample_is_deterministic_under_a_seed():
    fs = FactorSet((UniformFactor("x", "X", "d"), UniformFactor("y", "Y", "d")))
    a, b, c = fs.sample(10, 7), fs.sample(10, 7), fs.sample(10, 8)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.shape == (10, 2)


# ---------------------------------------------------------------- LDI default factors and specs
from types import SimpleNamespace  # noqa: E402

import pandas as pd  # noqa: E402

from ldi_helpers.analysis.factors import alternative_periods, default_factors, spec_for_sample  # noqa: E402
from ldi_helpers.method.spec import default_spec  # noqa: E402


def _tiny_data():
    """Three indicators over four areas; 'b' is a proxy; 'a' has 2021 (full) and 2022 (full)."""
    ind = pd.DataFrame({
        "indicator_id": ["a", "b", "c", "pop"],
        "name": ["A", "B", "C", "Population"],
        "component": ["digital_skills", "digital_skills", "digital_infrastructure", "context"],
        "is_proxy": ["false", "true", "false", "false"],
        "default_period": ["2022", "2022", "2026-01", "2022"],
    })
    rows = []
    for k, area in enumerate(["TLC", "TLD", "TLE", "TLF"]):
        rows += [(area, "a", "2021", 1.0 + k), (area, "a", "2022", 2.0 + k),
                 (area, "b", "2022", 3.0 * k), (area, "c", "2026-01", 10.0 - k)]
        if k < 2:  # 2020 observed in only half the areas: below the 0.65 coverage threshold
            rows.append((area, "a", "2020", 0.5))
    vals = pd.DataFrame(rows, columns=["area_code", "indicator_id", "period", "value"])
    return SimpleNamespace(indicators=ind, values=vals)


def test_alternative_periods_pick_nearest_well_covered_period():
    assert alternative_periods(_tiny_data()) == {"a": "2021"}


def test_default_factor_set_names_and_nominal_is_default_spec():
    fs = default_factors(_tiny_data())
    assert fs.names == ["normalisation", "composite_aggregation", "component_aggregation",
                        "component_weights", "indicator_weights", "imputation", "treatment",
                        "indicator_coverage", "include:b", "period"]
    assert fs["component_weights"].entries == ("digital_infrastructure", "digital_skills")
    assert fs["indicator_weights"].entries == ("a", "b", "c")
    nominal = spec_for_sample(fs.select(["normalisation", "composite_aggregation", "treatment",
                                         "imputation", "indicator_coverage", "include:b", "period"]),
                              fs.nominal_design(), 0)
    assert nominal == default_spec()


def test_spec_for_sample_maps_every_factor():
    fs = default_factors(_tiny_data(), names=["normalisation", "component_weights", "include:b",
                                               "period", "indicator_coverage"])
    u = np.array([[0.99, 0.0, 1.0, 0.9, 0.9, 0.9]])  # last bins; weights (0.75, 1.25)/2
    avail = {"a": "digital_skills", "b": "digital_skills", "c": "digital_infrastructure"}
    spec = spec_for_sample(fs, fs.decode(u), 0, available=avail)
    assert spec.normalisation == "goalposts"
    assert spec.component_weighting == "custom"
    assert dict(spec.component_weights) == pytest.approx(
        {"digital_infrastructure": 0.375, "digital_skills": 0.625})
    # the proxy left out gets weight 0 in its component
    assert dict(spec.indicator_weights) == {"b": 0.0} and spec.indicator_weighting == "custom"
    assert dict(spec.periods) == {"a": "2021"}
    assert spec.indicator_coverage == 1.0


def test_leaving_out_every_indicator_of_a_component_zeroes_the_component():
    fs = default_factors(_tiny_data(), names=["include:b"])
    avail = {"b": "digital_skills", "c": "digital_infrastructure"}  # 'a' screened out
    spec = spec_for_sample(fs, fs.decode(np.array([[0.9]])), 0, available=avail)
    assert dict(spec.component_weights) == {"digital_skills": 0.0}
    assert dict(spec.indicator_weights) == {}
    with pytest.raises(LDIError, match="available"):
        spec_for_sample(fs, fs.decode(np.array([[0.9]])), 0)


def test_table_uses_reader_words():
    fs = default_factors(_tiny_data())
    t = fs.table().set_index("factor")
    assert t.loc["normalisation", "nominal"] == "min-max"
    assert t.loc["normalisation", "distribution"] == (
        "each equally likely: min-max, z-score, rank, distance to median, goalposts")
    assert "Copeland (pairwise wins)" in t.loc["composite_aggregation", "distribution"]
    assert t.loc["imputation", "distribution"] == (
        "each equally likely: none, indicator mean, indicator median, group mean, component "
        "mean, component median")
    assert "logarithmic transform" in t.loc["treatment", "distribution"]
    assert t.loc["component_weights", "nominal"] == "equal weights"
    assert t.loc["indicator_weights", "nominal"] == "equal weights"
    assert "random factor between 0.75 and 1.25" in t.loc["indicator_weights", "distribution"]
    # the period factor names indicators by name, not id; the proxy factor too
    assert t.loc["period", "description"].endswith("A: 2021.")
    assert t.loc["include:b", "description"] == 'Whether the proxy indicator "B" is used at all.'
    text = " ".join(t[["label", "distribution", "nominal", "description"]].astype(str)
                    .to_numpy().ravel())
    for code in ("minmax", "zscore", "distance_to_median", "indicator_mean", "group_mean",
                 "component_median", "=0.", "U(", "engine"):
        assert code not in text


def test_table_unequal_weights_show_names():
    fs = default_factors(_tiny_data(), spec={"component_weighting": "custom",
                                             "component_weights": {"digital_skills": 3.0}})
    nominal = fs.table().set_index("factor").loc["component_weights", "nominal"]
    assert nominal == "Digital Infrastructure: 0.250, Digital Skills: 0.750"
