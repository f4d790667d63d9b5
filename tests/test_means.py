"""Harmonic and generalised (power) means: hand-computed values, the identities of the power mean,
and agreement of build_index with the batch engine for the new rules."""
import numpy as np
import pytest

from index_fixtures import make_data
from ldi_helpers.method.aggregate import aggregate, aggregate_components, aggregate_groups
from ldi_helpers.method.batch import CHOICE_TABLES, choices_from_specs, evaluate_batch, prepare_batch
from ldi_helpers.errors import SpecError
from ldi_helpers.analysis.factors import default_factors
from ldi_helpers.method.index import build_index
from ldi_helpers.method.spec import COMPONENT_AGGREGATIONS, COMPOSITE_AGGREGATIONS, MethodSpec, default_spec
from test_hierarchy import SPEC as TOY_SPEC
from test_hierarchy import toy


def test_harmonic_hand_computed_on_the_floor_1_scale():
    # block minimum 0 -> shift 1: values 1 and 4; 2 / (1/1 + 1/4) = 1.6; back: 0.6
    assert aggregate(np.array([[0.0, 3.0]]), np.array([1.0, 1.0]), "harmonic")[0] == \
        pytest.approx(0.6)
    # weights 3:1 -> 4 / (3/1 + 1/4) = 16/13; back: 3/13
    assert aggregate(np.array([[0.0, 3.0]]), np.array([3.0, 1.0]), "harmonic")[0] == \
        pytest.approx(3 / 13)
    # block minimum >= 1: no shift; 2 / (1/2 + 1/6) = 3
    assert aggregate(np.array([[2.0, 6.0]]), np.array([1.0, 1.0]), "harmonic")[0] == \
        pytest.approx(3.0)


def test_generalised_hand_computed():
    # p = 2 (default), shift 1: sqrt((1 + 16) / 2) - 1
    v = np.array([[0.0, 3.0]])
    assert aggregate(v, np.array([1.0, 1.0]), "generalised")[0] == \
        pytest.approx(np.sqrt(8.5) - 1)
    # weights 3:1: sqrt((3 * 1 + 16) / 4) - 1
    assert aggregate(v, np.array([3.0, 1.0]), "generalised", 2.0)[0] == \
        pytest.approx(np.sqrt(4.75) - 1)
    # p = 3 on values >= 1: cube root of (8 + 64) / 2 = 36 ** (1/3)
    assert aggregate(np.array([[2.0, 4.0]]), np.array([1.0, 1.0]), "generalised", 3.0)[0] == \
        pytest.approx(36 ** (1 / 3))


@pytest.fixture
def block():
    rng = np.random.default_rng(0)
    v = rng.uniform(0, 100, (3, 7, 5))
    v[0, 2, 1] = np.nan
    v[1, 0, :] = 0.0                      # an area at the floor on every input
    w = rng.uniform(0.1, 1, (3, 5))
    return v, w


def test_power_mean_identities(block):
    v, w = block
    np.testing.assert_allclose(aggregate(v, w, "generalised", 1.0), aggregate(v, w, "arithmetic"),
                               atol=1e-10)
    np.testing.assert_allclose(aggregate(v, w, "generalised", 0.0), aggregate(v, w, "geometric"),
                               atol=1e-10)
    np.testing.assert_allclose(aggregate(v, w, "generalised", 1e-9), aggregate(v, w, "geometric"),
                               atol=1e-5)
    np.testing.assert_allclose(aggregate(v, w, "generalised", -1.0), aggregate(v, w, "harmonic"),
                               atol=1e-10)


def test_means_are_ordered_and_equal_values_are_kept(block):
    v, w = block
    h, g, a, q = (aggregate(v, w, m, 2.0) for m in ("harmonic", "geometric", "arithmetic",
                                                     "generalised"))
    assert np.all(h <= g + 1e-9) and np.all(g <= a + 1e-9) and np.all(a <= q + 1e-9)
    same = np.full((1, 2, 3), 42.0)
    for m in ("harmonic", "generalised"):
        np.testing.assert_allclose(aggregate(same, np.ones(3), m, -3.0), 42.0)


def test_harmonic_is_continuous_at_zero():
    w = np.array([1.0, 1.0])
    at0 = aggregate(np.array([[0.0, 50.0], [10.0, 20.0]]), w, "harmonic")
    near = aggregate(np.array([[1e-9, 50.0], [10.0, 20.0]]), w, "harmonic")
    np.testing.assert_allclose(at0, near, atol=1e-6)
    assert np.isfinite(at0).all()


@pytest.mark.parametrize("method", ["harmonic", "generalised"])
def test_component_and_group_aggregation_match_aggregate(block, method):
    v, w = block
    z = v[0]
    comp_index = np.array([0, 0, 1, 1, 1])
    got = aggregate_components(z, w, comp_index, 2, method, 3.0)           # (S, A, C)
    for c in range(2):
        cols = comp_index == c
        for s in range(w.shape[0]):
            np.testing.assert_allclose(got[s, :, c], aggregate(z[:, cols], w[s, cols], method,
                                                               3.0), atol=1e-10)
    grp = aggregate_groups(v, w, comp_index, 2, method, 3.0)
    np.testing.assert_allclose(grp[..., 1], aggregate(v[..., 2:], w[..., 2:], method, 3.0),
                               atol=1e-10)


def test_spec_power_field_and_method_box():
    s = MethodSpec(composite_aggregation="generalised", generalised_mean_power=3)
    assert s.generalised_mean_power == 3.0
    assert "generalised mean with power 3" in s.describe()
    assert "harmonic mean" in MethodSpec(component_aggregation="harmonic").describe()
    assert MethodSpec.from_yaml(s.to_yaml()) == s
    for bad in (50, "two", float("nan"), True):
        with pytest.raises(SpecError, match="generalised_mean_power.*between -20 and 20"):
            MethodSpec(generalised_mean_power=bad)
    assert "power" not in default_spec().describe()


def test_new_choices_are_appended_to_the_code_tables():
    assert COMPONENT_AGGREGATIONS[:2] == ("arithmetic", "geometric")
    assert COMPOSITE_AGGREGATIONS[:3] == ("arithmetic", "geometric", "copeland")
    assert CHOICE_TABLES["composite_aggregation"] == COMPOSITE_AGGREGATIONS


def test_power_one_build_is_the_arithmetic_build():
    data = toy()
    a = build_index(data, {**TOY_SPEC, "component_aggregation": "generalised",
                           "composite_aggregation": "generalised", "generalised_mean_power": 1})
    b = build_index(data, TOY_SPEC)
    np.testing.assert_allclose(a.aggregate_scores.to_numpy(), b.aggregate_scores.to_numpy(),
                               atol=1e-10)


def test_harmonic_build_known_answer_on_the_toy_framework():
    """Every level by hand: min-max scores (expected() of test_hierarchy), harmonic means on the
    floor-1 scale, shift = 1 - block minimum where the block minimum is below 1."""
    r = build_index(toy(), {**TOY_SPEC, "component_aggregation": "harmonic",
                            "composite_aggregation": "harmonic"})

    def h(vals, w):                       # one area, available inputs only
        return sum(w) / sum(wk / x for wk, x in zip(w, vals))

    x1, x2, x3, x4 = [0, 25, 50, 100.0], [0, 50, 100, None], [0, 25, 50, 100.0], \
        [0, 200 / 3, 100 / 3, 100.0]
    # p1: block {x1, x2} minimum 0 -> shift 1
    p1 = [h([x1[a] + 1, x2[a] + 1], [0.25, 0.75]) - 1 for a in range(3)] + [x1[3]]
    p2, p3 = x3, x4                       # one indicator: the mean is the value
    # s1 = harmonic of p1 (1/4) and p2 (3/4); block minimum 0 -> shift 1
    s1 = [h([p1[a] + 1, p2[a] + 1], [0.25, 0.75]) - 1 for a in range(4)]
    s2 = p3
    top = [h([s1[a] + 1, s2[a] + 1], [2 / 3, 1 / 3]) - 1 for a in range(4)]
    for agg, want in {"p1": p1, "s1": s1, "top": top}.items():
        np.testing.assert_allclose(r.aggregate_scores[agg].to_numpy(), want, atol=1e-10,
                                   err_msg=agg)
    assert "harmonic mean" in r.spec.describe()


@pytest.mark.parametrize("power", [2.0, -0.5])
def test_batch_agrees_with_build_index_for_the_new_means(power):
    data = make_data()
    base = {"generalised_mean_power": power}
    p = prepare_batch(data, base)
    specs = [default_spec().replace(**base, component_aggregation=ca, composite_aggregation=ta,
                                    normalisation=nm)
             for ca in ("harmonic", "generalised", "arithmetic")
             for ta in ("harmonic", "generalised", "geometric")
             for nm in ("minmax", "zscore")]
    choices, wc, wi = choices_from_specs(p, specs)
    res = evaluate_batch(p, choices, wc, wi, chunk_size=5)
    for k, s in enumerate(specs):
        r = build_index(data, s)
        np.testing.assert_allclose(res.scores[k], r.composite.to_numpy(), rtol=0, atol=1e-9)
        np.testing.assert_allclose(res.component_scores[k], r.component_scores.to_numpy(),
                                   rtol=0, atol=1e-9)
        np.testing.assert_array_equal(res.ranks[k], r.ranks.to_numpy())


def test_batch_agrees_on_the_deep_framework_for_the_new_means():
    data = toy()
    p = prepare_batch(data, {**TOY_SPEC, "generalised_mean_power": 3})
    for ca in ("harmonic", "generalised"):
        for ta in ("harmonic", "generalised"):
            spec = {**TOY_SPEC, "generalised_mean_power": 3, "component_aggregation": ca,
                    "composite_aggregation": ta}
            res = evaluate_batch(p, {
                "component_aggregation": CHOICE_TABLES["component_aggregation"].index(ca),
                "composite_aggregation": CHOICE_TABLES["composite_aggregation"].index(ta)})
            r = build_index(data, spec)
            np.testing.assert_allclose(res.scores[0], r.composite.to_numpy(), atol=1e-9)


def test_factors_sample_the_same_alternatives_as_before():
    data = make_data()
    fs = default_factors(data)
    assert fs["composite_aggregation"].choices == ("arithmetic", "geometric", "copeland")
    assert fs["component_aggregation"].choices == ("arithmetic", "geometric")
    assert fs["treatment"].choices == ("none", "winsorise", "log")
    fs2 = default_factors(data, {"composite_aggregation": "harmonic"})
    assert fs2["composite_aggregation"].choices == ("arithmetic", "geometric", "copeland",
                                                    "harmonic")
    assert fs2["composite_aggregation"].default == "harmonic"
