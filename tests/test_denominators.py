"""Denomination as a method step: the toy framework with a context measure (made-up numbers)."""
import numpy as np
import pandas as pd
import pytest

from ldi_helpers.method.batch import evaluate_batch, prepare_batch
from ldi_helpers.errors import SpecError
from ldi_helpers.method.index import build_index
from ldi_helpers.method.spec import MethodSpec
from test_hierarchy import SPEC, expected, toy


def toy_pop(pop_rows=(("2020", [1.0, 2.0, 4.0, 5.0]),)):
    """The toy data plus a context indicator ``pop`` (people) with the given periods."""
    data = toy()
    rows = [(a, "pop", per, v) for per, vals in pop_rows
            for a, v in zip(["A1", "A2", "A3", "A4"], vals) if v is not None]
    data.values = pd.concat([data.values, pd.DataFrame(
        rows, columns=["area_code", "indicator_id", "period", "value"])], ignore_index=True)
    extra = pd.DataFrame([("pop", "Population", "context", 1, 1.0, "people", "false", "2020",
                           "src", "")], columns=data.indicators.columns)
    data.indicators = pd.concat([data.indicators, extra], ignore_index=True)
    return data


def test_denominated_indicator_known_answer():
    # x4 = 10, 30, 20, 40 per pop 1, 2, 4, 5, x 10 -> 100, 150, 50, 80; min-max -> 50, 100, 0, 30
    spec = {**SPEC, "denominators": {"x4": ["pop", 10]}}
    r = build_index(toy_pop(), spec)
    np.testing.assert_allclose(r.raw["x4"], [100, 150, 50, 80], atol=1e-12)
    np.testing.assert_allclose(r.indicator_scores["x4"], [50, 100, 0, 30], atol=1e-12)
    exp = expected()
    np.testing.assert_allclose(r.composite, (2 * exp["s1"] + np.array([50, 100, 0, 30.0])) / 3,
                               atol=1e-12)
    assert r.meta.at["x4", "unit"] == "unit per people x 10"
    log = r.log[r.log["step"] == "denominate"]
    assert log["message"].tolist() == ["divided by Population and multiplied by 10 (same "
                                       "period, 2020)"]
    assert "Denomination" in r.log_table()["Step"].tolist()
    # the batch engine starts from the same selection
    res = evaluate_batch(prepare_batch(toy_pop(), spec))
    np.testing.assert_allclose(res.scores[0], r.composite, atol=1e-9)


def test_latest_earlier_denominator_period_is_used_and_logged():
    data = toy_pop((("2018", [2.0, 2.0, 2.0, 4.0]), ("2021", [1.0, 1.0, 1.0, 1.0])))
    r = build_index(data, {**SPEC, "denominators": {"x4": "pop"}})
    np.testing.assert_allclose(r.raw["x4"], [5, 15, 10, 10], atol=1e-12)
    msg = r.log[r.log["step"] == "denominate"]["message"].tolist()
    assert msg == ["divided by Population of 2018: it has no value for 2020, so its latest "
                   "earlier period is used"]


def test_missing_or_zero_denominator_leaves_the_value_missing():
    data = toy_pop((("2020", [1.0, 0.0, None, 5.0]),))
    r = build_index(data, {**SPEC, "denominators": {"x4": "pop"}})
    assert np.isnan(r.raw.loc["A2", "x4"]) and np.isnan(r.raw.loc["A3", "x4"])
    assert any("no Population value (or 0) for A2, A3 in 2020" in m for m in r.log["message"])


def test_no_denominator_period_at_or_before_is_a_clear_error():
    data = toy_pop((("2021", [1.0, 1.0, 1.0, 1.0]),))
    with pytest.raises(SpecError, match=r"denominator 'pop' of 'x4' has no value for period "
                       r"'2020' or earlier \(it has: 2021\); choose another"):
        build_index(data, {**SPEC, "denominators": {"x4": "pop"}})


@pytest.mark.parametrize("den,match", [
    ({"x9": "pop"}, r"indicator id\(s\) not in the data: 'x9'"),
    ({"x4": "popn"}, r"denominator 'popn' of 'x4' is not in the data \(did you mean 'pop'\?\); "
                     "name a context indicator: pop"),
    ({"x4": "x1"}, r"denominator 'x1' of 'x4' is an indicator of component 'p1', not a context "
                   "measure; name a context indicator: pop"),
    ({"pop": "x1"}, r"'pop' is a context measure"),
])
def test_bad_denominators_are_one_line_errors(den, match):
    with pytest.raises(SpecError, match=match) as e:
        build_index(toy_pop(), {**SPEC, "denominators": den})
    assert "\n" not in str(e.value)


def test_spec_shapes_round_trip_and_method_box():
    s = MethodSpec(denominators={"x4": ["pop", 1e6], "x1": "pop"})
    assert s.denominators == (("x1", "pop", 1.0), ("x4", "pop", 1e6))
    assert MethodSpec.from_yaml(s.to_yaml()) == s
    box = s.describe()
    assert "Denominators     : x1 divided by pop; x4 divided by pop (x 1e+06)" in box
    assert "Denominators" not in MethodSpec().describe()
    with pytest.raises(SpecError, match="scale of 'x4' must be finite and > 0"):
        MethodSpec(denominators={"x4": ["pop", 0]})
