"""The methodology explorer's functions (ldi_helpers.report.explorer), with known answers."""
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from ldi_helpers.errors import LDIError
from ldi_helpers.report.explorer import (EXPLORER_FACTORS, Explorer, ExplorerError, ExplorerState,
                                  load_params, ranks_text, save_params, spec_differences,
                                  svg_hex_map, svg_ranked)
from ldi_helpers.method.index import build_index
from ldi_helpers.data.load import load_data
from ldi_helpers.run.runner import load_params as runner_load_params
from ldi_helpers.method.spec import MethodSpec, default_spec

TOY3 = Path(__file__).parent / "editions" / "toy3"


@pytest.fixture(scope="module")
def toy():
    data = load_data(TOY3)
    return data, Explorer(data)


def _agrees(ex, data, state):
    frame = ex.evaluate(state)
    ref = build_index(data, state.spec)
    np.testing.assert_allclose(frame["score"], ref.composite.reindex(frame.index), atol=1e-9)
    np.testing.assert_array_equal(frame["rank"], ref.ranks.reindex(frame.index))
    return frame


def test_default_state_equals_build_index_and_has_no_change(toy):
    data, ex = toy
    frame = _agrees(ex, data, ExplorerState())
    assert (frame["rank_change"] == 0).all()
    assert list(frame["rank"]) == sorted(frame["rank"])
    assert frame.loc["AV", "name"] == "Avalon"


def test_weight_change_gives_the_ranks_build_index_gives(toy):
    data, ex = toy
    state = ExplorerState().with_component_weights({"wealth": 4.0, "trade": 0.5, "health": 1.0})
    assert state.spec.component_weighting == "custom"
    assert "component_weights" in state.fixed
    frame = _agrees(ex, data, state)
    ref = build_index(data, default_spec())
    np.testing.assert_array_equal(frame["default_rank"], ref.ranks.reindex(frame.index))
    np.testing.assert_array_equal(frame["rank_change"], frame["default_rank"] - frame["rank"])
    assert (frame["rank_change"] != 0).any()   # the weights matter on this edition


@pytest.mark.parametrize("change", [
    lambda s: s.with_choice("normalisation", "zscore"),
    lambda s: s.with_choice("composite_aggregation", "copeland"),
    lambda s: s.with_choice("imputation", "indicator_mean").with_choice("treatment", "log"),
    lambda s: s.with_indicator("gdp", False),
    lambda s: s.with_component("trade", False, ["wealth", "trade", "health"]),
])
def test_every_kind_of_change_equals_build_index(toy, change):
    data, ex = toy
    _agrees(ex, data, change(ExplorerState()))


def test_indicator_and_component_toggles_round_trip():
    s = ExplorerState().with_indicator("gdp", False)
    assert s.spec.exclude_indicators == ("gdp",)
    assert s.with_indicator("gdp", True).spec.exclude_indicators == ()
    comps = ["wealth", "trade", "health"]
    s = ExplorerState().with_component("trade", False, comps)
    assert s.spec.components == ("wealth", "health")
    assert s.with_component("trade", True, comps).spec.components is None
    with pytest.raises(ExplorerError, match="keep at least one component"):
        ExplorerState().with_component("a", False, ["a"])
    with pytest.raises(ExplorerError, match="unknown explorer factor"):
        ExplorerState(fixed={"nonsense"})


def test_period_override_and_back():
    s = ExplorerState().with_period("x", "2021")
    assert dict(s.spec.periods) == {"x": "2021"}
    assert s.with_period("x", None).spec.periods == ()


def test_remaining_intervals_sample_only_unfixed_factors(toy):
    data, ex = toy
    state = ExplorerState()
    iv = ex.remaining_intervals(state, n=200, seed=1)
    assert iv.attrs["sampled"] == list(EXPLORER_FACTORS)
    assert iv.attrs["n_samples"] == 200
    assert (iv["rank_lo"] <= iv["rank_hi"]).all()
    again = ex.remaining_intervals(state, n=200, seed=1)
    assert iv.equals(again)                                   # seeded: reproducible
    fixed = state.with_choice("normalisation", "zscore")
    iv2 = ex.remaining_intervals(fixed, n=50, seed=1)
    assert "normalisation" not in iv2.attrs["sampled"]
    frame = ex.evaluate(fixed)
    np.testing.assert_array_equal(iv2["nominal_rank"], frame["rank"].reindex(iv2.index))


def test_every_factor_fixed_gives_a_point_interval(toy):
    data, ex = toy
    state = ExplorerState(fixed=frozenset(EXPLORER_FACTORS))
    iv = ex.remaining_intervals(state, n=100, seed=0)
    assert iv.attrs["sampled"] == []
    assert (iv["rank_lo"] == iv["nominal_rank"]).all()
    assert (iv["rank_hi"] == iv["nominal_rank"]).all()


def test_only_weights_left_to_sample_keeps_the_methods(toy):
    """With every method fixed at the default and only the weights sampled, each sample is the
    default method with perturbed weights: check one sample against build_index."""
    data, ex = toy
    fixed = frozenset(f for f in EXPLORER_FACTORS if f != "component_weights")
    iv = ex.remaining_intervals(ExplorerState(fixed=fixed), n=300, seed=3)
    assert iv.attrs["sampled"] == ["component_weights"]
    # weights within +/-25 %: ranks can move, but only within the table
    assert iv["rank_lo"].min() >= 1 and iv["rank_hi"].max() <= 6


def test_spec_differences_in_words():
    a = default_spec()
    assert spec_differences(a, a) == ["The two specs are the same."]
    b = a.replace(normalisation="zscore", exclude_indicators=("gdp",),
                  component_weighting="custom", component_weights={"trade": 2.0},
                  periods={"income": "2021"})
    lines = spec_differences(a, b, {"gdp": "GDP per head", "trade": "Trade",
                                    "income": "Median income"})
    assert lines == [
        "Left out in the second only: GDP per head.",
        "Data periods of Median income: its default period in the first, 2021 in the second.",
        "Normalisation: min-max 0-100 in the first, z-score in the second.",
        "Component weighting: the edition's framework weights in the first, custom in the "
        "second.",
        "Component weights of Trade: 1 in the first, 2 in the second.",
    ]
    assert spec_differences(b, a, {"gdp": "GDP per head"})[0] == \
        "Left out in the first only: GDP per head."


def test_saved_params_round_trip_and_ldi_run_accepts_them(tmp_path):
    spec = default_spec().replace(normalisation="rank", exclude_indicators=("gdp",),
                                  component_weighting="custom",
                                  component_weights={"trade": 2.5, "wealth": 0.5},
                                  periods={"income": "2021"}, components=("wealth", "trade"))
    path = save_params(spec, tmp_path / "mine.yaml")
    assert load_params(path) == spec
    params = runner_load_params(path)              # what `ldi run --params` reads
    assert set(params) == {"spec"}
    assert MethodSpec.from_dict(params["spec"]) == spec
    assert not list(tmp_path.glob(".*tmp*"))       # atomic: no temporary file left
    save_params(default_spec(), path)              # overwrite in place
    assert load_params(path) == default_spec()


def test_params_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("spec:\n  normalisaton: zscore\n", encoding="utf-8")
    with pytest.raises(LDIError, match="did you mean 'normalisation'"):
        load_params(bad)
    with pytest.raises(LDIError, match="not found"):
        load_params(tmp_path / "missing.yaml")
    with pytest.raises(ExplorerError, match="does not exist"):
        save_params(default_spec(), tmp_path / "no" / "such" / "x.yaml")


def test_compare_side_by_side(toy):
    data, ex = toy
    a, b = ExplorerState(), ExplorerState().with_choice("normalisation", "rank")
    table, lines = ex.compare(a, b)
    ra, rb = build_index(data, a.spec).ranks, build_index(data, b.spec).ranks
    np.testing.assert_array_equal(table["rank_a"], ra.reindex(table.index))
    np.testing.assert_array_equal(table["rank_b"], rb.reindex(table.index))
    assert lines == ["Normalisation: min-max 0-100 in the first, rank in the second."]


def test_charts_are_valid_svg_and_escape_names(toy):
    data, ex = toy
    frame = ex.evaluate(ExplorerState()).copy()
    frame.loc["AV", "name"] = "<b>Avalon</b> & co"
    iv = ex.remaining_intervals(ExplorerState(), n=20, seed=0)
    for svg in (svg_ranked(frame, iv), svg_hex_map(frame, data.areas)):
        ET.fromstring(svg)                         # well-formed
        assert "<b>" not in svg
    assert "&lt;b&gt;Avalon" in svg_ranked(frame)
    assert svg_hex_map(frame, data.areas.drop(columns=["tile_q", "tile_r"])) == ""
    assert "Avalon" in ranks_text(frame)


def test_selection_batches_are_cached(toy):
    data, ex = toy
    s = ExplorerState()
    p1 = ex.prepared(s.spec)
    assert ex.prepared(s.with_choice("normalisation", "zscore").spec) is p1
    assert ex.prepared(s.with_indicator("gdp", False).spec) is not p1
