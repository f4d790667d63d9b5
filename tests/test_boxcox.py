"""Box-Cox as an outlier treatment: the transform by hand, lambda at the likelihood maximum,
order kept, recorded in the treatment record and the build log, agreement with the batch engine."""
import numpy as np
import pytest

from index_fixtures import make_data
from ldi_helpers.method.batch import CHOICE_TABLES, evaluate_batch, prepare_batch
from ldi_helpers.method.index import build_index
from ldi_helpers.method.spec import MethodSpec
from ldi_helpers.method.treat import TREATMENTS, boxcox_transform, treat

SKEWED = np.array([1.0, 1.2, 1.1, 1.0, 1.3, 1.5, 9.0, 2.0, 1.4, 0.9, 1.6, 0.8])


def _profile_loglik(y, lam):
    """Box-Cox profile log-likelihood (Box and Cox 1964), written out by hand:
    (lambda - 1) * sum(ln y) - n/2 * ln(mean squared deviation of the transformed values)."""
    t = np.log(y) if lam == 0 else (y ** lam - 1) / lam
    return (lam - 1) * np.log(y).sum() - len(y) / 2 * np.log(((t - t.mean()) ** 2).mean())


def test_boxcox_is_the_stated_transform_at_the_likelihood_maximum():
    out, lam, shift = boxcox_transform(SKEWED)
    assert shift == 0.0                                   # all values positive: no shift
    g = np.exp(np.log(SKEWED).mean())
    np.testing.assert_allclose(out, ((SKEWED / g) ** lam - 1) / lam, rtol=1e-12)
    ll = _profile_loglik(SKEWED, lam)
    for d in (0.05, 0.01):                                # lambda maximises the likelihood
        assert ll >= _profile_loglik(SKEWED, lam - d) and ll >= _profile_loglik(SKEWED, lam + d)
    assert list(np.argsort(out)) == list(np.argsort(SKEWED, kind="stable")) or \
        np.all(np.diff(out[np.argsort(SKEWED)]) >= 0)     # order kept


def test_boxcox_shifts_non_positive_values_to_a_minimum_of_one():
    x = SKEWED - 2.0                                      # minimum -1.2 -> shift 2.2
    x[3] = np.nan
    out, lam, shift = boxcox_transform(x)
    assert shift == pytest.approx(2.2)
    y = x - np.nanmin(x) + 1                              # x - min + 1
    assert np.nanmin(y) == 1.0
    ok = ~np.isnan(x)
    g = np.exp(np.log(y[ok]).mean())
    np.testing.assert_allclose(out[ok], ((y[ok] / g) ** lam - 1) / lam, rtol=1e-10, atol=1e-15)
    assert np.isnan(out[3])
    assert np.all(np.diff(out[ok][np.argsort(x[ok])]) > 0)


def test_treat_boxcox_only_flagged_and_recorded():
    flat = np.arange(12.0)
    x = np.column_stack([SKEWED, flat])
    out, recs = treat(x, "boxcox")
    assert "boxcox" in TREATMENTS
    assert recs[0].flagged and recs[0].action == "boxcox"
    assert np.isfinite(recs[0].boxcox_lambda) and recs[0].boxcox_shift == 0.0
    assert abs(recs[0].skew_after) < abs(recs[0].skew_before)
    assert recs[1].action == "not_flagged" and np.isnan(recs[1].boxcox_lambda)
    np.testing.assert_array_equal(out[:, 1], flat)


def test_build_log_and_method_box():
    data = make_data()
    r = build_index(data, {"treatment": "boxcox"})
    msgs = r.log[(r.log["step"] == "treat") & (r.log["item"] == "ado_a")]["message"].tolist()
    assert any(m.startswith("Box-Cox transform applied (lambda") and "order of the areas kept"
               in m for m in msgs)
    box = MethodSpec(treatment="boxcox").describe()
    assert "Box-Cox transform" in box and "changed per indicator" not in box


def test_batch_agrees_with_build_index_for_boxcox():
    data = make_data()
    p = prepare_batch(data)
    code = CHOICE_TABLES["treatment"].index("boxcox")
    for norm in range(len(CHOICE_TABLES["normalisation"])):
        res = evaluate_batch(p, {"treatment": code, "normalisation": norm})
        r = build_index(data, {"treatment": "boxcox",
                               "normalisation": CHOICE_TABLES["normalisation"][norm]})
        np.testing.assert_allclose(res.scores[0], r.composite.to_numpy(), atol=1e-9)
        np.testing.assert_array_equal(res.ranks[0], r.ranks.to_numpy())


def test_boxcox_does_not_overflow_on_large_values():
    """Values of 1e6 and a large lambda would overflow y**lambda; the scale-free form does not,
    and the lambda is the same as for the unscaled values (scale invariance of the MLE)."""
    import warnings

    x = np.array([1e6, 1.1e6, 1.2e6, 1.3e6, 1.35e6, 1.38e6, 1.39e6, 1.395e6, 1.398e6, 1.399e6])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, lam, _ = boxcox_transform(x)
    assert np.isfinite(out).all() and np.all(np.diff(out) > 0)
    assert lam == pytest.approx(boxcox_transform(x / 1e6)[1], rel=1e-6)
