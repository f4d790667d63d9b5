"""The methodology explorer: small pure functions behind ``notebooks/60_methodology_explorer``.

A researcher changes one methodological choice at a time and wants the ranks back in milliseconds.
An :class:`ExplorerState` is the current spec plus the set of *fixed* factors (the choices the
researcher has settled); an :class:`Explorer` holds the edition and caches, and answers:

* :meth:`Explorer.evaluate` -- ranks and scores of the state's spec with the change against the
  default spec. Fast path: one prepared batch per *selection-level* setting (indicators,
  components, periods, screening, ties: :func:`selection_key`), cached; every choice the batch
  engine varies (normalisation, treatment, imputation, aggregations, weights) is then one
  :func:`~ldi_helpers.method.batch.evaluate_batch` row, which agrees with
  :func:`ldi_helpers.method.index.build_index` (tested to 1e-9). The batch of a new selection is
  the one :func:`ldi_helpers.method.batch.prepare_batch` gives (tested equal, array for array),
  but assembled from per-indicator preparations (:class:`ColumnCache`): raw imputation,
  treatment and normalisation work one indicator at a time, so after the first selection only
  the indicators (or periods) not seen before with the same units are prepared, and leaving an
  indicator out only gathers columns. PCA weights are computed when a PCA-weighted spec first
  needs them.
* :meth:`Explorer.remaining_intervals` -- each unit's rank interval under the *remaining*
  uncertainty: a seeded Monte Carlo of a few hundred samples over the explorer's factors
  (:data:`EXPLORER_FACTORS`) that the state has not fixed, around the state's own spec, with the
  selection held at the state's setting (so it reuses the same prepared batch).
* :meth:`Explorer.compare` -- two specs' ranks side by side, with :func:`spec_differences` (the
  differences in words).

Specs are kept as params files that ``ldi run --params`` accepts (:func:`save_params`,
:func:`load_params`).
"""
from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..errors import LDIError
from ..method.batch import CHOICE_TABLES, PreparedData, choices_from_specs, evaluate_batch
from ..method.columns import ColumnCache
from ..method.index import Stage
from ..method.spec import MethodSpec, coerce_spec, default_spec
from ..analysis.uncertainty import get_rank_intervals


class ExplorerError(LDIError):
    """A change the explorer cannot make (unknown factor, component, indicator or period)."""


#: Factors the explorer samples for the remaining uncertainty (all varied by the batch engine
#: without a new preparation). Selection-level choices (indicators, components, periods,
#: coverage) are held at the state's setting.
EXPLORER_FACTORS: tuple[str, ...] = (
    "normalisation", "treatment", "imputation", "component_aggregation",
    "composite_aggregation", "component_weights", "indicator_weights",
)
#: Spec fields that the batch engine varies within one prepared batch.
BATCH_FIELDS: tuple[str, ...] = tuple(CHOICE_TABLES) + (
    "indicator_weighting", "indicator_weights", "component_weighting", "component_weights")

#: Plain-English names of spec fields (for :func:`spec_differences`).
FIELD_WORDS: dict[str, str] = {
    "indicators": "Indicators used", "exclude_indicators": "Indicators left out",
    "components": "Components used", "exclude_proxies": "Proxy indicators",
    "near_duplicates": "Near-identical indicator pairs", "periods": "Data periods",
    "geography": "Geography", "indicator_coverage": "Indicator coverage threshold",
    "area_coverage": "Area coverage threshold", "imputation": "Imputation",
    "treatment": "Outlier treatment", "skew_threshold": "Skewness threshold for treatment",
    "kurtosis_threshold": "Kurtosis threshold for treatment",
    "max_winsorised": "Most values winsorised per indicator", "normalisation": "Normalisation",
    "goalposts": "Goalposts", "indicator_weighting": "Indicator weighting",
    "indicator_weights": "Indicator weights", "component_weighting": "Component weighting",
    "component_weights": "Component weights",
    "component_aggregation": "Aggregation of indicators into components",
    "composite_aggregation": "Aggregation of components into the index",
    "rank_ties": "Tied ranks",
}
#: Method ids in words.
VALUE_WORDS: dict[str, str] = {
    "minmax": "min-max 0-100", "zscore": "z-score", "rank": "rank",
    "distance_to_median": "distance to the median", "goalposts": "goalposts",
    "none": "none", "winsorise": "winsorise", "log": "logarithmic transform",
    "indicator_mean": "indicator mean", "indicator_median": "indicator median",
    "group_mean": "group mean", "component_mean": "component mean",
    "component_median": "component median", "arithmetic": "arithmetic mean",
    "geometric": "geometric mean", "copeland": "Copeland (pairwise wins)",
    "framework": "the edition's framework weights", "equal": "equal", "custom": "custom",
    "pca": "statistical (PCA)", "keep_one": "one measure per concept (default measure)",
    "use_alternative": "one measure per concept (alternative measure)",
    "keep_both": "both measures kept", "min": "share the better rank",
    "max": "share the worse rank", "average": "share the average rank",
    "dense": "share the better rank, no rank skipped",
}


def selection_key(spec: MethodSpec) -> tuple:
    """The spec's selection-level setting: every field a prepared batch fixes (hashable)."""
    return tuple((f, getattr(spec, f)) for f in MethodSpec.field_names() if f not in BATCH_FIELDS)


@dataclass(frozen=True)
class ExplorerState:
    """The explorer's current methodology and which of its factors the user has fixed.

    Attributes
    ----------
    spec : MethodSpec
    fixed : frozenset of str
        Names of :data:`EXPLORER_FACTORS` the user has settled; the remaining ones are sampled by
        :meth:`Explorer.remaining_intervals`.
    """

    spec: MethodSpec = field(default_factory=default_spec)
    fixed: frozenset = frozenset()

    def __post_init__(self) -> None:
        bad = sorted(set(self.fixed) - set(EXPLORER_FACTORS))
        if bad:
            raise ExplorerError(f"unknown explorer factor(s) {', '.join(bad)}; valid factors: "
                                f"{', '.join(EXPLORER_FACTORS)}")
        object.__setattr__(self, "fixed", frozenset(self.fixed))

    def fix(self, name: str, fixed: bool = True) -> ExplorerState:
        """The state with factor ``name`` fixed (or released with ``fixed=False``)."""
        return ExplorerState(self.spec, self.fixed | {name} if fixed else self.fixed - {name})

    def with_choice(self, name: str, value: Any) -> ExplorerState:
        """Set a method choice (a spec field such as ``normalisation``); fixes that factor."""
        st = ExplorerState(self.spec.replace(**{name: value}), self.fixed)
        return st.fix(name) if name in EXPLORER_FACTORS else st

    def with_component_weights(self, weights: Mapping[str, float]) -> ExplorerState:
        """Custom relative weights of components (within their parent); fixes the weights."""
        w = {str(k): float(v) for k, v in weights.items()}
        spec = self.spec.replace(component_weighting="custom", component_weights=w)
        return ExplorerState(spec, self.fixed).fix("component_weights")

    def with_indicator(self, indicator: str, included: bool) -> ExplorerState:
        """Keep or leave out one indicator (``exclude_indicators``)."""
        ex = [i for i in self.spec.exclude_indicators if i != indicator]
        if not included:
            ex.append(indicator)
        return ExplorerState(self.spec.replace(exclude_indicators=tuple(ex)), self.fixed)

    def with_component(self, component: str, included: bool, all_components: Iterable[str]
                       ) -> ExplorerState:
        """Keep or leave out one component (``components``; ``None`` when all are kept)."""
        every = list(all_components)
        if component not in every:
            raise ExplorerError(f"unknown component {component!r}; valid: {', '.join(every)}")
        now = set(self.spec.components if self.spec.components is not None else every)
        now = now | {component} if included else now - {component}
        if not now:
            raise ExplorerError("every component is left out; keep at least one component")
        comps = None if now == set(every) else tuple(c for c in every if c in now)
        return ExplorerState(self.spec.replace(components=comps), self.fixed)

    def with_period(self, indicator: str, period: str | None) -> ExplorerState:
        """Use ``period`` for one indicator (``None``: its default period)."""
        p = {k: v for k, v in self.spec.periods if k != indicator}
        if period is not None:
            p[indicator] = str(period)
        return ExplorerState(self.spec.replace(periods=p), self.fixed)


class Explorer:
    """An edition, its default spec and the caches that make an update take milliseconds.

    Parameters
    ----------
    data : LDIData
        The edition (:func:`ldi_helpers.data.load.load_data`).
    default : MethodSpec, mapping or None
        The reference the changes are measured against (default: :func:`default_spec`).
    cache_size : int
        Prepared batches kept (one per selection-level setting; least recently used dropped).
    """

    def __init__(self, data: Any, default: Any = None, cache_size: int = 16) -> None:
        self.data = data
        self.default = coerce_spec(default)
        self.cache_size = int(cache_size)
        self._prepared: OrderedDict[tuple, tuple[PreparedData, Stage | None]] = OrderedDict()
        #: Per-indicator preparations behind the prepared batches (:class:`ColumnCache`).
        self.columns = ColumnCache()
        self._factors: dict[tuple, Any] = {}
        from ..data.framework import framework_of

        self.framework = framework_of(data)
        self.names = {**self.framework.names(),
                      **dict(zip(data.areas["area_code"], data.areas["name"])),
                      **dict(zip(data.indicators["indicator_id"], data.indicators["name"]))}
        self._default_frame = self._scores(self.default)

    # ---------------------------------------------------------------- edition facts for the UI
    @property
    def components(self) -> tuple[str, ...]:
        """Component (level-2) ids of the edition's framework."""
        return tuple(self.framework.components)

    def indicators_by_component(self) -> dict[str, list[str]]:
        """Component id -> ids of its (non-context) indicators, in the indicators table's order."""
        meta = self.data.indicators
        meta = meta[meta["component"] != "context"]
        return {c: meta.loc[meta["component"] == c, "indicator_id"].tolist()
                for c in self.components}

    def periods(self, min_share: float | None = None) -> dict[str, list[str]]:
        """Indicator id -> its periods (sorted) where it has several with enough data.

        A period counts when at least ``min_share`` (default: the default spec's
        ``indicator_coverage``) of the edition's units have a value for it.
        """
        share = self.default.indicator_coverage if min_share is None else float(min_share)
        v = self.data.values.dropna(subset=["value"])
        n = max(1, len(self.data.areas))
        counts = v.groupby(["indicator_id", v["period"].astype(str)])["area_code"].nunique()
        ok = counts[counts / n >= share].reset_index()
        out = {}
        used = {i for ids in self.indicators_by_component().values() for i in ids}
        for ind, grp in ok.groupby("indicator_id", sort=False):
            if ind in used and len(grp) > 1:
                out[str(ind)] = sorted(grp["period"].tolist())
        return dict(sorted(out.items()))

    def default_period(self, indicator: str) -> str:
        """The indicator's default period (``default_period`` of the indicators table)."""
        meta = self.data.indicators.set_index("indicator_id")
        return str(meta.at[indicator, "default_period"])

    def framework_weights(self) -> dict[str, float]:
        """Component id -> its weight in the edition's framework."""
        t = self.framework.table
        return {c: float(t.at[c, "weight"]) for c in self.components}

    def component_weights(self, spec: MethodSpec) -> dict[str, float]:
        """Relative component weights the spec uses, as slider values (before renormalising)."""
        if spec.component_weighting == "custom":
            given = dict(spec.component_weights)
            return {c: float(given.get(c, 1.0)) for c in self.components}
        if spec.component_weighting == "equal":
            return {c: 1.0 for c in self.components}
        return self.framework_weights()

    # ---------------------------------------------------------------- the fast path
    def prepared(self, spec: MethodSpec) -> PreparedData:
        """The prepared batch of the spec's selection-level setting (cached).

        Equal, array for array, to ``prepare_batch(data, MethodSpec.from_dict(dict(key)))``
        (``key`` = :func:`selection_key` of ``spec``), but assembled by :attr:`columns`; its PCA
        weights (``pca_indicator_weights``) are computed the first time a spec with
        ``indicator_weighting="pca"`` asks for this selection and are ``NaN`` until then.
        """
        key = selection_key(spec)
        got = self._prepared.get(key)
        if got is None:
            got = self.columns.prepare(self.data, MethodSpec.from_dict(dict(key)))
            self._prepared[key] = got
            while len(self._prepared) > self.cache_size:
                self._prepared.popitem(last=False)
        else:
            self._prepared.move_to_end(key)
        p, st = got
        if spec.indicator_weighting == "pca" and st is not None \
                and np.isnan(p.pca_indicator_weights).all():
            p = self.columns.with_pca(p, st)
            self._prepared[key] = (p, st)
        return p

    def _scores(self, spec: MethodSpec) -> pd.DataFrame:
        p = self.prepared(spec)
        choices, wc, wi = choices_from_specs(p, [spec])
        res = evaluate_batch(p, choices, wc, wi)
        return pd.DataFrame({"rank": res.ranks[0], "score": res.scores[0]},
                            index=pd.Index(p.areas, name="area_code"))

    def evaluate(self, state: ExplorerState | MethodSpec) -> pd.DataFrame:
        """Ranks and scores of the state's spec, with the change against the default spec.

        Returns
        -------
        DataFrame
            Indexed by area code, best first: ``name``, ``rank``, ``score``, ``default_rank``,
            ``default_score``, ``rank_change`` (places gained: default rank minus rank, so
            positive = moved up). A unit screened out under one spec has ``NaN`` there.
        """
        spec = state.spec if isinstance(state, ExplorerState) else coerce_spec(state)
        now = self._scores(spec)
        ref = self._default_frame
        codes = list(now.index) + [a for a in ref.index if a not in now.index]
        out = pd.DataFrame(index=pd.Index(codes, name="area_code"))
        out["name"] = [self.names.get(a, a) for a in codes]
        out["rank"] = now["rank"].reindex(codes)
        out["score"] = now["score"].reindex(codes)
        out["default_rank"] = ref["rank"].reindex(codes)
        out["default_score"] = ref["score"].reindex(codes)
        out["rank_change"] = out["default_rank"] - out["rank"]
        return out.sort_values(["rank", "name"], kind="mergesort", na_position="last")

    # ---------------------------------------------------------------- remaining uncertainty
    def factor_set(self, spec: MethodSpec):
        """The explorer's factors for the spec's selection (:data:`EXPLORER_FACTORS`).

        The method choices with every option of the batch engine equally likely, as in
        :func:`ldi_helpers.analysis.factors.default_factors`; the weights of the components and
        indicators that remain after the spec's selection and screening, each multiplied by
        U(1 - s, 1 + s) with s = :data:`ldi_helpers.analysis.factors.DEFAULT_WEIGHT_SPREAD`.
        """
        from ..analysis.factors import DEFAULT_WEIGHT_SPREAD, FactorSet, WeightsFactor, choice

        key = selection_key(spec)
        if key not in self._factors:
            p = self.prepared(spec)
            labels = {"normalisation": "Normalisation method", "treatment": "Outlier treatment",
                      "imputation": "Imputation of missing values",
                      "component_aggregation": "Aggregation of indicators into components",
                      "composite_aggregation": "Aggregation of components into the index"}
            fs = [choice(k, labels[k], labels[k], CHOICE_TABLES[k], CHOICE_TABLES[k][0])
                  for k in EXPLORER_FACTORS if k in CHOICE_TABLES]
            for name, entries, label in (
                    ("component_weights", p.components, "Component weights"),
                    ("indicator_weights", p.indicators, "Indicator weights within components")):
                fs.append(WeightsFactor(name, label, f"{label}, each x U(1 -/+ spread)",
                                        entries=tuple(entries), base=(1.0,) * len(entries),
                                        spread=DEFAULT_WEIGHT_SPREAD))
            order = {k: i for i, k in enumerate(EXPLORER_FACTORS)}
            self._factors[key] = FactorSet(tuple(sorted(fs, key=lambda f: order[f.name])))
        return self._factors[key]

    def remaining_intervals(self, state: ExplorerState, n: int = 300, seed: int = 0,
                            lo: float = 5.0, hi: float = 95.0) -> pd.DataFrame:
        """Each unit's rank interval under the factors the state has not fixed.

        A seeded Monte Carlo of ``n`` methods: every unfixed factor of :data:`EXPLORER_FACTORS`
        is drawn as :meth:`factor_set` says (each method alternative equally likely; each weight
        times U(0.75, 1.25) around the state's own weights), every
        fixed factor stays at the state's choice, the selection at the state's setting.

        Returns
        -------
        DataFrame
            :func:`ldi_helpers.analysis.uncertainty.get_rank_intervals` (``name``, ``nominal_rank`` = the
            state's rank, ``median_rank``, ``rank_lo``, ``rank_hi``, ...); ``attrs["sampled"]``
            lists the factors sampled (empty: every factor fixed, each interval is the rank).
        """
        spec = state.spec
        p = self.prepared(spec)
        choices0, wc0, wi0 = choices_from_specs(p, [spec])
        sampled = [f for f in EXPLORER_FACTORS if f not in state.fixed]
        n = int(n) if sampled else 1
        fs = self.factor_set(spec).select(sampled)
        design = fs.sample(n, seed) if len(fs) else np.empty((n, 0))
        settings = fs.decode(design) if len(fs) else {}
        cols = fs.column_slices()

        def multipliers(name: str, entries: list[str]) -> np.ndarray:
            # each weight x U(1 - spread, 1 + spread) around the state's own weights; the batch
            # engine renormalises within each parent (as WeightsFactor.decode, whose sum is
            # irrelevant after that renormalisation)
            f = fs[name]
            u = design[:, cols[name]]
            mult = 1.0 - f.spread + 2.0 * f.spread * u
            return mult[:, [f.entries.index(e) for e in entries]]

        choices = {}
        for k, table in CHOICE_TABLES.items():
            if k in settings:
                f = fs[k]
                lut = np.array([table.index(c) for c in f.choices], dtype=np.int64)
                choices[k] = lut[settings[k]]
            else:
                choices[k] = np.repeat(choices0[k], n)
        if "component_weights" in settings:
            wc = wc0[0][None, :] * multipliers("component_weights", list(p.components))
        else:
            wc = np.repeat(wc0, n, axis=0)
        if "indicator_weights" in settings:
            wi = wi0[0][None, :] * multipliers("indicator_weights", list(p.indicators))
        elif spec.indicator_weighting == "pca":
            wi = p.pca_indicator_weights[choices["imputation"], choices["treatment"]]
        else:
            wi = np.repeat(wi0, n, axis=0)
        res = evaluate_batch(p, choices, wc, wi)
        nominal = self._scores(spec)["rank"].to_numpy()
        out = get_rank_intervals(res.ranks, nominal, list(p.areas), lo, hi,
                                 names={a: self.names.get(a, a) for a in p.areas})
        out.attrs["sampled"] = list(fs.names)
        return out

    # ---------------------------------------------------------------- two specs side by side
    def compare(self, a: Any, b: Any) -> tuple[pd.DataFrame, list[str]]:
        """Ranks of two specs side by side and their differences in words.

        Returns
        -------
        table : DataFrame
            Indexed by area code, ordered by the rank under ``b``: ``name``, ``rank_a``,
            ``rank_b``, ``score_a``, ``score_b``, ``rank_change`` (places gained from a to b).
        differences : list of str
            :func:`spec_differences` of the two specs.
        """
        sa = a.spec if isinstance(a, ExplorerState) else coerce_spec(a)
        sb = b.spec if isinstance(b, ExplorerState) else coerce_spec(b)
        ra, rb = self._scores(sa), self._scores(sb)
        codes = list(rb.index) + [x for x in ra.index if x not in rb.index]
        t = pd.DataFrame(index=pd.Index(codes, name="area_code"))
        t["name"] = [self.names.get(x, x) for x in codes]
        t["rank_a"], t["rank_b"] = ra["rank"].reindex(codes), rb["rank"].reindex(codes)
        t["score_a"], t["score_b"] = ra["score"].reindex(codes), rb["score"].reindex(codes)
        t["rank_change"] = t["rank_a"] - t["rank_b"]
        t = t.sort_values(["rank_b", "name"], kind="mergesort", na_position="last")
        return t, spec_differences(sa, sb, self.names)


# -------------------------------------------------------------------- the explorer's chart
def has_tiles(data: Any) -> bool:
    """Whether the edition's units all have hex-map positions (``tile_q``, ``tile_r``)."""
    areas = data.areas
    return ({"tile_q", "tile_r"} <= set(areas.columns)
            and bool(areas[["tile_q", "tile_r"]].notna().all().all()))


def plot_state(explorer: Explorer, frame: pd.DataFrame, intervals: pd.DataFrame | None = None,
               title: str = "", source: str = ""):
    """One figure for an update: scores as ranked dots, rank intervals, and the hex map.

    One figure (not three) so that an update renders one image. The map is drawn only when the
    edition has tile positions (:func:`has_tiles`).

    Parameters
    ----------
    explorer : Explorer
    frame : DataFrame
        :meth:`Explorer.evaluate` output.
    intervals : DataFrame, optional
        :meth:`Explorer.remaining_intervals` output.
    title, source : str
        Figure title and the source line.
    """
    import matplotlib.pyplot as plt

    from .plots import add_source, plot_ranked_dots, plot_tile_map
    from .uncertainty_plots import plot_rank_intervals

    data = explorer.data
    tiles = has_tiles(data)
    n_a = len(frame)
    panels = 1 + (intervals is not None) + tiles
    height = max(3.5, 0.22 * n_a + 1.6)
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, height), squeeze=False)
    axes = list(axes[0])
    scores = frame["score"].copy()
    scores.index = frame["name"]
    plot_ranked_dots(scores, "Score under this method", "score", source, ax=axes.pop(0))
    if intervals is not None:
        ax = axes.pop(0)
        plot_rank_intervals(intervals, "Rank and its 5-95% interval (remaining choices)",
                            source, ax=ax)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=3, fontsize=7,
                  frameon=False)
    if tiles:
        ax = axes.pop(0)
        plot_tile_map(frame["score"], "Score on the map", "score", source, ax=ax,
                      tiles=data.areas, names=dict(zip(frame.index, frame["name"])))
    if title:
        fig.suptitle(title, fontsize=12)
    add_source(fig, source)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def _colour(v: float, lo: float, hi: float) -> str:
    """Viridis colour of ``v`` on ``[lo, hi]`` as ``#rrggbb`` (grey when not finite)."""
    return _colours(np.array([v], dtype=float), lo, hi)[0]


def _colours(v: np.ndarray, lo: float, hi: float) -> list[str]:
    """:func:`_colour` of every value of ``v`` (one colormap call for all)."""
    from matplotlib import colormaps

    v = np.asarray(v, dtype=float)
    fin = np.isfinite(v)
    t = np.full(v.shape, 0.5) if hi <= lo else (np.where(fin, v, lo) - lo) / (hi - lo)
    rgba = colormaps["viridis"](np.clip(t, 0.0, 1.0))
    return [f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}" if ok else "#d9d9d9"
            for (r, g, b, _), ok in zip(rgba.tolist(), fin)]


def svg_ranked(frame: pd.DataFrame, intervals: pd.DataFrame | None = None) -> str:
    """The update's chart as SVG text (cheap to redraw): one row per unit, best first; the
    score as a dot and, when given, the rank's 5-95% interval as a bar with the rank (cross)
    and median (dot). Names are escaped."""
    from html import escape

    rows = frame.reset_index()
    n = len(rows)
    h_row, top, name_w, plot_w, gap = 18, 34, 190, 260, 30
    width = name_w + plot_w + (gap + plot_w if intervals is not None else 0) + 10
    height = top + n * h_row + 12
    sc = rows["score"].to_numpy(dtype=float)
    fin = sc[np.isfinite(sc)]
    lo, hi = (float(fin.min()), float(fin.max())) if fin.size else (0.0, 1.0)
    hi = hi if hi > lo else lo + 1.0

    def sx(v):
        return name_w + 8 + (v - lo) / (hi - lo) * (plot_w - 16)

    x2 = name_w + plot_w + gap

    def rx(r):
        return x2 + 8 + (r - 1) / max(n - 1, 1) * (plot_w - 16)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           'font-family="sans-serif" font-size="11" role="img" '
           'aria-label="Scores and rank intervals by unit, best first">',
           f'<text x="{name_w + 8}" y="14" font-weight="bold">Score ({lo:.3g} to {hi:.3g})'
           '</text>']
    if intervals is not None:
        out.append(f'<text x="{x2 + 8}" y="14" font-weight="bold">Rank: 5-95% interval, '
                   'x = this method, dot = median</text>')
    ivs = {}
    if intervals is not None:            # one row per unit (the first, were a code repeated)
        cols = ["rank_lo", "rank_hi", "median_rank", "nominal_rank"]
        for code, vals in zip(intervals.index, intervals[cols].to_numpy(dtype=float).tolist()):
            ivs.setdefault(code, vals)
    for i, (code, name, rk, score) in enumerate(zip(rows["area_code"], rows["name"],
                                                    rows["rank"], sc)):
        y = top + i * h_row
        if i % 2 == 0:
            out.append(f'<rect x="0" y="{y - 12}" width="{width}" height="{h_row}" '
                       'fill="#f3f3f3"/>')
        rank = "-" if pd.isna(rk) else f"{rk:g}"
        out.append(f'<text x="4" y="{y}">{escape(rank)}. {escape(str(name))}</text>')
        if np.isfinite(score):
            out.append(f'<circle cx="{sx(score):.1f}" cy="{y - 4}" r="4" fill="#1f77b4"/>')
        if code in ivs:
            lo_r, hi_r, med_r, nom_r = ivs[code]
            out.append(f'<line x1="{rx(lo_r):.1f}" x2="{rx(hi_r):.1f}" '
                       f'y1="{y - 4}" y2="{y - 4}" stroke="#9ecae1" stroke-width="6"/>')
            out.append(f'<circle cx="{rx(med_r):.1f}" cy="{y - 4}" r="3.5" '
                       'fill="#08519c"/>')
            cx = rx(nom_r)
            out.append(f'<path d="M{cx - 4:.1f},{y - 8} l8,8 m0,-8 l-8,8" stroke="#d94801" '
                       'stroke-width="2"/>')
    out.append("</svg>")
    return "".join(out)


def svg_hex_map(frame: pd.DataFrame, areas: pd.DataFrame) -> str:
    """Hex tile map of the scores as SVG text (odd-r offset layout, as
    :func:`ldi_helpers.report.plots.plot_tile_map`); yellow = higher score. ``""`` without tiles."""
    from html import escape

    if not {"tile_q", "tile_r"} <= set(areas.columns):
        return ""
    t = areas.dropna(subset=["tile_q", "tile_r"])
    if t.empty:
        return ""
    size = 26.0
    pos = {}
    for row in t.itertuples():
        q, r = int(row.tile_q), int(row.tile_r)
        pos[row.area_code] = ((q + (0.5 if r % 2 else 0.0)) * size * 1.732,
                              -r * size * 1.5)      # larger tile_r is further north (up)
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    ox, oy = size * 1.2 - min(xs), size * 1.2 - min(ys)
    width, height = max(xs) - min(xs) + 2.4 * size, max(ys) - min(ys) + 2.4 * size
    sc = frame["score"].astype(float)
    fin = sc[np.isfinite(sc)]
    lo, hi = (float(fin.min()), float(fin.max())) if len(fin) else (0.0, 1.0)
    corners = [(np.cos(np.radians(60 * k + 30)), np.sin(np.radians(60 * k + 30)))
               for k in range(6)]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           'font-family="sans-serif" font-size="9" role="img" '
           'aria-label="Hex map of the scores; yellow is higher">']
    vals = np.array([float(sc.get(code, np.nan)) for code in pos], dtype=float)
    fills = _colours(vals, lo, hi)
    for (code, (x, y)), v, fill in zip(pos.items(), vals.tolist(), fills):
        x, y = x + ox, y + oy
        pts = " ".join(f"{x + size * cx:.1f},{y + size * cy:.1f}" for cx, cy in corners)
        dark = fill in ("#d9d9d9",) or not np.isfinite(v) or (v - lo) / max(hi - lo, 1e-12) < 0.55
        ink = "white" if dark and np.isfinite(v) else "black"
        name = escape(str(frame["name"].get(code, code)) if "name" in frame else str(code))
        label = escape(str(code)[:4])
        value = f"{v:.3g}" if np.isfinite(v) else "n/a"
        out.append(f'<polygon points="{pts}" fill="{fill}" stroke="white" stroke-width="1.5">'
                   f'<title>{name}: {value}</title></polygon>'
                   f'<text x="{x:.1f}" y="{y - 2:.1f}" text-anchor="middle" fill="{ink}" '
                   f'font-weight="bold">{label}</text>'
                   f'<text x="{x:.1f}" y="{y + 9:.1f}" text-anchor="middle" fill="{ink}">'
                   f'{value}</text>')
    out.append("</svg>")
    return "".join(out)


# -------------------------------------------------------------------- specs in words
def _words(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    return VALUE_WORDS.get(v, str(v)) if isinstance(v, str) else str(v)


def _listing(items: Iterable[str], names: Mapping[str, str]) -> str:
    return ", ".join(names.get(i, i) for i in items)


def spec_differences(a: Any, b: Any, names: Mapping[str, str] | None = None) -> list[str]:
    """The differences between two specs as plain-English lines (``a`` to ``b``).

    Parameters
    ----------
    a, b : MethodSpec, mapping of overrides, or YAML
    names : mapping, optional
        Indicator and component id -> display name.

    Returns
    -------
    list of str
        One line per difference, in spec field order; ``["The two specs are the same."]`` when
        nothing differs.
    """
    a, b = coerce_spec(a), coerce_spec(b)
    names = dict(names or {})
    lines: list[str] = []
    for f in MethodSpec.field_names():
        va, vb = getattr(a, f), getattr(b, f)
        if va == vb:
            continue
        label = FIELD_WORDS.get(f, f.replace("_", " ").capitalize())
        if f in ("exclude_indicators", "indicators", "components"):
            if va is None or vb is None:
                lines.append(f"{label}: {'all' if va is None else _listing(va, names)} in the "
                             f"first, {'all' if vb is None else _listing(vb, names)} in the "
                             "second.")
                continue
            only_a = [x for x in va if x not in vb]
            only_b = [x for x in vb if x not in va]
            if f == "exclude_indicators":
                if only_b:
                    lines.append(f"Left out in the second only: {_listing(only_b, names)}.")
                if only_a:
                    lines.append(f"Left out in the first only: {_listing(only_a, names)}.")
            else:
                if only_a:
                    lines.append(f"{label}, first only: {_listing(only_a, names)}.")
                if only_b:
                    lines.append(f"{label}, second only: {_listing(only_b, names)}.")
        elif f in ("periods", "indicator_weights", "component_weights", "goalposts"):
            da = {k: (rest[0] if len(rest) == 1 else tuple(rest)) for k, *rest in va}
            db = {k: (rest[0] if len(rest) == 1 else tuple(rest)) for k, *rest in vb}
            default = {"periods": "its default period", "goalposts": "the data's range"}.get(
                f, "1")
            for k in sorted(set(da) | set(db), key=lambda x: names.get(x, x)):
                if da.get(k) != db.get(k):
                    lines.append(f"{label} of {names.get(k, k)}: "
                                 f"{_words(da.get(k, default))} in the first, "
                                 f"{_words(db.get(k, default))} in the second.")
        else:
            lines.append(f"{label}: {_words(va)} in the first, {_words(vb)} in the second.")
    return lines or ["The two specs are the same."]


# -------------------------------------------------------------------- params files
def save_params(spec: Any, path: str | Path, scenario: Mapping[str, Any] | None = None) -> Path:
    """Write the spec as a params file for ``ldi run --params`` (a ``spec:`` section), atomically.

    Every spec field is written (not only the changes), so the file means the same method even if
    the defaults change. The file is written to a temporary name in the same folder and renamed.
    """
    spec = coerce_spec(spec)
    path = Path(path)
    body: dict[str, Any] = {"spec": spec.to_dict()}
    if scenario:
        body["scenario"] = dict(scenario)
    text = ("# Methodology saved by the methodology explorer; run it with\n"
            f"#   ldi run --params {path.name}\n"
            + yaml.safe_dump(body, sort_keys=False, allow_unicode=True))
    if path.parent and not path.parent.exists():
        raise ExplorerError(f"folder {path.parent} does not exist; create it or save elsewhere")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load_params(path: str | Path) -> MethodSpec:
    """The spec of a params file (its ``spec:`` section; default spec when it has none).

    Reads with :func:`ldi_helpers.run.runner.load_params`, so a file this accepts is one
    ``ldi run --params`` accepts, and a bad file fails with the same one-line message.
    """
    from ..analysis.params import load_params as _load

    return coerce_spec(_load(Path(path)).get("spec") or {})


# -------------------------------------------------------------------- text for the notebook
def ranks_text(frame: pd.DataFrame, top: int | None = None) -> str:
    """The :meth:`Explorer.evaluate` table as fixed-width text (scores to 1 decimal place)."""
    rows = frame if top is None else frame.head(top)

    def fmt_rank(v):
        return "-" if pd.isna(v) else f"{v:g}"

    def fmt_change(v):
        return "-" if pd.isna(v) else ("=" if v == 0 else f"{v:+g}")

    width = max([len("Name")] + [len(str(x)) for x in rows["name"]])
    out = [f"{'Rank':>4}  {'Name':<{width}}  {'Score':>7}  {'Default':>7}  {'Change':>6}"]
    for _, r in rows.iterrows():
        score = "-" if pd.isna(r["score"]) else f"{r['score'] + 0.0:.1f}"
        out.append(f"{fmt_rank(r['rank']):>4}  {r['name']:<{width}}  {score:>7}  "
                   f"{fmt_rank(r['default_rank']):>7}  {fmt_change(r['rank_change']):>6}")
    return "\n".join(out)


def intervals_text(intervals: pd.DataFrame) -> str:
    """The :meth:`Explorer.remaining_intervals` table as fixed-width text."""
    width = max([len("Name")] + [len(str(x)) for x in intervals["name"]])
    out = [f"{'Name':<{width}}  {'Rank':>4}  {'Median':>6}  {'5-95% interval':>14}"]
    for _, r in intervals.iterrows():
        out.append(f"{r['name']:<{width}}  {r['nominal_rank']:>4g}  {r['median_rank']:>6g}  "
                   f"{r['rank_lo']:>9g} to {r['rank_hi']:g}")
    return "\n".join(out)


def compare_text(table: pd.DataFrame) -> str:
    """The :meth:`Explorer.compare` table as fixed-width text."""
    width = max([len("Name")] + [len(str(x)) for x in table["name"]])
    out = [f"{'Name':<{width}}  {'First':>5}  {'Second':>6}  {'Change':>6}"]
    for _, r in table.iterrows():
        ch = r["rank_change"]
        ch = "-" if pd.isna(ch) else ("=" if ch == 0 else f"{ch:+g}")
        fa = "-" if pd.isna(r["rank_a"]) else f"{r['rank_a']:g}"
        fb = "-" if pd.isna(r["rank_b"]) else f"{r['rank_b']:g}"
        out.append(f"{r['name']:<{width}}  {fa:>5}  {fb:>6}  {ch:>6}")
    return "\n".join(out)


__all__ = [
    "EXPLORER_FACTORS", "ColumnCache", "Explorer", "ExplorerError", "ExplorerState", "compare_text",
    "has_tiles", "intervals_text", "svg_hex_map", "svg_ranked", "load_params", "plot_state", "ranks_text", "save_params",
    "selection_key",
    "spec_differences",
]
