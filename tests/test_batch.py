"""The batch API agrees with build_index and validates its inputs."""
import numpy as np
import pytest

from index_fixtures import make_data
from ldi_helpers.method.aggregate import aggregate, aggregate_components, copeland, rank_scores
from ldi_helpers.method.batch import (CHOICE_TABLES, BatchError, _copeland, choices_from_specs,
                               evaluate_batch, prepare_batch)
from ldi_helpers.method.index import build_index
from ldi_helpers.method.spec import (COMPONENT_AGGREGATIONS, COMPOSITE_AGGREGATIONS, NORMALISATIONS,
                              default_spec)
from ldi_helpers.method.weights import renormalise

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
    assert CHOICE_TABLES["composite_aggregation"] == COMPOSITE_AGGREGATIONS
    # new rules are appended: the codes of the older ones keep their meaning
    assert CHOICE_TABLES["composite_aggregation"][:3] == ("arithmetic", "geometric", "copeland")


def test_prepared_shapes(prepared):
    a, i, c = prepared.shape
    assert (a, i, c) == (12, 5, 3)
    assert prepared.scores.shape == (6, 4, 5, 12, 5)       # 4 treatments (Box-Cox added)
    assert prepared.pca_indicator_weights.shape == (6, 4, 5)


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
    from ldi_helpers.data.load import load_data
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


def _per_group_reference(prepared, choices, wc, wi):
    """Straightforward evaluation: one group per distinct set of method codes, the step
    functions of :mod:`ldi_helpers.method.aggregate` applied to that group's scores and weights."""
    n_a, n_i, n_c = prepared.shape
    n = len(choices["imputation"])
    if wi is None:  # the spec's weights: PCA weights follow each sample's imputation/treatment
        wi = prepared.pca_indicator_weights[choices["imputation"], choices["treatment"]]
    wi = renormalise(wi, prepared.comp_index)
    wc = renormalise(wc, np.zeros(n_c, int))
    scores, ranks, comp = np.empty((n, n_a)), np.empty((n, n_a)), np.empty((n, n_a, n_c))
    keys = np.stack([choices[k] for k in CHOICE_TABLES], axis=1)
    for key in np.unique(keys, axis=0):
        imp, tr, nm, ca, ta = (int(x) for x in key)
        idx = np.flatnonzero((keys == key).all(axis=1))
        cs = aggregate_components(prepared.scores[imp, tr, nm], wi[idx], prepared.comp_index,
                                  n_c, COMPONENT_AGGREGATIONS[ca])
        comp[idx] = cs
        scores[idx] = aggregate(cs, wc[idx], COMPOSITE_AGGREGATIONS[ta])
        ranks[idx] = rank_scores(scores[idx], prepared.spec.rank_ties)
    return scores, ranks, comp


def _random_mixed_inputs(prepared, n, seed):
    """Random codes for every choice key and random weights, some indicator weights 0 (each
    component keeps one positive weight)."""
    rng = np.random.default_rng(seed)
    n_a, n_i, n_c = prepared.shape
    choices = {k: rng.integers(0, len(t), n) for k, t in CHOICE_TABLES.items()}
    wc = rng.uniform(0, 1, (n, n_c)) * (rng.uniform(size=(n, n_c)) < 0.8) + 1e-3
    wi = rng.uniform(0.05, 1, (n, n_i)) * (rng.uniform(size=(n, n_i)) < 0.7)
    for c in range(n_c):
        cols = np.flatnonzero(prepared.comp_index == c)
        wi[np.arange(n), rng.choice(cols, n)] += 0.5
    return choices, wc, wi


def _assert_same(res, ref):
    scores, ranks, comp = ref
    np.testing.assert_array_equal(res.ranks, ranks)
    np.testing.assert_allclose(res.scores, scores, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.component_scores, comp, rtol=0, atol=1e-9)


@pytest.mark.parametrize("chunk_size", [4096, 37])
def test_vectorised_path_matches_per_group_evaluation(prepared, chunk_size):
    choices, wc, wi = _random_mixed_inputs(prepared, 600, seed=11)
    res = evaluate_batch(prepared, choices, wc, wi, chunk_size=chunk_size)
    _assert_same(res, _per_group_reference(prepared, choices, wc, wi))


def test_vectorised_path_matches_per_group_evaluation_with_pca_default(data):
    p = prepare_batch(data, {"indicator_weighting": "pca"})
    choices, wc, _ = _random_mixed_inputs(p, 300, seed=12)
    res = evaluate_batch(p, choices, wc)
    _assert_same(res, _per_group_reference(p, choices, wc, None))


def test_vectorised_path_matches_per_group_evaluation_on_the_curated_data():
    """Same comparison on the real curated tables (skipped when they have not been built)."""
    from ldi_helpers.errors import DataValidationError
    from ldi_helpers.data.load import load_data
    try:
        real = load_data()
    except DataValidationError:
        pytest.skip("curated data not built")
    p = prepare_batch(real)
    choices, wc, wi = _random_mixed_inputs(p, 1500, seed=13)
    res = evaluate_batch(p, choices, wc, wi, chunk_size=500)
    _assert_same(res, _per_group_reference(p, choices, wc, wi))


@pytest.mark.parametrize("n_inputs", [3, 8, 11])
def test_batch_copeland_is_identical_to_copeland(n_inputs):
    rng = np.random.default_rng(n_inputs)
    v = np.round(rng.normal(size=(200, 12, n_inputs)), 1)   # rounding makes ties common
    v[:, 4] = v[:, 5]                                          # tied areas
    v[rng.uniform(size=v.shape) < 0.1] = np.nan
    v[0, 3] = np.nan                                           # an area with no data
    w = rng.uniform(0, 1, (200, n_inputs))
    w[:50, :2] = 0.5                                           # weights that cancel exactly
    w[50:100, :3] = [0.1, 0.2, 0.3]                            # cancel only after rounding
    w[50:100, 3:] = 0.0
    w[100:110, -1] = 0.0
    np.testing.assert_array_equal(_copeland(v, w), copeland(v, w))


def test_selection_settings_that_select_the_same_data_share_one_preparation(monkeypatch):
    """Coverage thresholds that drop no indicator give the same stage: the uncertainty engine
    prepares it once (stage_signature), and what each setting gets equals a fresh preparation
    under that setting's own spec."""
    import itertools

    from ldi_helpers.analysis.factors import default_factors
    from ldi_helpers.analysis.uncertainty import _stage_key_factors, _stage_spec, make_batch_model
    from ldi_helpers.data.load import load_data
    from ldi_helpers.method.batch import prepare_batch, stage_signature
    from ldi_helpers.method.columns import ColumnCache
    from ldi_helpers.method.index import stage
    from ldi_helpers.method.spec import default_spec

    data, spec = load_data(), default_spec()
    factors = default_factors(data, spec)
    names = _stage_key_factors(factors)
    keys = list(itertools.product(*[range(len(factors[n].choices)) for n in names]))
    specs = {k: _stage_spec(spec, factors.select(names),
                            {n: np.array([c]) for n, c in zip(names, k)}, 0) for k in keys}
    sigs = {k: stage_signature(stage(data, s)) for k, s in specs.items()}
    assert 1 < len(set(sigs.values())) < len(keys)  # some settings coincide, not all
    calls = []

    prepare = ColumnCache.prepare

    def counting(self, d, s, staged=None):
        calls.append(s)
        return prepare(self, d, s, staged=staged)

    monkeypatch.setattr(ColumnCache, "prepare", counting)
    model = make_batch_model(data, factors, spec)
    assert model.prepare_all() == len(keys)
    assert len(calls) == len(set(sigs.values()))  # one preparation per distinct stage
    monkeypatch.undo()
    for k in keys:
        got, fresh = model.prepared_for(k), prepare_batch(data, specs[k])
        assert got.spec == specs[k]
        assert got.areas == fresh.areas and got.indicators == fresh.indicators
        for field in ("scores", "imputed", "indicator_weights", "component_weights"):
            np.testing.assert_array_equal(getattr(got, field), getattr(fresh, field))
        # the model passes every sample's weights: no PCA weights for a spec not weighted by PCA
        assert np.isnan(got.pca_indicator_weights).all()
    # a PCA-weighted spec gets them, equal to prepare_batch's
    pca_spec = spec.replace(indicator_weighting="pca", indicator_weights={})
    pfactors = default_factors(data, pca_spec)
    pmodel = make_batch_model(data, pfactors, pca_spec)
    key = (0,) * len(_stage_key_factors(pfactors))
    got = pmodel.prepared_for(key)
    fresh = prepare_batch(data, got.spec)
    for field in ("scores", "indicator_weights", "pca_indicator_weights"):
        np.testing.assert_array_equal(getattr(got, field), getattr(fresh, field))
