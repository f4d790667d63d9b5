"""Effective weights (Paruolo, Saisana and Saltelli 2013): nominal weights by hand on the toy
framework, realised importance by hand on a 4-area example."""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ldi_helpers.analysis.effective import effective_weights, nominal_weights
from ldi_helpers.method.index import build_index
from test_hierarchy import SPEC, toy


def test_nominal_weights_on_the_toy_framework():
    """x1: 1/4 within p1 (weights 1:3), p1 1/4 within s1 (1:3), s1 2/3 within top (2:1)."""
    r = build_index(toy(), SPEC)
    nom = nominal_weights(r)
    want = {"x1": (1 / 4) * (1 / 4) * (2 / 3), "x2": (3 / 4) * (1 / 4) * (2 / 3),
            "x3": 1 * (3 / 4) * (2 / 3), "x4": 1 * 1 * (1 / 3)}
    assert nom.to_dict() == pytest.approx(want)
    assert nom.sum() == pytest.approx(1.0)


def two_by_two():
    """x = 0, 0, 1, 1 and y = 0, 1, 0, 1 (each alone in a component), component weights 3:1."""
    areas = ["A1", "A2", "A3", "A4"]
    vals = {"x": [0, 0, 1, 1], "y": [0, 1, 0, 1]}
    values = pd.DataFrame([(a, i, "2020", float(v)) for i, vs in vals.items()
                           for a, v in zip(areas, vs)],
                          columns=["area_code", "indicator_id", "period", "value"])
    indicators = pd.DataFrame(
        [(i, i.upper(), f"c{i}", 1, 1.0, "unit", "false", "2020", "src", "") for i in vals],
        columns=["indicator_id", "name", "component", "direction", "weight", "unit", "is_proxy",
                 "default_period", "source_org", "caveats"])
    framework = pd.DataFrame([("cx", "CX", "top", 3.0), ("cy", "CY", "top", 1.0),
                              ("top", "TOP", "", 1.0)],
                             columns=["aggregate_id", "name", "parent", "weight"])
    return SimpleNamespace(values=values, indicators=indicators, framework=framework,
                           areas=pd.DataFrame({"area_code": areas}),
                           edition={"geography": None})


def test_realised_importance_known_answer():
    """Scores x = 0, 0, 100, 100 and y = 0, 100, 0, 100; index = 0.75 x + 0.25 y = 0, 25, 75,
    100. Centred: x -50, -50, 50, 50; y -50, 50, -50, 50; index -50, -25, 25, 50.
    cov(x, I) = 7500, cov(y, I) = 2500 (sums of products), var x = var y = 10000, var I = 6250:
    R^2 = 7500^2 / (10000 * 6250) = 0.9 and 2500^2 / (10000 * 6250) = 0.1 (they sum to 1).
    Ratios: 0.9 / 0.75 = 1.2 and 0.1 / 0.25 = 0.4."""
    r = build_index(two_by_two(), {"treatment": "none"})
    np.testing.assert_allclose(r.composite, [0, 25, 75, 100], atol=1e-12)
    e = effective_weights(r)
    assert e["nominal_weight"].to_dict() == pytest.approx({"x": 0.75, "y": 0.25})
    assert e["r_squared"].to_dict() == pytest.approx({"x": 0.9, "y": 0.1})
    assert e["realised_importance"].to_dict() == pytest.approx({"x": 0.9, "y": 0.1})
    assert e["ratio"].to_dict() == pytest.approx({"x": 1.2, "y": 0.4})
    assert e.loc["x", "name"] == "X" and e.loc["y", "component"] == "cy"


def test_effective_weights_on_the_toy_framework_are_consistent():
    r = build_index(toy(), SPEC)
    e = effective_weights(r)
    assert list(e.index) == ["x1", "x2", "x3", "x4"]
    assert e["realised_importance"].sum() == pytest.approx(1.0)
    # x1 and x3 have the same scores (0, 25, 50, 100), so the same realised importance
    assert e.loc["x1", "r_squared"] == pytest.approx(e.loc["x3", "r_squared"])
    np.testing.assert_allclose(e["ratio"], e["realised_importance"] / e["nominal_weight"])
