"""A diagram of an edition's framework: a sunburst of the index, its aggregates and indicators.

The index is the centre disc; each ring outward is one framework level (sub-indices, components)
and the outer ring holds the indicators. Every aggregate and indicator is one labelled wedge whose
angle is its **nominal share of the index** (the product of the normalised framework weights on
its path to the centre; indicator weights from the ``weight`` column of the indicators table, 1
where absent), so unequal weights are visible at a glance. Labels give the name and the weight
within the parent (a percentage). Nothing here depends on a spec: it draws the edition's framework
as published, before any method choice (a spec's custom weights are not shown).
"""
from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..data.components import CONTEXT
from ..data.framework import Framework, framework_of
from .plots import add_source


def _shares(weights: list[float]) -> list[float]:
    """Weights normalised to sum to 1 (equal shares when they sum to 0)."""
    tot = float(sum(weights))
    if tot > 0:
        return [w / tot for w in weights]
    return [1.0 / len(weights)] * len(weights)


def plot_framework(data_or_framework, indicators: pd.DataFrame | None = None, *,
                   title: str | None = None,
                   source: str = "the edition's framework table and indicators table",
                   label_indicators: bool = True) -> plt.Figure:
    """Draw the framework as a sunburst (nested rings on polar axes).

    Parameters
    ----------
    data_or_framework : LDIData or Framework
        An edition (its ``framework`` table, or the derived one, and its ``indicators``), or a
        :class:`~ldi_helpers.data.framework.Framework`.
    indicators : DataFrame, optional
        Indicators table (``indicator_id``, ``component``, optional ``name`` and ``weight``).
        Required with a Framework; with data, defaults to ``data.indicators``. Context measures
        (component ``context``) and indicators of components not in the framework are not drawn.
    title : str, optional
        Chart title (default: "Framework of the index: N aggregates, M indicators").
    source : str
        Source for the foot line (with the licence attribution).
    label_indicators : bool
        Write the indicator names on the outer ring (turn off for very many indicators).

    Returns
    -------
    Figure
        One wedge (a bar patch whose ``gid`` is the aggregate or indicator id) per aggregate and
        per indicator; the wedge angle is the nominal share of the index.
    """
    if isinstance(data_or_framework, Framework):
        fw = data_or_framework
        if indicators is None:
            raise TypeError("plot_framework: pass the indicators table with a Framework")
    else:
        fw = framework_of(data_or_framework)
        if indicators is None:
            indicators = data_or_framework.indicators
    t = fw.table
    inds = indicators[(indicators["component"] != CONTEXT)
                      & indicators["component"].isin(list(fw.components))]
    children: dict[str, list[tuple[str, float]]] = {a: [] for a in t.index}
    for a in t.index:
        p = str(t.at[a, "parent"])
        if p:
            children[p].append((str(a), float(t.at[a, "weight"])))
    ind_name = {}
    for _, row in inds.iterrows():
        w = float(row["weight"]) if "weight" in inds.columns and pd.notna(row["weight"]) else 1.0
        children[str(row["component"])].append((str(row["indicator_id"]), w))
        ind_name[str(row["indicator_id"])] = str(row.get("name", row["indicator_id"]))
    depth = fw.depth                 # level of the index; indicators are level 1
    outer = depth - 1                # ring 0 = index disc, ring depth - 1 = indicators

    fig = plt.figure(figsize=(11, 11.5))
    ax = fig.add_axes([0.22, 0.2, 0.56, 0.56], projection="polar")
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    ax.set_axis_off()
    cmap = plt.get_cmap("tab10")
    top = [c for c, _ in children[fw.root]]
    base = {c: cmap(k % 10) for k, c in enumerate(top)}

    def ring_of(node: str) -> int:
        return depth - int(t.at[node, "level"]) if node in t.index else outer

    def colour(node: str, branch: str | None, ring: int):
        if branch is None:
            return "#dddddd"
        r, g, b, _ = base[branch]
        fade = 0.18 * (ring - 1)     # lighter outward
        return (r + (1 - r) * fade, g + (1 - g) * fade, b + (1 - b) * fade)

    def draw(node: str, start: float, span: float, share: float, branch: str | None,
             share_of_index: float):
        ring = ring_of(node)
        if node == fw.root:
            bars = ax.bar(0.0, 1.0, width=2 * math.pi, bottom=0.0, color="#f2f2f2",
                          edgecolor="white", linewidth=1.0)
            ax.text(0, 0, fw.name(node), ha="center", va="center", fontsize=11,
                    fontweight="bold")
        else:
            bars = ax.bar(start + span / 2, 1.0, width=span, bottom=float(ring),
                          color=colour(node, branch, ring), edgecolor="white", linewidth=1.0)
            is_ind = node in ind_name
            name = ind_name[node] if is_ind else fw.name(node)
            if span > 0 and is_ind and label_indicators:
                # outside the outer ring, along the radius, reading outward
                mid = start + span / 2
                screen = (90 - math.degrees(mid)) % 360
                flip = 90 < screen < 270
                short = name if len(name) <= 48 else name[:47] + "…"
                ax.text(mid, ring + 1.06, f"{short} ({share:.0%})", fontsize=6.5,
                        rotation=screen - 180 if flip else screen, rotation_mode="anchor",
                        ha="right" if flip else "left", va="center")
            elif span > 0 and not is_ind:
                ax.text(start + span / 2, ring + 0.5,
                        "\n".join(textwrap.wrap(name, 14)[:3]) + f"\n{share:.0%}",
                        ha="center", va="center", fontsize=7)
        bars.patches[0].set_gid(node)
        bars.patches[0].set_label(f"{node}: {share_of_index:.4g} of the index")
        kids = children.get(node, [])
        if not kids:
            return
        at = start
        for (kid, _), s in zip(kids, _shares([w for _, w in kids])):
            draw(kid, at, span * s, s, branch if branch is not None else kid,
                 share_of_index * s)
            at += span * s

    draw(fw.root, 0.0, 2 * math.pi, 1.0, None, 1.0)
    ax.set_ylim(0, outer + 1)
    ax.set_clip_on(False)
    n_agg = len(t)
    fig.suptitle(title or f"Framework of the index: {n_agg - 1} aggregates, {len(ind_name)} "
                 "indicators", fontsize=13)
    fig.text(0.5, 0.94, "Rings from the centre: the index, each framework level, the "
             "indicators; wedge angle = nominal share of the index; % = weight within the parent",
             ha="center", fontsize=8, color="#444444")
    add_source(fig, source)
    return fig


__all__ = ["plot_framework"]
