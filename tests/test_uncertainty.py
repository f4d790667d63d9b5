"""Tests of the Monte Carlo uncertainty summaries on constructed samples with hand-computed answers."""
import numpy as np
import pytest

from ldi_helpers.errors import LDIError
from ldi_helpers.uncertainty import (
    get_pairwise_probabilities, get_rank_intervals, get_rank_probabilities,
)

# 20 samples of 3 units: 14 x (A1, B2, C3), 5 x (A2, B1, C3), 1 x (A3, B1, C2)
RANKS = np.array([[1, 2, 3]] * 14 + [[2, 1, 3]] * 5 + [[3, 1, 2]])
UNITS = ["A", "B", "C"]


def test_rank_intervals_by_hand():
    t = get_rank_intervals(RANKS, [1, 2, 3], UNITS, names={"A": "Alpha"})
    # A: P(<=1)=0.70, P(<=2)=0.95 -> median 1, 5th pct 1, 95th pct 2
    # B: P(<=1)=0.30, P(<=2)=1    -> median 2, 5th 1, 95th 2
    # C: P(<=2)=0.05              -> 5th pct 2 (attained), median 3, 95th 3
    assert t.index.tolist() == ["A", "B", "C"]
    assert t["median_rank"].tolist() == [1, 2, 3]
    assert t["rank_lo"].tolist() == [1, 1, 2]
    assert t["rank_hi"].tolist() == [2, 2, 3]
    assert t["mean_rank"].tolist() == pytest.approx([27 / 20, 34 / 20, 59 / 20])
    assert t.loc["A", "name"] == "Alpha" and t.loc["B", "name"] == "B"


def test_rank_intervals_order_by_median_rank():
    t = get_rank_intervals(RANKS[:, ::-1], [3, 2, 1], ["C", "B", "A"])
    assert t.index.tolist() == ["A", "B", "C"]


def test_rank_probabilities_by_hand():
    p = get_rank_probabilities(RANKS, UNITS)
    assert np.allclose(p.to_numpy(), [[0.70, 0.25, 0.05], [0.30, 0.70, 0.0], [0.0, 0.05, 0.95]])
    assert np.allclose(p.sum(axis=1), 1.0)


def test_pairwise_probabilities_by_hand():
    p = get_pairwise_probabilities(RANKS, UNITS)
    assert p.loc["A", "B"] == pytest.approx(0.70)
    assert p.loc["B", "A"] == pytest.approx(0.30)
    assert p.loc["A", "C"] == pytest.approx(0.95)
    assert p.loc["C", "A"] == pytest.approx(0.05)
    assert p.loc["B", "C"] == 1.0 and p.loc["C", "B"] == 0.0
    assert np.diag(p.to_numpy()).tolist() == [0, 0, 0]


def test_ties_count_for_neither_side():
    r = np.array([[1, 1], [1, 2]])
    p = get_pairwise_probabilities(r, ["A", "B"])
    assert p.loc["A", "B"] == 0.5 and p.loc["B", "A"] == 0.0


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(LDIError, match="whole-number"):
        get_rank_probabilities(np.array([[1.5, 1.5]]))
    with pytest.raises(LDIError, match="nominal"):
        get_rank_intervals(RANKS, [1, 2], UNITS)
    with pytest.raises(LDIError, match="unit names"):
        get_rank_intervals(RANKS, [1, 2, 3], ["A"])
