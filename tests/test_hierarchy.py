"""A framework of any depth: indicators -> components -> sub-indices -> index.

Known answers computed by hand from the made-up data below (not statistics of any place), then the
same framework through the batch engine, the Monte Carlo and the Sobol analysis.
"""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ldi_helpers.method.batch import evaluate_batch, prepare_batch
from ldi_helpers.analysis.factors import default_factors
from ldi_helpers.method.index import build_index
from ldi_helpers.analysis.sensitivity import get_sobol_indices
from ldi_helpers.analysis.uncertainty import make_batch_model, make_rebuild_model, run_monte_carlo

AREAS = ["A1", "A2", "A3", "A4"]
# indicator -> (component, direction, weight, values for A1..A4; None = missing)
INDICATORS = {
    "x1": ("p1", 1, 1.0, [0.0, 5.0, 10.0, 20.0]),
    "x2": ("p1", -1, 3.0, [4.0, 3.0, 2.0, None]),
    "x3": ("p2", 1, 1.0, [1.0, 2.0, 3.0, 5.0]),
    "x4": ("p3", 1, 1.0, [10.0, 30.0, 20.0, 40.0]),
}
# aggregate -> (parent, weight): p1, p2 -> s1 (weights 1, 3); p3 -> s2; s1, s2 -> top (2, 1)
FRAMEWORK = {"p1": ("s1", 1.0), "p2": ("s1", 3.0), "p3": ("s2", 1.0),
             "s1": ("top", 2.0), "s2": ("top", 1.0), "top": ("", 1.0)}


def toy():
    rows = [(a, ind, "2020", float(v)) for ind, (_, _, _, vals) in INDICATORS.items()
            for a, v in zip(AREAS, vals) if v is not None]
    values = pd.DataFrame(rows, columns=["area_code", "indicator_id", "period", "value"])
    indicators = pd.DataFrame(
        [(i, i.upper(), c, d, w, "unit", "false", "2020", "src", "")
         for i, (c, d, w, _) in INDICATORS.items()],
        columns=["indicator_id", "name", "component", "direction", "weight", "unit", "is_proxy",
                 "default_period", "source_org", "caveats"])
    framework = pd.DataFrame([(k, k.upper(), p, w) for k, (p, w) in FRAMEWORK.items()],
                             columns=["aggregate_id", "name", "parent", "weight"])
    areas = pd.DataFrame({"area_code": AREAS, "name": [f"Place {a}" for a in AREAS],
                          "group": ["g1", "g1", "g2", "g2"]})
    return SimpleNamespace(values=values, indicators=indicators, framework=framework,
                           areas=areas, edition={"geography": None, "unit_word": "place"})


SPEC = {"treatment": "none", "area_coverage": 0.5, "indicator_coverage": 0.5}


def expected():
    """Min-max 0-100 per indicator; weighted means with missing children skipped, every level."""
    x1 = np.array([0, 25, 50, 100.0])
    x2 = np.array([0, 50, 100, np.nan])          # lower is better: (4 - v) / (4 - 2)
    x3 = np.array([0, 25, 50, 100.0])
    x4 = np.array([0, 200 / 3, 100 / 3, 100.0])
    p1 = np.array([(1 * x1[i] + 3 * x2[i]) / 4 for i in range(3)] + [x1[3]])   # A4 lacks x2
    p2, p3 = x3, x4
    s1 = (1 * p1 + 3 * p2) / 4
    s2 = p3
    top = (2 * s1 + 1 * s2) / 3
    return {"p1": p1, "p2": p2, "p3": p3, "s1": s1, "s2": s2, "top": top}


def test_four_levels_known_answer_at_every_level():
    r = build_index(toy(), SPEC)
    exp = expected()
    for agg, want in exp.items():
        np.testing.assert_allclose(r.aggregate_scores[agg].to_numpy(), want, atol=1e-12,
                                   err_msg=agg)
    np.testing.assert_allclose(r.composite.to_numpy(), exp["top"], atol=1e-12)
    assert list(r.aggregate_scores.columns) == ["p1", "p2", "p3", "s1", "s2", "top"]
    # ranks at every level, 1 = best
    assert r.aggregate_ranks["s1"].tolist() == [4, 3, 2, 1]
    assert r.ranks.tolist() == list(pd.Series(exp["top"]).rank(ascending=False, method="min"))
    assert r.level_table(3).columns.tolist() == ["s1", "s2"]
    assert r.area_name("A2") == "Place A2"
    # component weights are renormalised within their parent (p1:p2 = 1:3 inside s1)
    assert r.component_weights.to_dict() == pytest.approx({"p1": 0.25, "p2": 0.75, "p3": 1.0})


def test_copeland_only_at_the_index_and_arithmetic_below():
    r = build_index(toy(), {**SPEC, "composite_aggregation": "copeland"})
    np.testing.assert_allclose(r.aggregate_scores["s1"], expected()["s1"], atol=1e-12)
    # the index is the Copeland count of s1 (weight 2/3) and s2 (1/3): s1 decides every pair
    assert r.composite.tolist() == [-3, -1, 1, 3]


def test_batch_engine_agrees_with_build_index_on_a_deep_framework():
    data = toy()
    p = prepare_batch(data, SPEC)
    rng = np.random.default_rng(3)
    n = 40
    choices = {"normalisation": rng.integers(0, 5, n), "composite_aggregation": rng.integers(0, 3, n),
               "component_aggregation": rng.integers(0, 2, n)}
    res = evaluate_batch(p, choices)
    from ldi_helpers.method.batch import CHOICE_TABLES
    for k in range(n):
        spec = {**SPEC, **{key: CHOICE_TABLES[key][int(choices[key][k])] for key in choices}}
        r = build_index(data, spec)
        np.testing.assert_allclose(res.scores[k], r.composite.to_numpy(), atol=1e-9)
        np.testing.assert_array_equal(res.ranks[k], r.ranks.to_numpy())


def test_monte_carlo_and_sobol_run_on_a_deep_framework():
    data = toy()
    fs = default_factors(data, SPEC, names=["normalisation", "composite_aggregation",
                                            "component_weights", "indicator_weights"])
    # weight factors vary around the framework weights
    assert fs["component_weights"].base == (1.0, 3.0, 1.0)
    settings = fs.decode(fs.sample(24, seed=2))
    fast = make_batch_model(data, fs, SPEC)(settings)
    slow = make_rebuild_model(data, fs, SPEC)(settings)
    np.testing.assert_array_equal(fast["rank"], slow["rank"])
    np.testing.assert_allclose(fast["score"], slow["score"], atol=1e-9)
    mc = run_monte_carlo(make_batch_model(data, fs, SPEC), fs, 64, 1, AREAS)
    assert mc.ranks.shape == (64, 4)
    sob = get_sobol_indices(make_batch_model(data, fs, SPEC), fs, 64, 1, AREAS, num_resamples=0)
    assert set(sob.indices["unit"]) == set(AREAS)


# ---------------------------------------------------------------- the toy3 edition, read from disk
def test_toy3_edition_matches_its_independent_expectation_at_every_level():
    """tests/editions/toy3_expected.py computes the scores with plain numpy from the CSVs (no
    ldi_helpers); the engine, loading the edition from its folder, must agree at every level,
    including the per-indicator rank normalisation of one indicator and the unequal weights."""
    import sys
    from pathlib import Path

    from ldi_helpers.data.load import load_data

    here = Path(__file__).resolve().parent / "editions"
    sys.path.insert(0, str(here))
    try:
        from toy3_expected import TOY3, toy3_expected
    finally:
        sys.path.remove(str(here))
    exp = toy3_expected(TOY3)
    spec = {"imputation": "none", "treatment": "none", "normalisation": "minmax",
            "indicator_coverage": 0.0, "area_coverage": 0.0, "near_duplicates": "keep_both"}
    r = build_index(load_data(TOY3), spec)
    norm = exp["normalised"]
    for ind in norm.columns:
        np.testing.assert_allclose(r.indicator_scores[ind].reindex(norm.index).to_numpy(),
                                   norm[ind].to_numpy(), atol=1e-9, err_msg=ind)
    aggs = exp["aggregates"]
    for agg in aggs.columns:
        np.testing.assert_allclose(r.aggregate_scores[agg].reindex(aggs.index).to_numpy(),
                                   aggs[agg].to_numpy(), atol=1e-9, err_msg=agg)
    ranks = exp["ranks"]
    for agg in ranks.columns:
        np.testing.assert_array_equal(r.aggregate_ranks[agg].reindex(ranks.index).to_numpy(),
                                      ranks[agg].to_numpy(dtype=float), err_msg=agg)


def test_export_every_level_to_csv_and_excel(tmp_path):
    r = build_index(toy(), SPEC)
    csv_path = r.export(tmp_path / "scores.csv")
    long = pd.read_csv(csv_path)
    assert set(long["level"]) == {1, 2, 3, 4}
    top = long[long["aggregate_id"] == "top"].set_index("area_code")
    np.testing.assert_allclose(top.loc[AREAS, "score"].to_numpy(), expected()["top"], atol=1e-12)
    assert top.loc["A4", "area"] == "Place A4" and top.loc["A4", "rank"] == 1
    x2 = long[long["aggregate_id"] == "x2"].set_index("area_code")
    assert np.isnan(x2.loc["A4", "score"])           # a missing value stays missing
    xlsx = r.export(tmp_path / "scores.xlsx")
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert {"level 1", "level 2", "level 3", "level 4", "all levels, long"} <= set(sheets)
    assert not list(tmp_path.glob(".*tmp*"))          # written atomically, nothing left behind
