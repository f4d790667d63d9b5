"""What-if scenarios and the smallest improvement that gains a rank."""
import numpy as np
import pytest

from index_fixtures import make_data
from ldi_helpers.method.index import build_index
from ldi_helpers.analysis.whatif import WhatIfError, smallest_improvement, what_if


def _data():
    meta = [("a", "digital_skills", 1, "false", "2020"),
            ("b", "digital_adoption", 1, "false", "2020")]
    a = [float(i) for i in range(12)]          # TLN best
    b = [float(i) for i in range(12)]
    return make_data({("a", "2020"): a, ("b", "2020"): b}, meta)


SPEC = {"treatment": "none"}


def test_component_change_to_a_value():
    d = _data()
    w = what_if(d, SPEC, "North East", {"digital_skills": 100.0})
    # North East: skills 0 -> 100, adoption 0 -> composite 50 -> rank 7 (areas with 54.5 .. 100
    # above it: TLI..TLN are 6 areas with composite >= 54.5)
    assert w.after.loc["TLC", "index"] == pytest.approx(50.0)
    assert w.after.loc["TLC", "rank"] == 7
    assert w.before.loc["TLC", "rank"] == 12
    s = w.summary()
    assert s.loc["TLC", "rank_change"] == 5
    # other areas' component scores unchanged
    assert w.after.loc["TLD", "digital_skills"] == w.before.loc["TLD", "digital_skills"]


def test_indicator_change_rebuilds_and_keeps_input():
    d = _data()
    v0 = d.values.copy()
    w = what_if(d, SPEC, "TLC", {"a": "median"})
    assert w.changes["a"] == pytest.approx(5.5)
    assert d.values.equals(v0)
    # median of 0..11 = 5.5; the new minimum of a is 1 (TLD), so the minmax score of TLC on a
    # is 100 * (5.5 - 1) / (11 - 1) = 45: normalisation is recomputed over all areas
    assert w.after.loc["TLC", "digital_skills"] == pytest.approx(45.0)
    assert w.after.loc["TLD", "digital_skills"] == pytest.approx(0.0)
    w2 = what_if(d, SPEC, "TLC", {"a": "p100"})
    assert w2.changes["a"] == pytest.approx(11.0)
    w3 = what_if(d, SPEC, "TLC", {"a": {"percentile": 50}})
    assert w3.changes["a"] == pytest.approx(5.5)


def test_bad_keys_and_values():
    with pytest.raises(WhatIfError, match="valid keys are the indicators a, b"):
        what_if(_data(), SPEC, "TLC", {"zz": 1})
    with pytest.raises(WhatIfError, match="'p75'"):
        what_if(_data(), SPEC, "TLC", {"a": "top"})
    with pytest.raises(WhatIfError, match=r"\[0, 100\]"):
        what_if(_data(), SPEC, "TLC", {"a": "p150"})


def test_smallest_improvement_known_answer():
    r = build_index(_data(), SPEC)
    # TLE (rank 10): composite 200/11 = 18.18, TLF (rank 9) at 27.27. Arithmetic, equal
    # weights: reaching TLF needs +2 * (27.27 - 18.18) = 18.18 points on either component;
    # at equality the "min" tie rule gives both rank 9, so TLE gains one rank.
    out = smallest_improvement(r, "TLE")
    need = 2 * (300 / 11 - 200 / 11)
    np.testing.assert_allclose(out["increase"].to_numpy(), need, atol=1e-5)
    assert r.ranks["TLE"] == 10
    assert (out["new_rank"] == 9).all() and out["reachable"].all()
    assert smallest_improvement(r, "TLN").empty


def test_smallest_improvement_unreachable():
    r = build_index(_data(), {**SPEC, "component_weighting": "custom",
                              "component_weights": {"digital_skills": 1, "digital_adoption": 0}})
    out = smallest_improvement(r, "TLE")
    assert out.loc["digital_adoption", "reachable"] == False  # noqa: E712 (zero weight)
    assert out.loc["digital_skills", "reachable"]
