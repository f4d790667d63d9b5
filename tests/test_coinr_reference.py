"""Known answers from the reference implementation: COINr (the JRC's R package) on its ASEM example.

`tests/editions/coinr_asem/` is COINr's example data (51 countries, 49 indicators, 8 pillars, 2
sub-indices, the index: a 4-level framework) written as an edition; `reference/` holds COINr's own
results under a stated method (min-max 0-100, weighted arithmetic mean at every level with missing
values skipped, the iMeta weights; no imputation, screening or treatment). The engine, given that
edition and the same method, must agree at every level to 1e-9 and give the same ranks.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ldi_helpers.method.index import build_index
from ldi_helpers.data.load import load_data

EDITION = Path(__file__).resolve().parent / "editions" / "coinr_asem"
#: COINr's method for the reference files (see the edition's SOURCE.md).
COINR_SPEC = {"imputation": "none", "treatment": "none", "normalisation": "minmax",
              "indicator_coverage": 0.0, "area_coverage": 0.0,
              "component_aggregation": "arithmetic", "composite_aggregation": "arithmetic",
              "indicator_weighting": "framework", "component_weighting": "framework",
              "near_duplicates": "keep_both", "rank_ties": "min"}


@pytest.fixture(scope="module")
def asem():
    data = load_data(EDITION)
    return data, build_index(data, COINR_SPEC)


def _reference(name: str) -> pd.DataFrame:
    return pd.read_csv(EDITION / "reference" / name).set_index("uCode")


def test_every_level_matches_coinr(asem):
    data, r = asem
    ref = _reference("minmax_amean_aggregated.csv")
    assert r.framework.depth == 4 and len(r.composite) == 51
    # indicators (level 1): normalised scores
    for ind in r.indicator_scores.columns:
        np.testing.assert_allclose(r.indicator_scores[ind].reindex(ref.index).to_numpy(),
                                   ref[ind].to_numpy(), atol=1e-9, err_msg=ind)
    # pillars, sub-indices and the index
    for agg in r.aggregate_scores.columns:
        np.testing.assert_allclose(r.aggregate_scores[agg].reindex(ref.index).to_numpy(),
                                   ref[agg].to_numpy(), atol=1e-9, err_msg=agg)
    assert set(r.aggregate_scores.columns) == set(data.framework["aggregate_id"])


def test_ranks_match_coinr(asem):
    _, r = asem
    ref = _reference("minmax_amean_ranks.csv")
    for agg in ("Conn", "Sust", "Index"):
        np.testing.assert_array_equal(r.aggregate_ranks[agg].reindex(ref.index).to_numpy(),
                                      ref[agg].to_numpy(dtype=float), err_msg=agg)


def test_batch_engine_gives_the_same_index_on_the_reference_edition(asem):
    from ldi_helpers.method.batch import evaluate_batch, prepare_batch

    data, r = asem
    res = evaluate_batch(prepare_batch(data, COINR_SPEC))
    np.testing.assert_allclose(res.scores[0], r.composite.to_numpy(), atol=1e-9)
    np.testing.assert_array_equal(res.ranks[0], r.ranks.to_numpy())
