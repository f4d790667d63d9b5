"""Expected scores of the toy3 edition, computed with plain numpy from its CSVs.

FOR THE ENGINE'S KNOWN-ANSWER TESTS. Independent of ``ldi_helpers`` on purpose: it reads the CSV
files with the standard library and computes with numpy, so that a bug in the package cannot hide
in both the engine and its expectation.

The method (the simplest one the engine offers, with every choice spelled out):

- no imputation, no outlier treatment, no screening; each indicator's values at its only period;
- normalisation per indicator to 0-100: min-max, ``100 * (x - min) / (max - min)`` (for
  direction -1, ``100 * (max - x) / (max - min)``); an indicator whose ``normalisation`` column
  says ``rank`` gets ``100 * (r - 1) / (n - 1)`` instead, where ``r`` is the rank of the unit's value
  from worst (1) to best (n) among the n units that have a value, ties given their average rank;
- at every level above the indicators (pillars, sub-indices, the index): the weighted arithmetic
  mean of the children's scores with the weights of ``indicators.csv`` / ``framework.csv``; a
  missing child is skipped and the weights are renormalised over the children present (a unit with
  no child present has no score);
- ranks per aggregate: 1 = highest score, ties given the lowest (best) rank ("min").

``context`` indicators are read but never scored.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

#: The toy3 edition folder.
TOY3 = Path(__file__).resolve().parent / "toy3"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """Rank of each present value from smallest (1) to largest, ties averaged; NaN stays NaN."""
    out = np.full(x.shape, np.nan)
    have = ~np.isnan(x)
    v = x[have]
    less = (v[None, :] < v[:, None]).sum(axis=1)
    equal = (v[None, :] == v[:, None]).sum(axis=1)
    out[have] = less + (equal + 1) / 2.0
    return out


def _min_ranks(score: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score, ties share the best rank; NaN stays NaN."""
    out = np.full(score.shape, np.nan)
    have = ~np.isnan(score)
    v = score[have]
    out[have] = (v[None, :] > v[:, None]).sum(axis=1) + 1
    return out


def normalise(x: np.ndarray, direction: int, method: str) -> np.ndarray:
    """One indicator's values (NaN = missing) normalised to 0-100 as described above."""
    x = np.asarray(x, dtype=float) * direction
    if method == "rank":
        r = _average_ranks(x)
        n = int((~np.isnan(x)).sum())
        return 100.0 * (r - 1.0) / (n - 1.0)
    lo, hi = np.nanmin(x), np.nanmax(x)
    return 100.0 * (x - lo) / (hi - lo)


def weighted_mean(scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per row of ``scores`` (units x children), the weighted mean over the children present."""
    have = ~np.isnan(scores)
    w = np.where(have, weights[None, :], 0.0)
    total = w.sum(axis=1)
    s = np.where(have, scores, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (s * w).sum(axis=1) / total, np.nan)


def toy3_expected(folder: Path | str = TOY3) -> dict:
    """Hand-computable expected results of an edition folder (by default ``toy3``).

    Parameters
    ----------
    folder : path
        An edition folder with ``areas.csv``, ``framework.csv``, ``indicators.csv`` (``parent``
        column, optional ``weight`` and ``normalisation``) and ``indicator_values.csv`` (one period).

    Returns
    -------
    dict
        ``normalised``: DataFrame units x scored indicators (0-100); ``aggregates``: DataFrame
        units x aggregate ids, lowest level first (pillars, sub-indices, index); ``ranks``: the
        same shape, 1 = best; ``levels``: aggregate id -> level (2 = parent of indicators).
        Rows are the area codes in the order of ``areas.csv``.
    """
    folder = Path(folder)
    areas = [r["area_code"] for r in _rows(folder / "areas.csv")]
    pos = {a: i for i, a in enumerate(areas)}
    framework = _rows(folder / "framework.csv")
    indicators = [r for r in _rows(folder / "indicators.csv") if r["parent"] != "context"]
    values = _rows(folder / "indicator_values.csv")

    raw = {r["indicator_id"]: np.full(len(areas), np.nan) for r in indicators}
    for v in values:
        if v["indicator_id"] in raw:
            raw[v["indicator_id"]][pos[v["area_code"]]] = float(v["value"])

    scores: dict[str, np.ndarray] = {}
    for r in indicators:
        method = (r.get("normalisation") or "").strip() or "minmax"
        scores[r["indicator_id"]] = normalise(raw[r["indicator_id"]], int(r["direction"]), method)
    normalised = pd.DataFrame({r["indicator_id"]: scores[r["indicator_id"]] for r in indicators},
                              index=pd.Index(areas, name="area_code"))

    # children of each aggregate: (id, weight)
    children: dict[str, list[tuple[str, float]]] = {f["aggregate_id"]: [] for f in framework}
    for r in indicators:
        children[r["parent"]].append((r["indicator_id"], float(r.get("weight") or 1.0)))
    for f in framework:
        if f["parent"]:
            children[f["parent"]].append((f["aggregate_id"], float(f["weight"])))
    aggregate_ids = {f["aggregate_id"] for f in framework}

    levels: dict[str, int] = {}

    def level(a: str) -> int:
        if a not in levels:
            kids = [k for k, _ in children[a] if k in aggregate_ids]
            levels[a] = 2 if not kids else 1 + level(kids[0])
        return levels[a]

    for f in framework:
        level(f["aggregate_id"])
    order = sorted((f["aggregate_id"] for f in framework), key=lambda a: levels[a])  # stable
    for a in order:
        ids = [k for k, _ in children[a]]
        w = np.array([wt for _, wt in children[a]], dtype=float)
        scores[a] = weighted_mean(np.column_stack([scores[k] for k in ids]), w)
    index = pd.Index(areas, name="area_code")
    aggregates = pd.DataFrame({a: scores[a] for a in order}, index=index)
    ranks = pd.DataFrame({a: _min_ranks(scores[a]) for a in order}, index=index)
    return {"normalised": normalised, "aggregates": aggregates, "ranks": ranks,
            "levels": levels}
