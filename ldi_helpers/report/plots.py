"""Charts shared by the notebooks and reports: a tile map of the 12 regions and a ranked dot chart.

Every chart carries a title, the unit and a source line with the licence attribution, so it can be
lifted into a briefing on its own. Tile positions come from ``data/areas.csv`` (built from the
Open Innovations hex layout of the UK's NUTS1 regions); hexes use the ``odd-r`` offset layout.
"""
from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping

import matplotlib

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import RegularPolygon  # noqa: E402

from .display import set_alt  # noqa: E402
from .formatting import compact  # noqa: E402
from ..data.geography import REGIONS, region_by_code  # noqa: E402
from ..data.provenance import OGL_ATTRIBUTION  # noqa: E402

_SHORT = {
    "TLC": "NE", "TLD": "NW", "TLE": "Y&H", "TLF": "EM", "TLG": "WM", "TLH": "EoE",
    "TLI": "Lon", "TLJ": "SE", "TLK": "SW", "TLL": "Wal", "TLM": "Sco", "TLN": "NI",
}


def short_name(itl1_code: str, name: str | None = None) -> str:
    """Short label for a unit, for crowded charts: the ITL1 abbreviation ("NE"), else the
    unit's code when it is short (up to 5 characters), else its name (or code) cut to 8."""
    if itl1_code in _SHORT:
        return _SHORT[itl1_code]
    code = str(itl1_code)
    if len(code) <= 5 or not name:
        return code if len(code) <= 8 else code[:7] + "\u2026"
    return name if len(name) <= 8 else name[:7] + "\u2026"


def has_tiles(areas: pd.DataFrame | None) -> bool:
    """True when every unit of ``areas`` has a tile position (``tile_q``, ``tile_r``)."""
    if areas is None or not {"tile_q", "tile_r"} <= set(areas.columns) or areas.empty:
        return False
    return bool(pd.to_numeric(areas["tile_q"], errors="coerce").notna().all()
                and pd.to_numeric(areas["tile_r"], errors="coerce").notna().all())


def place_phrase(codes, units: str | None = None) -> str:
    """How an alt text names the places of a chart: "the UK's nations and regions" for the
    twelve ITL1 regions, else "the {units}" (default "areas")."""
    if units is None and set(codes) <= set(_SHORT):
        return "the UK's nations and regions"
    return f"the {units or 'areas'}"


def _tile_positions(tiles: pd.DataFrame | None) -> dict[str, tuple[float, float]]:
    if tiles is None:
        from ..data.load import load_data

        tiles = load_data().areas
    if not has_tiles(tiles):
        from ..errors import LDIError

        raise LDIError("this edition's areas.csv has no tile positions (tile_q, tile_r) for "
                       "every unit, so no tile map can be drawn; add them or skip the map "
                       "(plots.has_tiles)")
    pos = {}
    for row in tiles.itertuples():
        q, r = int(float(row.tile_q)), int(float(row.tile_r))
        x = q + (0.5 if r % 2 == 1 else 0.0)  # odd-r layout: odd rows shift right
        y = r * math.sqrt(3) / 2
        pos[row.area_code] = (x, y)
    return pos


#: Radius of a hex tile (centres one unit apart) and its corners (pointy top, as
#: ``RegularPolygon(numVertices=6, orientation=0)`` draws them).
HEX_RADIUS = 0.57
_HEX_CORNERS = HEX_RADIUS * np.column_stack([np.cos(np.pi / 2 + np.arange(6) * np.pi / 3),
                                             np.sin(np.pi / 2 + np.arange(6) * np.pi / 3)])


def _draw_hex_collection(ax, pos, values, cm, norm, highlight) -> None:
    """Many small tiles (districts) as one collection: the same hexagons as one patch each, drawn
    ~20x faster (a district map has 361); the highlighted tile on top with a black edge."""
    from matplotlib.collections import PolyCollection

    codes = list(pos)
    centres = np.array([pos[c] for c in codes], dtype=float)
    v = np.array([values.get(c, np.nan) for c in codes], dtype=float)
    colours = np.array([cm(norm(x)) if np.isfinite(x) else matplotlib.colors.to_rgba("#d9d9d9")
                        for x in v])
    keep = np.array([c != highlight for c in codes])
    ax.add_collection(PolyCollection(centres[keep][:, None, :] + _HEX_CORNERS[None, :, :],
                                     facecolors=colours[keep], edgecolors="white", linewidths=0.3,
                                     zorder=1), autolim=False)
    if highlight in pos:
        i = codes.index(highlight)
        ax.add_patch(RegularPolygon(tuple(centres[i]), numVertices=6, radius=HEX_RADIUS,
                                    orientation=0, facecolor=colours[i], edgecolor="black",
                                    linewidth=2, zorder=3))


def add_source(fig: plt.Figure, source: str, licence: str | None = None) -> None:
    """Write the source and licence line at the foot of a figure.

    ``licence`` defaults to the OGL attribution, or nothing on a page of another edition
    (:func:`ldi_helpers.report.display.use_edition`).
    """
    if licence is None:
        from .display import _EDITION

        ed = _EDITION["data"]
        licence = OGL_ATTRIBUTION if ed is None or ed.has_ldi_tables else ""
    text = (f"Source: {source}. {licence}" if source else licence).strip()
    fig.text(0.01, 0.005, text, fontsize=7, color="#444444", ha="left", va="bottom", wrap=True)


#: How to read the tile maps (viridis: dark purple = low, yellow = high), for captions.
TILE_MAP_READING = (
    "Lighter (yellow) tiles are stronger and darker (purple) tiles weaker; for \"lower is better\" "
    "indicators (such as premises stuck below 30 Mbit/s) the colour scale is reversed so that "
    "yellow still means stronger. Each colour bar is labelled at its stronger and weaker ends. "
    "Grey tiles marked n/a have no published value.")


#: Above this many tiles a hex map draws no names or values in the tiles (they would not fit).
MAX_LABELLED_TILES = 40


def plot_tile_map(
    values: pd.Series | Mapping[str, float],
    title: str,
    unit: str,
    source: str,
    ax: plt.Axes | None = None,
    fmt: str | None = None,
    cmap: str = "viridis",
    highlight: str | None = None,
    tiles: pd.DataFrame | None = None,
    reverse: bool = False,
    names: Mapping[str, str] | None = None,
    units: str | None = None,
    licence: str | None = None,
) -> plt.Figure:
    """Tile (hex) map of the units coloured by a value (the 12 ITL1 regions by default).

    Parameters
    ----------
    values : pandas.Series or mapping
        Values indexed by ITL1 code; regions without a value are drawn grey and labelled "n/a".
    title, unit, source : str
        Chart title, the unit shown on the colour bar, and the source for the foot line.
    fmt : str, optional
        Format of the value printed in each tile (default: :func:`ldi_helpers.report.formatting.compact`,
        three significant figures and never e-notation).
    names : mapping, optional
        Region names by code for the alt text (default: from ``tiles``).
    highlight : str, optional
        ITL1 code of a region to outline in black (a regional report's own region).
    tiles : pandas.DataFrame, optional
        ``areas`` table with ``area_code``, ``tile_q``, ``tile_r``; loaded from data/ if omitted.
    units : str, optional
        The edition's plural unit word, for the alt text (default: the UK's nations and regions).
    reverse : bool
        Reverse the colour map (for "lower is better" values).
    """
    values = pd.Series(values, dtype="float64")
    pos = _tile_positions(tiles)
    own_fig = ax is None
    if own_fig:
        xs_, ys_ = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
        aspect = (max(ys_) - min(ys_) + 1.6) / (max(xs_) - min(xs_) + 1.6)
        width = 5.2 if len(pos) <= MAX_LABELLED_TILES else 6.4
        fig, ax = plt.subplots(figsize=(width, min((width - 1) * aspect + 0.9, 11)))
    else:
        fig = ax.figure
    finite = values[np.isfinite(values)]
    vmin, vmax = (finite.min(), finite.max()) if len(finite) else (0.0, 1.0)
    if vmin == vmax:
        vmin, vmax = vmin - 1, vmax + 1
    if names is None and tiles is not None and "name" in tiles.columns:
        names = dict(zip(tiles["area_code"], tiles["name"]))
    names = names or {}
    cm = plt.get_cmap(cmap + ("_r" if reverse else ""))
    norm = matplotlib.colors.Normalize(vmin=vmin, vmax=vmax)
    # many small tiles (districts): no text in the tiles, thin edges; the alt text names the
    # strongest and weakest and the page's table lists every unit
    labelled = len(pos) <= MAX_LABELLED_TILES
    if not labelled:
        _draw_hex_collection(ax, pos, values, cm, norm, highlight)
    for code, (x, y) in (pos.items() if labelled else ()):
        v = values.get(code, np.nan)
        colour = cm(norm(v)) if np.isfinite(v) else "#d9d9d9"
        edge = "black" if code == highlight else "white"
        ax.add_patch(RegularPolygon((x, y), numVertices=6, radius=HEX_RADIUS, orientation=0,
                                    facecolor=colour, edgecolor=edge,
                                    linewidth=3 if code == highlight else 1.5,
                                    zorder=3 if code == highlight else 1))
        rgb = matplotlib.colors.to_rgb(colour)
        dark = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) < 0.55
        label = (fmt.format(v) if fmt else compact(v)) if np.isfinite(v) else "n/a"
        ax.text(x, y + 0.12, short_name(code, names.get(code)), ha="center", va="center",
                fontsize=8,
                color="white" if dark else "black", fontweight="bold")
        ax.text(x, y - 0.18, label, ha="center", va="center", fontsize=7.5,
                color="white" if dark else "black")
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=11)
    sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=cm)
    cb = fig.colorbar(sm, ax=ax, fraction=0.04, pad=0.02)
    cb.set_label(unit, fontsize=8)
    # say which end of the scale is stronger, so the legend matches the colours
    top, bottom = ("weaker", "stronger") if reverse else ("stronger", "weaker")
    cb.ax.text(0.5, 1.02, top, transform=cb.ax.transAxes, ha="center", va="bottom", fontsize=7)
    cb.ax.text(0.5, -0.02, bottom, transform=cb.ax.transAxes, ha="center", va="top", fontsize=7)
    if len(finite):
        hi_, lo_ = finite.idxmax(), finite.idxmin()
        best, worst = (lo_, hi_) if reverse else (hi_, lo_)
        alt = (f"Hex map of {place_phrase(pos, units)}: {title}. Strongest "
               f"{names.get(best, best)} ({compact(finite[best])} {unit}), weakest "
               f"{names.get(worst, worst)} ({compact(finite[worst])})")
        if highlight in values.index and np.isfinite(values[highlight]):
            alt += f"; {names.get(highlight, highlight)}, outlined, {compact(values[highlight])}"
        set_alt(fig, alt + ".")
    if own_fig:
        add_source(fig, source, licence)
        fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def plot_ranked_dots(
    values: pd.Series | Mapping[str, float],
    title: str,
    unit: str,
    source: str,
    ax: plt.Axes | None = None,
    intervals: pd.DataFrame | None = None,
    highlight: str | None = None,
    reference: float | None = None,
    reference_label: str = "UK median",
    higher_is_better: bool = True,
    names: Mapping[str, str] | None = None,
    units: str | None = None,
) -> plt.Figure:
    """Ranked dot chart: one row per unit, best at the top, optional interval bars.

    Parameters
    ----------
    values : pandas.Series or mapping
        Values indexed by ITL1 code (missing values are listed as "no data").
    intervals : pandas.DataFrame, optional
        Columns ``lo`` and ``hi`` indexed by ITL1 code, drawn as horizontal bars.
    reference : float, optional
        A vertical reference line (e.g. the UK median), labelled ``reference_label``.
    higher_is_better : bool
        Sort order: the best region is drawn at the top.
    names : mapping, optional
        Unit names by code (default: the ITL1 regions' names; other codes as they are).
    units : str, optional
        The edition's plural unit word for the alt text (default "regions").
    """
    itl1 = {r.itl1_code for r in REGIONS}

    def nm(c):
        if names is not None and c in names:
            return str(names[c])
        return region_by_code(c).name if c in itl1 else str(c)

    values = pd.Series(values, dtype="float64")
    order = values.sort_values(ascending=not higher_is_better, na_position="last")
    own_fig = ax is None
    if own_fig:
        fig, ax = plt.subplots(figsize=(7, 0.38 * len(order) + 1.4))
    else:
        fig = ax.figure
    labels = []
    for i, (code, v) in enumerate(order.items()):
        y = len(order) - 1 - i
        name = nm(code)
        labels.append((y, name if np.isfinite(v) else f"{name} (no data)"))
        colour = "#d62728" if code == highlight else "#1f77b4"
        if intervals is not None and code in intervals.index:
            lo, hi = intervals.loc[code, "lo"], intervals.loc[code, "hi"]
            ax.hlines(y, lo, hi, color=colour, alpha=0.35, linewidth=5)
        if np.isfinite(v):
            ax.plot(v, y, "o", color=colour, markersize=8 if code == highlight else 6)
    ax.set_yticks([y for y, _ in labels], [n for _, n in labels], fontsize=9)
    if reference is not None and np.isfinite(reference):
        ax.axvline(reference, color="grey", linestyle="--", linewidth=1, label=reference_label)
        ax.legend(loc="lower right" if higher_is_better else "upper right", fontsize=8,
                  frameon=True, framealpha=0.9)
    ax.set_xlabel(unit)
    fin = order.dropna()
    if len(fin):
        alt = (f"Dot chart of the {units or 'regions'} ranked by {title.rstrip('.')} ({unit}): highest "
               f"{nm(fin.idxmax())} ({compact(fin.max())}), lowest {nm(fin.idxmin())} "
               f"({compact(fin.min())})")
        if reference is not None and np.isfinite(reference):
            alt += f"; {reference_label} at {compact(reference)}"
        if highlight in fin.index:
            alt += f"; {nm(highlight)} highlighted at {compact(fin[highlight])}"
        set_alt(fig, alt + ".")
    ax.set_title(title, fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    if own_fig:
        add_source(fig, source)
        fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def plot_coverage_heatmap(cov: pd.DataFrame, title: str, source: str,
                          unit: str = "region", names: Mapping[str, str] | None = None
                          ) -> plt.Figure:
    """Heatmap of indicator counts per component (rows) and region (columns).

    Parameters
    ----------
    cov : DataFrame
        Output of :func:`ldi_helpers.data.load.coverage` (first column ``indicators``, then ITL1 codes).
    """
    import seaborn as sns

    counts = cov.drop(columns="indicators")
    share = counts.div(cov["indicators"].replace(0, np.nan), axis=0)
    fig, ax = plt.subplots(figsize=(9, 4.4))
    few = counts.shape[1] <= 40        # hundreds of districts: no per-unit labels or numbers
    sns.heatmap(share, annot=counts if few else False, fmt="d", cmap="Blues", vmin=0, vmax=1,
                ax=ax, cbar_kws={"label": "share of the component's indicators with data"},
                linewidths=0.5 if few else 0, linecolor="white")
    names = names or {}
    if few:
        ax.set_xticks(np.arange(counts.shape[1]) + 0.5)
        ax.set_xticklabels([short_name(c, names.get(c)) for c in counts.columns], rotation=0)
    else:
        ax.set_xticks([])
    ax.set_yticklabels([f"{name} ({n})" for name, n in cov["indicators"].items()], rotation=0)
    ax.set_xlabel(f"{unit} (numbers: indicators with a value)" if few else
                  f"{counts.shape[1]} {unit}, one column each")
    ax.set_ylabel("component (number of indicators)")
    ax.set_title(title, fontsize=11)
    add_source(fig, source)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def plot_indicator_tiles(data, indicator_ids: list[str], title: str,
                         highlight: str | None = None, units: str | None = None) -> plt.Figure:
    """Small multiples: one tile map per indicator at its default period.

    Each panel is titled with the indicator name, unit and period; a "lower is better" indicator
    uses a reversed colour map so that the light (yellow) end always means stronger; every colour
    bar is labelled "stronger" and "weaker" at its ends (:data:`TILE_MAP_READING`).
    """
    from ..analysis.describe import latest_values

    meta = data.indicators.set_index("indicator_id")
    n = len(indicator_ids)
    cols = min(3, max(n, 1))
    rows = max(1, math.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 4.2 * rows), squeeze=False)
    for ax, ind in zip(axes.flat, indicator_ids):
        m = meta.loc[ind]
        name = textwrap.fill(str(m["name"]), 42)
        plot_tile_map(latest_values(data, ind), f"{name}\n({m['default_period']})",
                      m["unit"], "", ax=ax, tiles=data.areas,
                      reverse=int(m["direction"]) == -1)
        ax.title.set_fontsize(8.5)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle(title, fontsize=12)
    set_alt(fig, f"{n} hex map{'s' if n != 1 else ''} of {place_phrase(data.area_codes, units)} for "
            f"{title}: " + "; ".join(str(meta.loc[i, 'name']) for i in indicator_ids)
            + ". The values are in the data overview's tables and the CSV downloads.")
    sources = sorted(set(meta.loc[indicator_ids, "source_org"]))
    add_source(fig, ", ".join(sources))
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    return fig


def plot_component_profile(profile: pd.DataFrame, region_name: str, source: str,
                           unit: str = "region") -> plt.Figure:
    """Horizontal bars of a region's component scores with the median region marked.

    Parameters
    ----------
    profile : DataFrame
        :func:`ldi_helpers.report.briefing.component_profile` output (``component, score, uk_median,
        verdict``); components with no data are listed as such.
    """
    colours = {"strength": "#2ca02c", "weakness": "#d62728", "around the median": "#7f7f7f",
               "no data": "#d9d9d9"}
    p = profile.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    y = np.arange(len(p))
    ax.barh(y, p["score"].fillna(0), color=[colours[v] for v in p["verdict"]], height=0.6)
    ax.scatter(p["uk_median"], y, marker="|", s=400, color="black", zorder=3,
               label=f"median {unit}")
    from matplotlib.patches import Patch

    handles = [Patch(color=colours[k], label=k if k != "strength" else "strength (5+ points "
                     "above the median)") for k in ("strength", "around the median", "weakness")
               if k in set(p["verdict"])]
    handles = [h if h.get_label() != "weakness" else Patch(color=colours["weakness"],
               label="weakness (5+ points below)") for h in handles]
    labels = [f"{c} (no data)" if v == "no data" else c
              for c, v in zip(p["component"], p["verdict"])]
    ax.set_yticks(y, labels, fontsize=9)
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"component score (0 = weakest {unit}, 100 = strongest; min-max scale)")
    ax.set_title(f"{region_name}: component profile against the median {unit}", fontsize=11,
                 pad=18)
    median_handle = ax.get_legend_handles_labels()[0]
    ax.legend(handles=median_handle + handles, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              ncols=2, fontsize=8, frameon=False, markerscale=0.5)
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    add_source(fig, source)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    strong = [c for c, v in zip(profile["component"], profile["verdict"]) if v == "strength"]
    weak = [c for c, v in zip(profile["component"], profile["verdict"]) if v == "weakness"]
    set_alt(fig, f"Bar chart of {region_name}'s score on each of the {len(profile)} components "
            f"(0-100) against the median {unit}. Clearly above the median: "
            + (", ".join(strong) or "none") + ". Clearly below: " + (", ".join(weak) or "none")
            + ".")
    return fig


def plot_top_assumptions(assumptions: pd.DataFrame, region_name: str, source: str,
                         top: int = 6, unit: str = "region") -> plt.Figure:
    """Bars of the total Sobol index of a region's rank for its most influential assumptions."""
    a = assumptions.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(a) + 1.5))
    y = np.arange(len(a))
    ax.barh(y, a["ST"].clip(lower=0), color="#1f77b4", height=0.6, label="total (with interactions)")
    ax.barh(y, a["S1"].clip(lower=0), color="#aec7e8", height=0.3, label="alone (first order)")
    ax.set_yticks(y, [textwrap.shorten(str(t), 55) for t in a["assumption"]], fontsize=8.5)
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"share of the variance of the {unit}'s rank (Sobol index)")
    ax.set_title(f"Which method assumptions move {region_name}'s rank", fontsize=11)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    add_source(fig, source)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    lead = assumptions.head(top)
    set_alt(fig, f"Bar chart of the method assumptions that move {region_name}'s rank most, by "
            "total Sobol index: " + "; ".join(f"{r.assumption} {r.ST:.0%}"
                                              for r in lead.itertuples()) + ".")
    return fig


def plot_cumulative_uplift(totals: pd.DataFrame, region_name: str, discount_rate: float,
                           source: str) -> plt.Figure:
    """Cumulative GVA uplift of a scenario (£bn); the discounted path only when it differs.

    Parameters
    ----------
    totals : DataFrame
        ``year``, ``cumulative_uplift_gbp``, ``cumulative_discounted_uplift_gbp``.
    """
    from .formatting import money, percent

    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.plot(totals["year"], totals["cumulative_uplift_gbp"] / 1e9, label="cumulative uplift")
    discounted = discount_rate and not np.allclose(totals["cumulative_uplift_gbp"],
                                                   totals["cumulative_discounted_uplift_gbp"])
    if discounted:
        ax.plot(totals["year"], totals["cumulative_discounted_uplift_gbp"] / 1e9, "--",
                label=f"in today's money (discounted at {percent(discount_rate, share=True)})")
        ax.legend(frameon=False, fontsize=8, loc="upper left")
    ax.set_ylabel("£ billion")
    ax.set_xlabel("year")
    ax.set_title(f"{region_name}: cumulative GVA uplift if it reaches the target", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(alpha=0.3)
    add_source(fig, source)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    last = totals.iloc[-1]
    set_alt(fig, f"Line chart of {region_name}'s cumulative GVA uplift if it reaches the target, "
            f"rising to {money(last['cumulative_uplift_gbp'])} by {int(last['year'])}"
            + (f" ({money(last['cumulative_discounted_uplift_gbp'])} in today's money)"
               if discounted else "") + ".")
    return fig


def label_points(ax: plt.Axes, xs, ys, labels, fontsize: float = 8) -> None:
    """Label scatter points so that no two labels overlap (greedy choice among 8 offsets)."""
    fig = ax.figure
    fig.canvas.draw()
    placed: list[tuple[float, float, float, float]] = []
    offsets = [(4, 3), (4, -11), (-4, 3), (-4, -11), (4, 12), (-4, 12), (4, -20), (-4, -20)]
    pts = ax.transData.transform(np.column_stack([np.asarray(xs, float), np.asarray(ys, float)]))
    w_char = fontsize * 0.62 * fig.dpi / 72
    h = fontsize * 1.2 * fig.dpi / 72
    for (px, py), text in sorted(zip(map(tuple, pts), labels), key=lambda t: (-t[0][1], t[0][0])):
        w = w_char * len(str(text))
        choice = offsets[0]
        for dx, dy in offsets:
            x0 = px + dx * fig.dpi / 72 - (w if dx < 0 else 0)
            y0 = py + dy * fig.dpi / 72
            box = (x0, y0, x0 + w, y0 + h)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in placed):
                choice = (dx, dy)
                placed.append(box)
                break
        else:
            x0 = px + choice[0]
            placed.append((x0, py, x0 + w, py + h))
        xd, yd = ax.transData.inverted().transform((px, py))
        ax.annotate(str(text), (xd, yd), xytext=choice, textcoords="offset points",
                    fontsize=fontsize, ha="right" if choice[0] < 0 else "left", va="bottom")


def legend_below(ax: plt.Axes, ncols: int = 3) -> None:
    """Move an axes' legend below the plot, where it cannot cover any data.

    The gap below the axes and the foot margin are at most about half an inch, so a very tall
    chart (hundreds of units) has no empty band at its foot."""
    handles, labels = ax.get_legend_handles_labels()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    fig = ax.figure
    bottom = min(0.05, 0.35 / fig.get_figheight())
    axes_inches = max(ax.get_position().height * fig.get_figheight(), 1e-6)
    ax.legend(handles, labels, loc="upper center",
              bbox_to_anchor=(0.5, -min(0.12, 0.55 / axes_inches)), ncols=ncols,
              fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, bottom, 1, 1))
