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


# ---------------------------------------------------------------- issue 15: new selections fast
ASEM = Path(__file__).parent / "editions" / "coinr_asem"
NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "60_methodology_explorer.ipynb"


def _same(a, b, name="prepared"):
    """Equal field by field, arrays bit for bit (same dtype, shape, values, NaN positions)."""
    import dataclasses

    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, name
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{name}.{f.name}")
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), name
        for x, y in zip(a, b):
            _same(x, y, name)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), name
        for k in a:
            _same(a[k], b[k], f"{name}[{k!r}]")
    else:
        assert a == b, name


def _selections(ex):
    s0 = ExplorerState(ex.default)
    comps = list(ex.components)
    by_comp = ex.indicators_by_component()
    out = [s0]
    out += [s0.with_indicator(ids[0], False) for ids in by_comp.values() if len(ids) > 1][:3]
    out += [s0.with_indicator(ids[0], False).with_indicator(ids[-1], False)
            for ids in by_comp.values() if len(ids) > 2][:1]
    out += [s0.with_component(comps[-1], False, comps), s0.with_component(comps[0], False, comps)]
    out += [s0.with_period(i, ps[0]) for i, ps in list(ex.periods().items())[:2]]
    out += [ExplorerState(ex.default.replace(area_coverage=0.9))]
    return out


LAD = Path(__file__).parent.parent / "data" / "editions" / "lad"


@pytest.mark.parametrize("path", [TOY3, ASEM, None, LAD],
                         ids=["toy3", "coinr_asem", "regional", "lad"])
def test_assembled_batches_equal_prepare_batch_bit_for_bit(path):
    from ldi_helpers.method.batch import prepare_batch
    from ldi_helpers.report.explorer import selection_key

    from ldi_helpers.method.index import stage

    data = load_data(path)
    ex = Explorer(data)
    paths = set()
    for st in _selections(ex):
        key = selection_key(st.spec)
        spec = MethodSpec.from_dict(dict(key))
        ref = prepare_batch(data, spec)
        got = ex.prepared(st.spec)
        # prepare_batch itself makes the batch of a single indicator, or of indicators with their
        # own normalisation (toy3 has one), which it normalises in separate blocks
        sg = stage(data, spec)
        assembled = len(sg.indicators) > 1 and not sg.normalisation_overrides
        assert (ex._prepared[key][1] is not None) == assembled
        paths.add(assembled)
        if assembled:
            assert np.isnan(got.pca_indicator_weights).all()     # not computed until needed
        _same(got, ref.__class__(**{**ref.__dict__,
                                    "pca_indicator_weights": got.pca_indicator_weights}))
        # a PCA-weighted spec of the same selection fills in prepare_batch's PCA weights
        pca = ex.prepared(st.spec.replace(indicator_weighting="pca"))
        _same(pca.pca_indicator_weights, ref.pca_indicator_weights)
        _same(pca.scores, ref.scores)
    assert paths == ({True, False} if path == TOY3 else {True})


def test_first_selection_changes_equal_build_index_and_reuse_columns():
    data = load_data(ASEM)
    ex = Explorer(data)
    first = ex.columns.computed
    assert first == len(ex.prepared(ex.default).indicators)      # the default batch, once
    by_comp = ex.indicators_by_component()
    s = ExplorerState(ex.default).with_choice("normalisation", "zscore")
    for ids in list(by_comp.values())[:3]:
        s = s.with_indicator(ids[0], False)                       # each a new selection
        _agrees(ex, data, s)
    comps = list(ex.components)
    _agrees(ex, data, ExplorerState(ex.default).with_component(comps[1], False, comps))
    # leaving indicators or components out gathers prepared columns (the units stay the same)
    assert ex.columns.computed == first
    for agg in ("geometric", "copeland"):
        _agrees(ex, data, s.with_choice("composite_aggregation", agg)
                .with_choice("imputation", "component_mean").with_choice("treatment", "boxcox"))
    _agrees(ex, data, ExplorerState(s.spec.replace(indicator_weighting="pca")))


def test_first_period_change_equals_build_index():
    data = load_data()
    ex = Explorer(data)
    for ind, periods in list(ex.periods().items())[:3]:
        other = [p for p in periods if p != ex.default_period(ind)][-1]
        _agrees(ex, data, ExplorerState(ex.default).with_period(ind, other))


def test_single_indicator_selection_uses_prepare_batch(toy):
    data, ex = toy
    s = ExplorerState()
    for c in ("trade", "health"):
        s = s.with_component(c, False, ex.components)
    s = s.with_indicator("income", False)
    p = ex.prepared(s.spec)
    assert p.indicators == ("gdp",)
    assert np.isfinite(p.pca_indicator_weights).all()            # prepare_batch made it
    _agrees(ex, data, s)


@pytest.mark.parametrize("path", [TOY3, None], ids=["toy3", "regional"])
def test_intervals_equal_those_of_prepare_batch_batches(path, monkeypatch):
    """Same seed, same numbers as the explorer gave with one prepare_batch per selection."""
    from ldi_helpers.method.batch import prepare_batch

    data = load_data(path)
    new = Explorer(data)
    old = Explorer(data)
    monkeypatch.setattr(old.columns, "prepare", lambda d, spec: (prepare_batch(d, spec), None))
    old._prepared.clear()
    by_comp = new.indicators_by_component()
    ind = next(ids[0] for ids in by_comp.values() if len(ids) > 1)
    states = [ExplorerState(new.default),
              ExplorerState(new.default).with_indicator(ind, False),
              ExplorerState(new.default).with_indicator(ind, False).fix("imputation"),
              ExplorerState(new.default.replace(indicator_weighting="pca"))]
    for st in states:
        a = new.remaining_intervals(st, 120, 7)
        b = old.remaining_intervals(st, 120, 7)
        assert a.equals(b) and a.attrs == b.attrs
        assert new.evaluate(st).equals(old.evaluate(st))


def _notebook_namespace(params: dict):
    """Run the explorer notebook's code cells up to the controls' first render, headless."""
    import nbformat

    nb = nbformat.read(NOTEBOOK, 4)
    ns: dict = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        src = cell.source
        if "parameters" in cell.metadata.get("tags", []):
            src += "\n" + "\n".join(f"{k} = {v!r}" for k, v in params.items())
        exec(compile(src, str(NOTEBOOK), "exec"), ns)
        if "render(state)" in src:
            return ns
    raise AssertionError("the notebook has no cell that renders the controls")


def test_notebook_widgets_update_headless(tmp_path, capsys):
    """Every control's callback (fired by setting .value, as the browser would) updates the
    state, the charts and the status line; a bad change is refused in one line."""
    ns = _notebook_namespace({"n_samples": 20, "params_path": str(tmp_path / "p.yaml")})
    ex, data = ns["ex"], ns["data"]
    status, chart = ns["status"], ns["chart_out"]

    def fired(widget, value):
        before = ns["state"]
        chart.value = ""
        widget.value = value
        assert status.value.startswith("Updated in "), status.value
        assert chart.value.startswith("<svg"), "chart not redrawn"
        assert ns["state"] != before
        _agrees(ex, data, ns["state"])
        return ns["state"]

    assert fired(ns["method_dd"]["normalisation"], "zscore").spec.normalisation == "zscore"
    assert fired(ns["method_dd"]["composite_aggregation"], "geometric").spec \
        .composite_aggregation == "geometric"
    assert "imputation" in fired(ns["fixed_cb"]["imputation"], True).fixed
    comp = ex.components[0]
    st = fired(ns["weight_sl"][comp], ns["weight_sl"][comp].value + 1.0)
    assert st.spec.component_weighting == "custom" and "component_weights" in st.fixed
    ind = next(ids[0] for ids in ex.indicators_by_component().values() if len(ids) > 1)
    assert ind in fired(ns["ind_cb"][ind], False).spec.exclude_indicators
    assert ind not in fired(ns["ind_cb"][ind], True).spec.exclude_indicators
    assert comp not in fired(ns["comp_cb"][comp], False).spec.components
    assert fired(ns["comp_cb"][comp], True).spec.components is None
    pind, dd = next(iter(ns["period_dd"].items()))
    other = next(p for p in dd.options if p != dd.value)
    assert dict(fired(dd, other).spec.periods)[pind] == other
    # leaving out every component is refused in one line; the state keeps the last one
    for c in ex.components[:-1]:
        fired(ns["comp_cb"][c], False)
    kept = ns["state"]
    ns["comp_cb"][ex.components[-1]].value = False
    assert status.value.startswith("<b>Not applied:</b>")
    assert "keep at least one component" in status.value
    assert ns["state"] == kept and kept.spec.components == (ex.components[-1],)
    ns["comp_cb"][ex.components[-1]].value = True         # back on: the same state again
    for c in ex.components[:-1]:
        fired(ns["comp_cb"][c], True)
    assert ns["state"].spec.components is None
    # the buttons: save, load, keep and compare
    ns["save_btn"].click()
    assert status.value.startswith("Saved to ")
    assert load_params(tmp_path / "p.yaml") == ns["state"].spec
    ns["method_dd"]["normalisation"].value = "rank"
    ns["load_btn"].click()
    assert ns["state"].spec == load_params(tmp_path / "p.yaml")
    assert ns["method_dd"]["normalisation"].value == "zscore"       # controls moved back
    ns["keep_a"].click()
    ns["method_dd"]["treatment"].value = "none"
    ns["keep_b"].click()
    ns["compare_btn"].click()
    assert "Outlier treatment" in capsys.readouterr().out
