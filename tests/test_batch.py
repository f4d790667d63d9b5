"""The batch API agrees with build_index and validates its inputs."""
import numpy as np
import pytest

from index_fixtures import make_data
from ldi_helpers.batch import (CHOICE_TABLES, BatchError, choices_from_specs, evaluate_batch,
                               prepare_batch)
from ldi_helpers.index import build_index
from ldi_helpers.spec import NORMALISATIONS, default_spec

VARIANTS = [
    {},
    {"normalisation": "zscore", "composite_aggregation": "geometric"},
    {"normalisation": "rank", "composite_aggregation": "copeland"},
    {"imputation": "group_mean", "treatment": "log", "normalisation": "distance_to_median",
     "component_aggregation": "geometric"},
    {"imputation": "component_median", "normalisation": "goalposts",
     "indicator_weighting": "pca"},
    {"imputation": "indicator_mean", "treatment": "none", "component_weighting": "custom",
     "component_weights": {"digital_skills": 3}, "indicator_weighting": "custom",
     "indicator_weights": {"inf_a": 0.2}},
]


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def prepared(data):
    return prepare_batch(data)


def test_code_tables_are_the_spec_choices():
    assert CHOICE_TABLES["normalisation"] == NORMALISATIONS
    assert CHOICE_TABLES["normalisation"][0] == "minmax"
    assert CHOICE_TABLES["composite_aggregation"] == ("arithmetic", "geometric", "copeland")


def test_prepared_shapes(prepared):
    a, i, c = prepared.shape
    assert (a, i, c) == (12, 5, 3)
    assert prepared.scores.shape == (6, 3, 5, 12, 5)
    assert prepared.pca_indicator_weights.shape == (6, 3, 5)


def test_agrees_with_build_index_on_variants(data, prepared):
    specs = [default_spec().replace(**v) for v in VARIANTS]
    choices, wc, wi = choices_from_specs(prepared, specs)
    res = evaluate_batch(prepared, choices, wc, wi)
    assert res.scores.shape == (len(specs), 12) and res.component_scores.shape == (len(specs),
                                                                                    12, 3)
    for k, s in enumerate(specs):
        r = build_index(data, s)
        np.testing.assert_allclose(res.scores[k], r.composite.to_numpy(), rtol=0, atol=1e-9)
        np.testing.assert_allclose(res.component_scores[k], r.component_scores.to_numpy(),
                                   rtol=0, atol=1e-9)
        np.testing.assert_array_equal(res.ranks[k], r.ranks.to_numpy())


def test_default_call_is_the_spec(data, prepared):
    res = evaluate_batch(prepared)
    r = build_index(data)
    np.testing.assert_allclose(res.scores[0], r.composite.to_numpy(), atol=1e-9)


def test_random_weights_agree_with_custom_spec(data, prepared):
    rng = np.random.default_rng(3)
    wc = rng.uniform(0.1, 1, (4, 3))
    res = evaluate_batch(prepared, {"normalisation": np.array([0, 1, 2, 3])},
                         component_weights=wc)
    for k in range(4):
        spec = default_spec().replace(
            normalisation=NORMALISATIONS[k], component_weighting="custom",
            component_weights=dict(zip(prepared.components, wc[k])))
        np.testing.assert_allclose(res.scores[k], build_index(data, spec).composite, atol=1e-9)


def test_results_do_not_depend_on_chunking_or_order(prepared):
    rng = np.random.default_rng(5)
    n = 300
    choices = {k: rng.integers(0, len(t), n) for k, t in CHOICE_TABLES.items()}
    wc = rng.uniform(0, 1, (n, 3)) + 0.01
    wi = rng.uniform(0, 1, (n, 5)) + 0.01
    a = evaluate_batch(prepared, choices, wc, wi)
    b = evaluate_batch(prepared, choices, wc, wi, chunk_size=7)
    np.testing.assert_allclose(a.scores, b.scores, atol=1e-12)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    perm = rng.permutation(n)
    c = evaluate_batch(prepared, {k: v[perm] for k, v in choices.items()}, wc[perm], wi[perm])
    np.testing.assert_allclose(c.scores, a.scores[perm], atol=1e-9)
    # ranks are permutations of 1..12 whenever there are no ties
    for row, sc in zip(a.ranks, a.scores):
        if len(np.unique(np.round(sc, 10))) == 12:
            assert sorted(row.astype(int)) == list(range(1, 13))


def test_zero_indicator_weight_excludes_indicator(data, prepared):
    wi = np.array([[0.0, 1.0, 1.0, 1.0, 1.0]])
    res = evaluate_batch(prepared, indicator_weights=wi)
    r = build_index(data, {"exclude_indicators": ["inf_a", "ado_gone"]})
    np.testing.assert_allclose(res.scores[0], r.composite.to_numpy(), atol=1e-9)


@pytest.mark.parametrize("kwargs,match", [
    ({"choices": {"normalization": 0}}, "unknown choice key"),
    ({"choices": {"normalisation": np.array([5])}}, r"0=minmax.*4=goalposts"),
    ({"choices": {"normalisation": np.array([0.5])}}, "integer codes"),
    ({"choices": {"normalisation": np.array([0, 1])},
      "component_weights": np.ones((3, 3))}, "number of samples differs"),
    ({"component_weights": np.ones((2, 4))}, "3 columns"),
    ({"component_weights": -np.ones((1, 3))}, ">= 0"),
    ({"indicator_weights": np.array([[0.0, 0.0, 1.0, 1.0, 1.0]])}, "weight 0"),
    ({"component_weights": np.ones(3)}, "2-d"),
])
def test_bad_inputs(prepared, kwargs, match):
    with pytest.raises(BatchError, match=match):
        evaluate_batch(prepared, **kwargs)


def test_choices_from_specs_rejects_fixed_fields(prepared):
    with pytest.raises(BatchError, match="indicator_coverage"):
        choices_from_specs(prepared, [default_spec().replace(indicator_coverage=0.5)])


def test_agrees_with_build_index_on_the_curated_data():
    """End to end on the real curated tables (skipped when they have not been built)."""
    from ldi_helpers.errors import DataValidationError
    from ldi_helpers.load import load_data
    try:
        real = load_data()
    except DataValidationError:
        pytest.skip("curated data not built")
    p = prepare_batch(real)
    specs = [default_spec().replace(**v) for v in VARIANTS[:5]]
    choices, wc, wi = choices_from_specs(p, specs)
    res = evaluate_batch(p, choices, wc, wi)
    for k, s in enumerate(specs):
        r = build_index(real, s)
        np.testing.assert_allclose(res.scores[k], r.composite.to_numpy(), rtol=0, atol=1e-9)
        np.testing.assert_array_equal(res.ranks[k], r.ranks.to_numpy())
