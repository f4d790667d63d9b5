"""build_index end to end on constructed tables: purity, determinism, edge cases, the log."""
import numpy as np
import pandas as pd
import pytest

from index_fixtures import META, VALUES, make_data
from ldi_helpers.errors import SpecError
from ldi_helpers.data.geography import ITL1_CODES
from ldi_helpers.method.index import NoDataError, build_index
from ldi_helpers.method.spec import default_spec


def _two_indicator_data(a, b, meta_b=("b", "digital_skills", 1, "false", "2020")):
    meta = [("a", "digital_infrastructure", 1, "false", "2020"), meta_b]
    return make_data({("a", "2020"): a, ("b", "2020"): b}, meta)


def test_pure_and_deterministic():
    d = make_data()
    v0, i0 = d.values.copy(deep=True), d.indicators.copy(deep=True)
    r1 = build_index(d)
    r2 = build_index(d, default_spec())
    pd.testing.assert_frame_equal(d.values, v0)
    pd.testing.assert_frame_equal(d.indicators, i0)
    pd.testing.assert_series_equal(r1.composite, r2.composite)
    pd.testing.assert_frame_equal(r1.component_scores, r2.component_scores)
    pd.testing.assert_frame_equal(r1.log, r2.log)


def test_known_answer_two_indicators_minmax_arithmetic():
    a = list(range(12))                       # 0..11
    b = [11 - i for i in range(12)]           # reversed
    r = build_index(_two_indicator_data(a, b), {"treatment": "none"})
    # minmax: a -> 100 i / 11, b -> 100 (11 - i) / 11; composite = mean = 50 for all -> all tie
    np.testing.assert_allclose(r.composite.to_numpy(), 50.0)
    assert (r.ranks == 1).all()  # ties share the best rank ("min")
    r2 = build_index(_two_indicator_data(a, a), {"treatment": "none"})
    np.testing.assert_allclose(r2.composite.to_numpy(), [100 * i / 11 for i in range(12)])
    assert r2.ranks.to_list() == [float(12 - i) for i in range(12)]
    assert r2.ranks["TLN"] == 1


def test_identical_indicator_gets_neutral_score_and_log_entry():
    r = build_index(_two_indicator_data(list(range(12)), [5] * 12), {"treatment": "none"})
    assert (r.indicator_scores["b"] == 50).all()
    assert (r.component_scores["digital_skills"] == 50).all()
    assert ((r.log.step == "normalise") & (r.log.item == "b")).any()


def test_all_missing_indicator_screened_and_logged():
    r = build_index(make_data())
    assert "ado_gone" not in r.indicator_scores.columns
    hit = r.log[(r.log.step == "screen") & (r.log.item == "ado_gone")]
    assert len(hit) == 1 and "no value" in hit.message.iloc[0]


def test_single_area():
    one = [None] * 11 + [7.0]
    r = build_index(_two_indicator_data(one, [None] * 11 + [3.0]),
                    {"indicator_coverage": 0.0, "area_coverage": 0.0})
    assert list(r.composite.index) == ["TLN"]
    assert r.ranks["TLN"] == 1 and r.composite["TLN"] == 50.0
    assert (r.log.message.str.contains("area dropped")).sum() == 11


def test_zeros_and_negatives_under_geometric_mean():
    a = [-5.0, 0.0] + [float(i) for i in range(10)]
    b = [0.0] * 6 + [1.0] * 6
    r = build_index(_two_indicator_data(a, b),
                    {"treatment": "none", "normalisation": "zscore",
                     "component_aggregation": "geometric", "composite_aggregation": "geometric"})
    assert np.isfinite(r.composite).all()
    # documented shift: the component scores themselves equal the z-scores (one indicator each)
    np.testing.assert_allclose(r.component_scores["digital_infrastructure"],
                               r.indicator_scores["a"])
    # and minmax + geometric keeps the order of an equal-weight two-input comparison
    g = build_index(_two_indicator_data(a, a), {"treatment": "none",
                                                "composite_aggregation": "geometric"})
    np.testing.assert_allclose(g.composite.to_numpy(), g.indicator_scores["a"].to_numpy())


def test_copeland_composite_and_ties():
    r = build_index(make_data(), {"composite_aggregation": "copeland"})
    assert set(np.unique(r.composite)).issubset(set(range(-11, 12)))
    assert r.ranks.min() == 1


def test_imputed_cells_are_flagged():
    r = build_index(make_data(), {"imputation": "group_mean"})
    assert r.imputed.loc["TLN", "skl_a"]
    assert r.imputed.to_numpy().sum() == 1
    # Northern Ireland's value = mean of Wales and Scotland (87, 89)
    assert r.treated.loc["TLN", "skl_a"] == 88.0
    assert ((r.log.step == "impute") & (r.log.item == "skl_a")).any()
    r0 = build_index(make_data())
    assert not r0.imputed.to_numpy().any() and np.isnan(r0.indicator_scores.loc["TLN", "skl_a"])


def test_winsorisation_logged():
    r = build_index(make_data())
    hit = r.log[(r.log.step == "treat") & (r.log.item == "ado_a")]
    assert "winsorised 1 point(s) (London)" in hit.message.iloc[0]
    assert "TLI" not in hit.message.iloc[0] and "->" not in hit.message.iloc[0]
    assert r.treated.loc["TLI", "ado_a"] == 2.0 and r.raw.loc["TLI", "ado_a"] == 9.0


def test_weights_sum_and_custom_weights_move_scores():
    r = build_index(make_data())
    assert r.component_weights.sum() == pytest.approx(1.0)
    for comp, w in r.indicator_weights.groupby(r.meta["component"]):
        assert w.sum() == pytest.approx(1.0)
    r2 = build_index(make_data(), {"component_weighting": "custom",
                                   "component_weights": {"digital_adoption": 0}})
    ca = r2.component_scores.drop(columns="digital_adoption")
    np.testing.assert_allclose(r2.composite, ca.mean(axis=1))


@pytest.mark.parametrize("norm", ["minmax", "zscore", "rank", "distance_to_median",
                                  "goalposts"])
@pytest.mark.parametrize("imp", ["none", "indicator_mean", "indicator_median", "group_mean",
                                 "component_mean", "component_median"])
def test_every_method_runs(norm, imp):
    r = build_index(make_data(), {"normalisation": norm, "imputation": imp,
                                  "indicator_weighting": "pca"})
    assert r.ranks.notna().all() and r.composite.notna().all()
    assert r.ranks.min() == 1 and r.ranks.max() <= len(r.ranks)


def test_unknown_method_and_no_data_errors():
    with pytest.raises(SpecError, match="minmax, zscore"):
        build_index(make_data(), {"normalisation": "percentile"})
    with pytest.raises(NoDataError):
        build_index(make_data(), {"indicators": ["ado_gone"]})


def test_table_and_order():
    t = build_index(make_data()).table()
    assert list(t["rank"]) == sorted(t["rank"])
    assert set(t.index) == set(ITL1_CODES) and t.columns[0] == "area"
    assert META and VALUES  # fixtures present


def test_log_messages_name_regions_and_methods_in_words():
    r = build_index(make_data(), {"imputation": "group_mean"})
    msg = r.log[(r.log.step == "impute") & (r.log.item == "skl_a")].message.iloc[0]
    assert msg.startswith("Northern Ireland:") and "group mean" in msg
    assert "TLN" not in msg and "group_mean" not in msg
    codes = "|".join(ITL1_CODES)
    assert not r.log.loc[r.log.step != "screen", "message"].str.contains(rf"\b(?:{codes})\b").any()
    for step in ("impute", "treat", "normalise", "aggregate"):
        assert not r.log.loc[r.log.step == step, "message"].str.contains("->|_").any()


def test_log_table_names_steps_and_indicators():
    r = build_index(_two_indicator_data(list(range(12)), [5] * 12), {"treatment": "none"})
    t = r.log_table(["b"])
    assert list(t.columns) == ["Step", "Indicator", "What changed"]
    assert len(t) >= 1 and set(t["Step"]) == {"Normalisation"}
    assert set(t["Indicator"]) == {r.meta.loc["b", "name"]}
    full = build_index(make_data()).log_table()
    gone = full[full["Step"] == "Coverage screening"]
    assert list(gone["Indicator"]) == ["ado_gone"]  # screened out: no name in the index's metadata
