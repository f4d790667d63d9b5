"""Coherence analysis: correlations with double-counting flags, Cronbach's alpha, PCA."""
import numpy as np
import pytest

from index_fixtures import make_data
from ldi_helpers.analysis.coherence import cronbach_alpha, get_corr, get_cronbach, get_pca
from ldi_helpers.errors import LDIError
from ldi_helpers.method.index import build_index


def _data(b_values):
    meta = [("a", "digital_skills", 1, "false", "2020"),
            ("b", "digital_skills", 1, "false", "2020"),
            ("c", "digital_adoption", 1, "false", "2020")]
    a = [float(i) for i in range(12)]
    c = [float((i * 7) % 12) for i in range(12)]
    return make_data({("a", "2020"): a, ("b", "2020"): b_values, ("c", "2020"): c}, meta)


def test_double_counting_flag():
    r = build_index(_data([2.0 * i + 1 for i in range(12)]), {"treatment": "none"})
    c = get_corr(r)
    ab = c[(c.a == "a") & (c.b == "b")].iloc[0]
    assert ab.r == pytest.approx(1.0) and ab.double_counting and ab.same_component
    ac = c[(c.a == "a") & (c.b == "c")].iloc[0]
    assert not ac.double_counting and not ac.same_component
    assert set(get_corr(r, component="digital_skills")[["a", "b"]].iloc[0]) == {"a", "b"}
    comp = get_corr(r, level="component")
    assert "index" in set(comp.b)
    with pytest.raises(LDIError, match="indicator, component"):
        get_corr(r, level="area")


def test_cronbach_known_answer():
    # two identical items -> alpha 1; k/(k-1)(1 - sum var / var total) by hand
    x = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    assert cronbach_alpha(x) == pytest.approx(1.0)
    y = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    # var items 1, 1; totals 3, 3, 6 -> var 3; alpha = 2 * (1 - 2/3) = 2/3
    assert cronbach_alpha(y) == pytest.approx(2 / 3)
    assert np.isnan(cronbach_alpha(np.ones((3, 1))))
    r = build_index(_data([2.0 * i + 1 for i in range(12)]), {"treatment": "none"})
    t = get_cronbach(r).set_index("component")
    assert t.loc["digital_skills", "alpha"] == pytest.approx(1.0)
    assert np.isnan(t.loc["digital_adoption", "alpha"])


def test_pca_loadings_sign_and_weights():
    r = build_index(_data([2.0 * i + (i % 3) for i in range(12)]), {"treatment": "none"})
    p = get_pca(r)
    sk = p[p.component == "digital_skills"]
    assert sk.loading.sum() > 0 and (sk.loading > 0).all()    # sign convention
    assert sk.weight.sum() == pytest.approx(1.0)
    assert np.isnan(p[p.component == "digital_adoption"].loading).all()  # one indicator
    # two perfectly opposed indicators: loadings sum to 0, so the largest (first) is positive
    r2 = build_index(_data([12.0 - i for i in range(12)]), {"treatment": "none"})
    sk2 = get_pca(r2).query("component == 'digital_skills'").loading.to_numpy()
    np.testing.assert_allclose(sk2, [2 ** -0.5, -(2 ** -0.5)])


def test_rank_comparison_known_answer():
    import pandas as pd

    from ldi_helpers.analysis.coherence import get_rank_comparison

    class Result:
        ranks = pd.Series({"TLC": 1.0, "TLD": 2.0, "TLE": 3.0})

    class Data:
        published = pd.DataFrame({"area_code": ["TLC", "TLD", "TLE"],
                                  "ldi_2023_index_rank": [1, 3, 2]})

    table, rho, p = get_rank_comparison(Result, Data)
    # Spearman = 1 - 6 * sum(d^2) / (n (n^2 - 1)) = 1 - 6 * 2 / 24 = 0.5
    assert rho == pytest.approx(0.5)
    assert list(table["difference"]) == [0, 1, -1]
    assert list(table["region"]) == ["North East", "North West", "Yorkshire and The Humber"]


# --- near-duplicate pairs -------------------------------------------------------------------
from pathlib import Path  # noqa: E402

from ldi_helpers.analysis.coherence import (  # noqa: E402
    DEFAULT_ALTERNATIVES, NEAR_DUPLICATE_RHO, NEAR_DUPLICATE_TOL, near_duplicate_pairs,
    same_component_spearman,
)

#: Margin kept between every real |Spearman| and the threshold, so that no assertion below is
#: decided by a float comparison at the boundary: a pair counts as found only if it is at least
#: this far above 0.95, and as absent only if at least this far below. With 12 areas and no ties
#: attainable Spearman values are 0.007 apart, so a real pair is never within this margin by
#: accident; if the data ever put a pair inside it, the test fails and a person decides.
MARGIN = 0.005


def _units(data, units):
    data.indicators["unit"] = data.indicators["indicator_id"].map(units)
    return data


def test_near_duplicate_rule_denominator_breadth_order():
    up = [float(i) for i in range(12)]
    down = [100.0 - i for i in range(12)]
    other = [float((i * 7) % 12) for i in range(12)]
    meta = [("per_head", "digital_adoption", 1, "true", "2020"),
            ("share", "digital_adoption", 1, "true", "2020"),
            ("recent", "digital_skills", 1, "true", "2020"),
            ("never", "digital_skills", -1, "true", "2020"),
            ("x", "trade_support", 1, "false", "2020"),
            ("y", "trade_support", 1, "false", "2020"),
            ("z", "research_innovation", 1, "false", "2020")]
    data = make_data({("per_head", "2020"): up, ("share", "2020"): up,
                      ("recent", "2020"): [90.0 + i / 10 for i in range(12)],
                      ("never", "2020"): [9.0 - i / 10 for i in range(12)],
                      ("x", "2020"): down, ("y", "2020"): down, ("z", "2020"): up}, meta)
    _units(data, {"per_head": "GBP per resident", "share": "% of regional GVA",
                  "recent": "% of adults", "never": "% of adults", "x": "GBP million",
                  "y": "GBP million", "z": "% of adults"})
    out = near_duplicate_pairs(data).set_index("kept")
    assert dict(zip(out.index, out.alternative)) == {"share": "per_head", "recent": "never",
                                                    "x": "y"}
    assert dict(zip(out.index, out.rule)) == {"share": "denominator", "recent": "breadth",
                                             "x": "order"}
    assert out.at["recent", "rho"] == pytest.approx(-1.0)
    # z ranks like per_head and share but is in another component: never paired
    assert "z" not in set(out.index) | set(out.alternative)
    # the threshold is inclusive, up to the stated float slack only
    assert len(near_duplicate_pairs(data, threshold=1.0)) == 3
    assert NEAR_DUPLICATE_TOL < 1e-6


DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def curated():
    if not (DATA_DIR / "indicator_values.csv").is_file():
        pytest.skip("curated data not built")
    from ldi_helpers.data.load import load_data

    return load_data(DATA_DIR)


def test_curated_near_duplicates_are_the_default_alternatives(curated):
    """(a) On the curated data the function finds exactly DEFAULT_ALTERNATIVES, each well above
    the threshold (by MARGIN)."""
    found = near_duplicate_pairs(curated)
    assert dict(zip(found.kept, found.alternative)) == DEFAULT_ALTERNATIVES
    assert (found.abs_rho >= NEAR_DUPLICATE_RHO + MARGIN).all(), found
    assert set(found.rule) <= {"denominator", "breadth"}  # no pair left to "order"
    # every other same-component pair is clearly below the threshold (none inside the margin)
    rest = same_component_spearman(curated)
    pairs = {frozenset(p) for p in DEFAULT_ALTERNATIVES.items()}
    rest = rest[[frozenset((a, b)) not in pairs for a, b in zip(rest.a, rest.b)]]
    assert (rest.abs_rho < NEAR_DUPLICATE_RHO - MARGIN).all(), rest.sort_values("abs_rho").tail()


def test_no_near_duplicates_after_excluding_the_alternatives(curated):
    """(b) With the alternatives excluded no remaining same-component pair reaches the
    threshold (the largest stays MARGIN below it)."""
    spec = {"exclude_indicators": list(DEFAULT_ALTERNATIVES.values())}
    assert near_duplicate_pairs(curated, spec).empty
    assert same_component_spearman(curated, spec).abs_rho.max() < NEAR_DUPLICATE_RHO - MARGIN


def test_ict_pair_is_below_the_threshold_since_j_less_63(curated):
    """Digital Adoption per head / share rank alike (0.937) but below 0.95: both stay."""
    pairs = same_component_spearman(curated).set_index(["a", "b"])
    rho = pairs.at[("ict_gva_per_head", "ict_gva_share_pct"), "rho"]
    assert 0.9 < rho < NEAR_DUPLICATE_RHO - MARGIN
