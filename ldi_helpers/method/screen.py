"""Coverage screening (step 2 of the JRC/OECD method, second half).

Two passes, in this order:

1. **Indicators**: an indicator's coverage is the share of areas with a value. It is dropped when
   coverage < ``indicator_threshold`` (default 0.65, the JRC's usual data-availability threshold)
   or when it has no value at all (an all-missing indicator is dropped even at threshold 0).
2. **Areas**: an area's coverage is the share of the *kept* indicators it has a value for. It is
   dropped (not ranked) when coverage < ``area_threshold`` (default 0.65) or it has no value.

Every drop is logged with the coverage that caused it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class ScreenResult:
    """Outcome of :func:`screen`.

    Attributes
    ----------
    matrix : DataFrame
        The kept areas x kept indicators.
    indicator_coverage : Series
        Coverage (0-1) of every indicator before screening.
    area_coverage : Series
        Coverage (0-1) of every area over the kept indicators.
    dropped_indicators, dropped_areas : tuple of str
    notes : tuple of (step, item, message)
    """

    matrix: pd.DataFrame
    indicator_coverage: pd.Series
    area_coverage: pd.Series
    dropped_indicators: tuple[str, ...]
    dropped_areas: tuple[str, ...]
    notes: tuple[tuple[str, str, str], ...]


def screen(matrix: pd.DataFrame, indicator_threshold: float = 0.65,
           area_threshold: float = 0.65) -> ScreenResult:
    """Drop indicators, then areas, with too little data (see the module docstring).

    Parameters
    ----------
    matrix : DataFrame
        Areas x indicators, ``NaN`` = missing. Not modified.
    indicator_threshold, area_threshold : float
        Minimum coverage, as a share in [0, 1].
    """
    notes = []
    n_areas = max(matrix.shape[0], 1)
    ind_cov = matrix.notna().sum(axis=0) / n_areas
    drop_i = [c for c in matrix.columns if ind_cov[c] == 0 or ind_cov[c] < indicator_threshold]
    for c in drop_i:
        why = "no value in any area" if ind_cov[c] == 0 else \
            f"coverage {ind_cov[c]:.0%} < {indicator_threshold:.0%}"
        notes.append(("screen", str(c), f"indicator dropped: {why}"))
    kept = matrix.drop(columns=drop_i)
    n_ind = max(kept.shape[1], 1)
    area_cov = kept.notna().sum(axis=1) / n_ind
    drop_a = [a for a in kept.index if area_cov[a] == 0 or area_cov[a] < area_threshold]
    for a in drop_a:
        why = "no value for any kept indicator" if area_cov[a] == 0 else \
            f"coverage {area_cov[a]:.0%} < {area_threshold:.0%}"
        notes.append(("screen", str(a), f"area dropped: {why}"))
    kept = kept.drop(index=drop_a)
    return ScreenResult(kept, ind_cov, area_cov, tuple(map(str, drop_i)),
                        tuple(map(str, drop_a)), tuple(notes))
