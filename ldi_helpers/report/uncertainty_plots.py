"""Charts of the uncertainty and sensitivity analysis (report layer).

The analyses (:mod:`ldi_helpers.analysis.uncertainty`, :mod:`ldi_helpers.analysis.sensitivity`)
compute rank intervals, rank probabilities and Sobol indices; these functions draw them with a
title, units and the source line.
"""
from __future__ import annotations

import textwrap
from typing import Any, Mapping

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def plot_rank_intervals(intervals: pd.DataFrame, title: str, source: str, ax: Any = None):
    """Rank-interval chart: 5-95 % bar, median (dot) and nominal rank (cross) per unit.

    With more than 30 units rows are compact (small labels) and the rank axis has a tick every
    few ranks, labelled at the top and the bottom.

    Parameters
    ----------
    intervals : DataFrame
        From :func:`get_rank_intervals` (its order is kept: best median rank at the top).
    title, source : str
        Chart title and the source for the foot line (the OGL attribution is appended).

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    from .plots import add_source

    d = intervals
    labels = d["name"].tolist() if "name" in d.columns else list(d.index)
    n_units = len(d)
    many = n_units > 30     # hundreds of units: compact rows, rank ticks every few ranks
    row = 0.16 if many else 0.45
    fig, ax = (plt.subplots(figsize=(8, row * n_units + 1.6)) if ax is None else (ax.figure, ax))
    y = np.arange(n_units)
    ax.hlines(y, d["rank_lo"], d["rank_hi"], color="#9ecae1", lw=3 if many else 6,
              label="5th-95th percentile")
    ax.plot(d["median_rank"], y, "o", color="#08519c", ms=3 if many else 6, label="median rank")
    ax.plot(d["nominal_rank"], y, "x", color="#d94801", ms=4 if many else 9, mew=1 if many else 2,
            label="default method")
    ax.set_yticks(y, labels, fontsize=6 if many else None)
    ax.set_ylim(n_units - 0.5, -0.5)    # best at the top, no empty margin
    if many:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
        ax.tick_params(axis="x", top=True, labeltop=True)   # ranks readable at both ends
    else:
        ax.set_xticks(range(1, n_units + 1))
    ax.set_xlim(0.5, n_units + 0.5)
    ax.set_xlabel("rank (1 = most digitally advanced)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, min(0.05, 0.6 / fig.get_figheight()), 1, 1))
    add_source(fig, source)
    return fig


def plot_rank_probabilities(probs: pd.DataFrame, title: str, source: str,
                            names: dict[str, str] | None = None, ax: Any = None):
    """Heatmap of P(rank = r) per region (rows in the given order), percentages in the cells."""
    import matplotlib.pyplot as plt

    from .plots import add_source

    fig, ax = (plt.subplots(figsize=(9, 0.45 * len(probs) + 1.8)) if ax is None else (ax.figure, ax))
    im = ax.imshow(probs.to_numpy() * 100, cmap="Blues", vmin=0, vmax=100, aspect="auto")
    for (i, j), v in np.ndenumerate(probs.to_numpy() * 100):
        if v >= 0.5:
            ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=7,
                    color="white" if v > 60 else "black")
    ax.set_xticks(range(probs.shape[1]), list(probs.columns))
    rows = [names.get(c, c) for c in probs.index] if names else list(probs.index)
    ax.set_yticks(range(probs.shape[0]), rows)
    ax.set_xlabel("rank (1 = most digitally advanced)")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label="probability of the rank (%)")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    add_source(fig, source)
    return fig


def plot_sobol_bars(indices: pd.DataFrame, title: str, source: str, output: str = "rank",
                    names: Mapping[str, str] | None = None,
                    factor_labels: Mapping[str, str] | None = None, ncols: int = 3,
                    max_label: int = 34):
    """Per-region bars: total index (light, with 95 % CI) and first-order index (dark) per factor.

    Parameters
    ----------
    indices : DataFrame
        Tidy indices (:func:`analyse_sobol`); one panel per unit, in the frame's order.
    title, source : str
        Figure title; source for the foot line (the OGL attribution is appended).
    output : str
        Which output's indices to show (``"rank"`` or ``"score"``).
    names, factor_labels : mapping, optional
        Display names of units and factors.
    max_label : int
        Characters per line of a factor label: longer labels are wrapped onto several lines (never
        cut short, so two labels with the same beginning stay distinguishable); the rows, the
        figure height and the left margin grow to fit them.
    """
    import textwrap

    import matplotlib.pyplot as plt

    from .plots import add_source

    d = indices[indices["output"] == output]
    units = list(pd.unique(d["unit"]))
    factors = list(pd.unique(d["factor"]))
    nrows = int(np.ceil(len(units) / ncols))
    flabels = [str(factor_labels.get(f, f)) if factor_labels else str(f) for f in factors]
    flabels = [textwrap.fill(t, width=max(10, int(max_label)), break_long_words=False,
                             break_on_hyphens=False) for t in flabels]
    lines = [t.count("\n") + 1 for t in flabels]
    # Row positions: each factor gets room for its label's lines (0.5 of a row per extra line).
    heights = [1.0 + 0.5 * (n - 1) for n in lines]
    y = np.cumsum([0.0] + heights[:-1]) + (np.asarray(heights) - 1.0) / 2
    label_in = 0.09 * max(len(line) for t in flabels for line in t.splitlines()) + 0.3
    panel_h = 0.36 * sum(heights) + 0.6
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.0 * ncols + label_in, panel_h * nrows + 1.2),
                             sharex=True, sharey=True, squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= len(units):
            ax.set_visible(False)
            continue
        u = d[d["unit"] == units[k]].set_index("factor").reindex(factors)
        st = u["ST"].clip(lower=0).to_numpy()
        ax.barh(y, st, xerr=u["ST_conf"].to_numpy(), color="#9ecae1", error_kw={"lw": 0.8},
                label="total (with interactions)")
        ax.barh(y, u["S1"].clip(lower=0).to_numpy(), height=0.45, color="#08519c",
                label="first order (alone)")
        label = names.get(units[k], units[k]) if names else units[k]
        if u["variance"].fillna(0).eq(0).all():
            label += " (rank never moves)"
        ax.set_title(label, fontsize=11)
        ax.set_yticks(y, flabels, fontsize=10)
        ax.tick_params(axis="y", labelleft=k % ncols == 0)  # labels once per row of panels
        ax.set_xlim(0, 1.05)
        ax.grid(axis="x", alpha=0.3)
    axes.flat[0].invert_yaxis()  # shared y: first factor at the top of every panel
    handles, leg_labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, leg_labels, fontsize=10, frameon=False, loc="upper right", ncols=2)
    fig.suptitle(title, x=0.02, ha="left")
    fig.supxlabel("Sobol' index: share of the variance of the region's " + output, fontsize=9)
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    add_source(fig, source)
    return fig


__all__ = ["plot_rank_intervals", "plot_rank_probabilities", "plot_sobol_bars"]
