"""Imputation methods: known answers and flags."""
import numpy as np
import pytest

from ldi_helpers.errors import SpecError
from ldi_helpers.data.geography import ITL1_CODES
from ldi_helpers.method.impute import REGION_GROUPS, area_groups, impute_raw, impute_scores


def _col(vals):
    return np.array(vals, dtype=float)[:, None]


def test_groups_cover_the_twelve_areas_once():
    members = [a for g in REGION_GROUPS.values() for a in g]
    assert sorted(members) == sorted(ITL1_CODES)
    assert area_groups(["TLC", "TLN", "XXX"]).tolist() == [0, 1, -1]


def test_indicator_mean_and_median():
    x = _col([1, 2, 6, np.nan])
    out, flag = impute_raw(x, "indicator_mean")
    assert out[3, 0] == 3.0 and flag[:, 0].tolist() == [False, False, False, True]
    out, _ = impute_raw(x, "indicator_median")
    assert out[3, 0] == 2.0
    assert np.isnan(x[3, 0])  # input untouched


def test_group_mean_uses_own_group():
    vals = list(range(1, 13))
    vals[11] = np.nan  # Northern Ireland missing; Wales 10, Scotland 11
    out, flag = impute_raw(_col(vals), "group_mean", ITL1_CODES)
    assert out[11, 0] == 10.5 and flag[11, 0]
    # a group with no data stays missing
    v2 = [1.0] * 9 + [np.nan] * 3
    out2, flag2 = impute_raw(_col(v2), "group_mean", ITL1_CODES)
    assert np.isnan(out2[9:, 0]).all() and not flag2.any()


def test_none_and_score_methods_leave_raw_values():
    x = _col([1, np.nan])
    for m in ("none", "component_mean", "component_median"):
        out, flag = impute_raw(x, m)
        assert np.isnan(out[1, 0]) and not flag.any()


def test_component_mean_and_median_from_same_area():
    z = np.array([[10.0, 20.0, 60.0, 5.0],
                  [np.nan, 30.0, 90.0, np.nan]])
    comp = np.array([0, 0, 0, 1])
    out, flag = impute_scores(z, "component_mean", comp)
    assert out[1, 0] == 60.0 and flag[1, 0]
    assert np.isnan(out[1, 3]) and not flag[1, 3]  # no other indicator in component 1
    out, _ = impute_scores(z, "component_median", comp)
    assert out[1, 0] == 60.0
    z2 = np.array([[np.nan, 10.0, 20.0, 60.0]])
    out2, _ = impute_scores(z2, "component_median", np.array([0, 0, 0, 0]))
    assert out2[0, 0] == 20.0


def test_unknown_imputation():
    with pytest.raises(SpecError, match="indicator_mean"):
        impute_raw(_col([1.0]), "knn")
