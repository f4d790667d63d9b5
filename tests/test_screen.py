"""Coverage screening of indicators then areas."""
import numpy as np
import pandas as pd

from ldi_helpers.method.screen import screen


def _m():
    return pd.DataFrame({
        "full": [1.0, 2, 3, 4],
        "half": [1.0, np.nan, 3, np.nan],      # 50% coverage
        "gone": [np.nan] * 4,                   # all missing
        "most": [1.0, 2, 3, np.nan],            # 75%
    }, index=["A", "B", "C", "D"])


def test_indicator_then_area_screening():
    m = _m()
    r = screen(m, 0.65, 0.65)
    assert r.dropped_indicators == ("half", "gone")
    assert list(r.matrix.columns) == ["full", "most"]
    # D has 1 of 2 kept indicators (50%) -> dropped
    assert r.dropped_areas == ("D",)
    assert r.area_coverage["D"] == 0.5 and r.indicator_coverage["half"] == 0.5
    assert any("no value in any area" in n[2] for n in r.notes)
    assert m.shape == (4, 4)  # input untouched


def test_all_missing_dropped_even_at_zero_threshold():
    r = screen(_m(), 0.0, 0.0)
    assert r.dropped_indicators == ("gone",)
    assert r.dropped_areas == ()
