"""Indicator and period selection from the long values table."""
import numpy as np
import pandas as pd
import pytest

from index_fixtures import make_data
from ldi_helpers.errors import SpecError
from ldi_helpers.method.select import select_indicators
from ldi_helpers.method.spec import default_spec


def test_default_selects_non_context_at_default_period():
    sel = select_indicators(make_data(), default_spec())
    assert list(sel.matrix.columns) == ["inf_a", "inf_b", "skl_a", "skl_b", "ado_a", "ado_gone"]
    assert "ctx_pop" not in sel.matrix.columns
    assert sel.matrix.loc["TLC", "inf_a"] == 80.0          # 2026-01, not 2025-01
    assert np.isnan(sel.matrix.loc["TLN", "skl_a"])
    assert sel.matrix["ado_gone"].isna().all()            # no value at its default period
    assert sel.meta.loc["skl_b", "is_proxy"] and not sel.meta.loc["inf_a", "is_proxy"]
    # default goalposts span every period of the indicator
    assert sel.goalposts.loc["inf_a"].tolist() == [50.0, 90.0]


def test_overrides_exclusions_and_proxies():
    spec = default_spec().replace(periods={"skl_a": "2019"}, exclude_indicators=["inf_b"],
                                  exclude_proxies=True, goalposts={"inf_a": [0, 100]})
    sel = select_indicators(make_data(), spec)
    assert "inf_b" not in sel.matrix.columns
    assert "skl_b" not in sel.matrix.columns and "ado_a" not in sel.matrix.columns
    assert sel.matrix.loc["TLN", "skl_a"] == 86.0
    assert sel.meta.loc["skl_a", "period"] == "2019"
    assert sel.goalposts.loc["inf_a"].tolist() == [0.0, 100.0]
    assert any("proxy" in n[2] for n in sel.notes)


def test_component_restriction():
    sel = select_indicators(make_data(), default_spec().replace(components=["digital_skills"]))
    assert list(sel.matrix.columns) == ["skl_a", "skl_b"]


def test_unknown_indicator_and_period_errors():
    with pytest.raises(SpecError,
                       match=r"'inf_c' \(did you mean 'inf_[ab]'\?\).*valid ids are: inf_a"):
        select_indicators(make_data(), default_spec().replace(indicators=["inf_c"]))
    with pytest.raises(SpecError, match="available periods: 2019, 2020"):
        select_indicators(make_data(), default_spec().replace(periods={"skl_a": "2018"}))
    with pytest.raises(SpecError, match="context"):
        select_indicators(make_data(), default_spec().replace(indicators=["ctx_pop"]))


def test_input_frames_unchanged():
    d = make_data()
    before = d.values.copy(), d.indicators.copy()
    select_indicators(d, default_spec())
    assert d.values.equals(before[0]) and d.indicators.equals(before[1])


def test_near_duplicates_keep_one_measure_per_concept_by_default():
    from ldi_helpers.analysis.coherence import DEFAULT_ALTERNATIVES
    from ldi_helpers.data.load import load_data
    from ldi_helpers.method.spec import default_spec

    data = load_data()
    cols = set(select_indicators(data, default_spec()).matrix.columns)
    for kept, alt in DEFAULT_ALTERNATIVES.items():
        assert kept in cols and alt not in cols
    alt_cols = set(select_indicators(data, default_spec().replace(
        near_duplicates="use_alternative")).matrix.columns)
    for kept, alt in DEFAULT_ALTERNATIVES.items():
        assert alt in alt_cols and kept not in alt_cols
    both = set(select_indicators(data, default_spec().replace(
        near_duplicates="keep_both")).matrix.columns)
    assert both == cols | set(DEFAULT_ALTERNATIVES.values())
    notes = select_indicators(data, default_spec()).notes
    assert any("near-duplicate" in msg for _, item, msg in notes
               if item in DEFAULT_ALTERNATIVES.values())


def test_matrix_and_goalposts_equal_a_pivot_of_the_values_table():
    """The selected matrix is the values table at each indicator's period, placed by area code
    (rows for areas outside the edition dropped, areas without a row NaN), and the goalposts are
    the indicator's smallest and largest value over every period: an independent pivot of the
    shipped regional and district editions."""
    from pathlib import Path

    from ldi_helpers.data.load import load_data

    root = Path(__file__).resolve().parents[1] / "data"
    for folder in (root, root / "editions" / "lad"):
        data = load_data(folder)
        sel = select_indicators(data, default_spec().replace(periods={}))
        v = data.values
        assert v["geography"].nunique() == 1  # one level per shipped edition
        assert sel.matrix.shape[1] > 5
        for ind in sel.matrix.columns:
            rows = v[v["indicator_id"] == ind]
            at = rows[rows["period"].astype(str) == sel.meta.at[ind, "period"]]
            want = at.set_index("area_code")["value"].astype(float).reindex(sel.matrix.index)
            np.testing.assert_array_equal(sel.matrix[ind].to_numpy(), want.to_numpy())
            assert sel.goalposts.at[ind, "low"] == rows["value"].astype(float).min()
            assert sel.goalposts.at[ind, "high"] == rows["value"].astype(float).max()


def test_two_rows_for_one_area_and_period_are_refused():
    """A values table with two rows for the same area, indicator and period is not silently
    collapsed (the array path hands it to the frame path, which refuses it)."""
    data = make_data()
    v = data.values
    ind = v["indicator_id"].iloc[0]
    dup = v[v["indicator_id"] == ind].iloc[[0]]
    data.values = pd.concat([v, dup], ignore_index=True)
    with pytest.raises(ValueError, match="duplicate"):
        select_indicators(data, default_spec())
