"""Weights: equal, custom (validated, renormalised) and PCA with its sign convention."""
import numpy as np
import pytest

from ldi_helpers.errors import SpecError
from ldi_helpers.method.weights import (custom_weights, equal_weights, pc1_loadings, pca_weights,
                                 renormalise)


def test_equal_and_custom_weights():
    np.testing.assert_allclose(equal_weights(["a", "a", "b"]), [0.5, 0.5, 1.0])
    w = custom_weights(["x", "y", "z"], ["a", "a", "b"], {"x": 3})
    np.testing.assert_allclose(w, [0.75, 0.25, 1.0])  # unlisted weigh 1, then renormalised
    with pytest.raises(SpecError, match="unknown or unselected.*valid ids are: x, y, z"):
        custom_weights(["x", "y", "z"], ["a", "a", "b"], {"q": 1})


def test_renormalise_rejects_bad_weights():
    with pytest.raises(SpecError, match="weight 0|is 0"):
        renormalise(np.array([0.0, 0.0, 1.0]), np.array([0, 0, 1]))
    with pytest.raises(SpecError):
        renormalise(np.array([-1.0, 2.0]), np.array([0, 0]))
    np.testing.assert_allclose(renormalise(np.array([[1.0, 3.0], [2.0, 2.0]]), np.array([0, 0])),
                               [[0.25, 0.75], [0.5, 0.5]])


def test_pca_sign_convention_positive_sum():
    rng = np.random.default_rng(0)
    base = rng.normal(size=20)
    x = np.column_stack([base, 2 * base + rng.normal(scale=0.1, size=20), -base * 0 + base])
    v, expl = pc1_loadings(x)
    assert v.sum() > 0 and np.all(v > 0)
    assert expl > 0.9
    # the sign does not depend on the eigen-solver: negating the data gives the same loadings
    v2, _ = pc1_loadings(-x)
    np.testing.assert_allclose(v2, v)


def test_pca_weights_two_perfectly_correlated_indicators():
    x = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 41.0]])
    w, notes = pca_weights(x, np.array([1.0, 1.0]), ["c", "c"])
    np.testing.assert_allclose(w, [0.5, 0.5], atol=1e-3)
    assert "PC1" in notes[0]


def test_pca_direction_applied_and_negative_loading_reported():
    # b moves against a, but lower b is better: after direction they agree
    x = np.array([[1.0, 9.0], [2.0, 7.0], [3.0, 6.0], [4.0, 2.0]])
    w, notes = pca_weights(x, np.array([1.0, -1.0]), ["c", "c"])
    np.testing.assert_allclose(w.sum(), 1.0)
    assert "negatively" not in notes[0]
    w2, notes2 = pca_weights(x, np.array([1.0, 1.0]), ["c", "c"])
    assert "negatively" in notes2[0] and np.all(w2 > 0)


def test_pca_falls_back_to_equal_with_a_note():
    x = np.array([[1.0, 2.0], [np.nan, 3.0], [2.0, np.nan]])
    w, notes = pca_weights(x, np.array([1.0, 1.0]), ["c", "c"])
    np.testing.assert_allclose(w, [0.5, 0.5])
    assert "equal weights used" in notes[0]


# Issue 14, case 8: all-zero weights are named plainly (no "np.float64(0.0)").
def test_all_zero_weights_message_is_plain():
    from ldi_helpers.data.components import COMPONENTS
    from ldi_helpers.errors import SpecError
    from ldi_helpers.method.index import build_index
    from ldi_helpers.data.load import load_data
    data = load_data()
    with pytest.raises(SpecError) as err:
        build_index(data, {"component_weighting": "custom",
                           "component_weights": {c: 0 for c in COMPONENTS}})
    assert str(err.value) == ("component_weights: every weight is 0; give at least one a "
                              "positive weight")
    with pytest.raises(SpecError) as err:
        build_index(data, {"indicator_weighting": "custom", "indicator_weights":
                           {i: 0 for i in data.indicators.indicator_id}})
    assert "np." not in str(err.value) and "group 'collaboration_coordination'" in str(err.value)
