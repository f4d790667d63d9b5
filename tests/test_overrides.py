"""Per-indicator normalisation and treatment overrides (columns of the indicators table):
known answers on the toy framework, the same in build_index and the batch engine."""
import numpy as np
import pytest

from index_fixtures import make_data
from ldi_helpers.method.batch import CHOICE_TABLES, evaluate_batch, prepare_batch
from ldi_helpers.errors import SpecError
from ldi_helpers.method.index import build_index
from ldi_helpers.method.spec import MethodSpec
from test_hierarchy import SPEC, expected, toy


def toy_with(column, **values):
    data = toy()
    data.indicators[column] = [values.get(i, "") for i in data.indicators["indicator_id"]]
    return data


def test_normalisation_override_known_answer():
    """x3 = 1, 2, 3, 5 normalised by distance to its median (2.5): 100 * x / 2.5, whatever the
    spec says; the other indicators keep min-max."""
    data = toy_with("normalisation", x3="distance_to_median")
    r = build_index(data, SPEC)
    x3 = np.array([40.0, 80.0, 120.0, 200.0])
    exp = expected()
    np.testing.assert_allclose(r.indicator_scores["x3"], x3, atol=1e-12)
    np.testing.assert_allclose(r.indicator_scores["x1"], [0, 25, 50, 100], atol=1e-12)
    s1 = (1 * exp["p1"] + 3 * x3) / 4
    np.testing.assert_allclose(r.aggregate_scores["s1"], s1, atol=1e-12)
    np.testing.assert_allclose(r.composite, (2 * s1 + exp["s2"]) / 3, atol=1e-12)
    # the spec's choice does not reach x3
    z = build_index(data, {**SPEC, "normalisation": "zscore"})
    np.testing.assert_allclose(z.indicator_scores["x3"], x3, atol=1e-12)
    assert z.indicator_scores["x1"].mean() == pytest.approx(0.0)
    msg = r.log[(r.log["item"] == "x3") & (r.log["step"] == "normalise")]["message"].tolist()
    assert msg == ["own normalisation from the indicators table: distance to median (whatever "
                   "the spec's)"]


def test_treatment_override_known_answer():
    """ado_a (one value far above the rest) log-transformed by its own rule while the spec says
    no treatment: ln(x - min + 0.01 (max - min)) with min 0.8, max 9.0."""
    data = make_data()
    data.indicators["treatment"] = ["log" if i == "ado_a" else None
                                    for i in data.indicators["indicator_id"]]
    r = build_index(data, {"treatment": "none"})
    raw = r.raw["ado_a"].to_numpy()
    np.testing.assert_allclose(r.treated["ado_a"], np.log(raw - 0.8 + 0.082), atol=1e-12)
    np.testing.assert_array_equal(r.treated["inf_a"], r.raw["inf_a"])
    assert r.treated.loc["TLI", "ado_a"] == pytest.approx(np.log(8.282))
    assert any("logarithmic transform applied" in m
               for m in r.log[r.log["item"] == "ado_a"]["message"])


@pytest.mark.parametrize("column,value", [("normalisation", "distance_to_median"),
                                          ("treatment", "boxcox")])
def test_batch_engine_agrees_with_overrides(column, value):
    data = make_data()
    data.indicators[column] = [value if i in ("ado_a", "inf_b") else ""
                               for i in data.indicators["indicator_id"]]
    p = prepare_batch(data)
    rng = np.random.default_rng(1)
    n = 30
    choices = {k: rng.integers(0, len(CHOICE_TABLES[k]), n)
               for k in ("imputation", "treatment", "normalisation")}
    res = evaluate_batch(p, choices)
    for k in range(n):
        spec = {key: CHOICE_TABLES[key][int(choices[key][k])] for key in choices}
        r = build_index(data, spec)
        np.testing.assert_allclose(res.scores[k], r.composite.to_numpy(), atol=1e-9)
        np.testing.assert_array_equal(res.ranks[k], r.ranks.to_numpy())
    # the overridden indicator's scores do not depend on the sampled method on its axis
    j = p.indicators.index("ado_a")
    axis = {"normalisation": 2, "treatment": 1}[column]
    sc = np.moveaxis(p.scores[0], axis - 1, 0)[..., j]
    for m in range(1, sc.shape[0]):
        np.testing.assert_array_equal(sc[m], sc[0])


def test_bad_override_value_is_one_line_error():
    data = toy_with("normalisation", x3="ranks")
    with pytest.raises(SpecError, match=r"^indicators table: indicator 'x3' has normalisation "
                       r"'ranks'.*use one of minmax, .* or leave it empty") as e:
        build_index(data, SPEC)
    assert "\n" not in str(e.value)
    with pytest.raises(SpecError, match="treatment 'boxcocks'"):
        build_index(toy_with("treatment", x1="boxcocks"), SPEC)


def test_method_box_lists_own_methods():
    data = toy_with("normalisation", x3="distance_to_median")
    box = MethodSpec(**SPEC).describe(data=data)
    assert "Own methods      : x3: distance to median (normalisation)" in box
    assert "Own methods" not in MethodSpec(**SPEC).describe(data=toy())
