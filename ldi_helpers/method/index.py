"""Build the index: ``build_index(data, spec) -> IndexResult``, a pure function.

The steps run in the JRC/OECD order, each in its own module:

1. :mod:`~ldi_helpers.method.select` - indicators and periods -> raw areas x indicators matrix;
2. :mod:`~ldi_helpers.method.screen` - drop indicators and areas with too little data;
3. :mod:`~ldi_helpers.method.impute` - raw-unit imputation (flagged);
4. :mod:`~ldi_helpers.method.treat` - outlier treatment;
5. :mod:`~ldi_helpers.method.normalise` - onto a common scale, higher = better (goalposts read the
   untreated values: fixed goalposts cap outliers themselves and keep editions comparable);
   then score-level (component) imputation;
6. :mod:`~ldi_helpers.method.weights` - indicator weights within components, component weights;
7. :mod:`~ldi_helpers.method.aggregate` - indicators -> component scores -> composite; ranks.

The functions ``stage``, ``raw_option``, ``indicator_scores`` and ``combine`` are shared with the
vectorised :mod:`ldi_helpers.method.batch`, which is why the two agree.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .aggregate import aggregate, aggregate_components, aggregate_groups, rank_scores
from ..errors import SpecError
from ..data.framework import Framework, UpperLevel, framework_of
from .impute import impute_raw, impute_scores
from .normalise import constant_indicators, normalise
from .screen import screen
from .select import select_indicators
from .spec import NORMALISATIONS, TREATMENTS, MethodSpec, coerce_spec
from .treat import treat
from .weights import custom_weights, equal_weights, pca_weights, renormalise


class NoDataError(SpecError):
    """The spec leaves no indicator or no area with data (the message says which step)."""


@dataclass(frozen=True)
class Stage:
    """Selected and screened data, before imputation (internal, shared with batch).

    Attributes
    ----------
    raw : ndarray (A, I)
    areas, indicators, components : tuple of str
    comp_index : ndarray of int (I,)
        Position of each indicator's component in ``components``.
    direction : ndarray (I,)
    posts : ndarray (I, 2)
    meta : DataFrame
    notes : list of (step, item, message)
    framework : Framework
        The edition's framework (:mod:`ldi_helpers.data.framework`).
    upper : tuple of UpperLevel
        The levels above ``components`` up to the index (the last holds the root only).
    groups : tuple of str
        Imputation group of each area (``group`` column of the areas table).
    area_names : tuple of str
        Display name of each area.
    indicator_base_weights : ndarray (I,)
        The edition's indicator weights (``weight`` column of the indicators table; 1 if absent).
    normalisation_overrides, treatment_overrides : tuple of str
        Per indicator (aligned with ``indicators``), the indicator's own normalisation / outlier
        treatment from the optional ``normalisation`` / ``treatment`` columns of the indicators
        table; ``""`` = the spec's (or the sampled) choice. Empty tuple = no overrides.
    """

    raw: np.ndarray
    areas: tuple[str, ...]
    indicators: tuple[str, ...]
    components: tuple[str, ...]
    comp_index: np.ndarray
    direction: np.ndarray
    posts: np.ndarray
    meta: pd.DataFrame
    notes: tuple[tuple[str, str, str], ...]
    framework: Framework | None = None
    upper: tuple[UpperLevel, ...] = ()
    groups: tuple[str, ...] = ()
    area_names: tuple[str, ...] = ()
    indicator_base_weights: np.ndarray | None = None
    normalisation_overrides: tuple[str, ...] = ()
    treatment_overrides: tuple[str, ...] = ()


#: Optional columns of the indicators table that fix an indicator's own method, and the spec
#: tuples their values must come from.
OVERRIDE_COLUMNS: dict[str, tuple[str, ...]] = {"normalisation": NORMALISATIONS,
                                                "treatment": TREATMENTS}


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or not str(v).strip()


def method_overrides(data, column: str, indicators) -> tuple[str, ...]:
    """The ``column`` ("normalisation" or "treatment") of the indicators table for ``indicators``
    (``""`` where empty), or ``()`` when the table has no such column or it is empty for them.

    Raises
    ------
    SpecError
        A non-empty value of the column (any indicator of the table) is not one of the spec's
        choices for it (:data:`OVERRIDE_COLUMNS`).
    """
    meta = data.indicators
    if column not in meta.columns:
        return ()
    choices = OVERRIDE_COLUMNS[column]
    col = meta.set_index("indicator_id")[column]
    for ind, v in col.items():
        if not _blank(v) and str(v).strip() not in choices:
            raise SpecError(f"indicators table: indicator {ind!r} has {column} {v!r}, which is "
                            f"not a {column} method; use one of {', '.join(choices)} or leave "
                            "it empty for the spec's choice")
    out = tuple("" if _blank(col.get(i)) else str(col.get(i)).strip() for i in indicators)
    return out if any(out) else ()


def indicator_methods(overrides: tuple[str, ...], choice: str, n: int) -> list[str]:
    """Method of each of ``n`` indicators: its override, else ``choice`` (spec or sampled)."""
    if not overrides:
        return [choice] * n
    return [o or choice for o in overrides]


def area_table_column(data, codes, column: str, default=None) -> list:
    """Values of ``column`` of the areas table for ``codes`` (``default`` where absent)."""
    areas = getattr(data, "areas", None)
    if areas is None or column not in areas.columns:
        return [default] * len(codes)
    look = areas.set_index("area_code")[column]
    return [look.get(c, default) for c in codes]


def _area_groups(data, codes) -> tuple[str, ...]:
    """Imputation group of each area: the areas table's ``group`` column, else the UK groups of
    :data:`ldi_helpers.method.impute.REGION_GROUPS` for ITL1 codes, else one group for all."""
    got = area_table_column(data, codes, "group")
    if all(isinstance(g, str) and g for g in got):
        return tuple(got)
    from .impute import REGION_GROUPS

    lookup = {a: g for g, members in REGION_GROUPS.items() for a in members}
    return tuple(lookup.get(c, "") for c in codes)


def _area_names(data, codes) -> tuple[str, ...]:
    got = area_table_column(data, codes, "name")
    if all(isinstance(n, str) and n for n in got):
        return tuple(got)
    return tuple(_region_names(codes))


def stage(data, spec: MethodSpec) -> Stage:
    """Select and screen (steps 1-2). Raises :class:`NoDataError` if nothing is left."""
    sel = select_indicators(data, spec)
    scr = screen(sel.matrix, spec.indicator_coverage, spec.area_coverage)
    notes = list(sel.notes) + list(scr.notes)
    m = scr.matrix
    if m.shape[1] == 0:
        raise NoDataError("no indicator has enough data for this spec (screening dropped all "
                          "of them); lower indicator_coverage or choose other indicators/periods")
    if m.shape[0] == 0:
        raise NoDataError("no area has enough data for this spec; lower area_coverage")
    meta = sel.meta.loc[list(m.columns)]
    fw = framework_of(data)
    comps = tuple(c for c in fw.components if c in set(meta["component"]))
    wanted = spec.components if spec.components is not None else fw.components
    for c in wanted:
        if c not in comps:
            notes.append(("select", c, "component has no indicator with data; left out of "
                          "the index"))
    comp_index = np.array([comps.index(c) for c in meta["component"]], dtype=int)
    areas = tuple(m.index)
    full = data.indicators.set_index("indicator_id")
    base_w = (full.loc[list(m.columns), "weight"].astype(float).to_numpy()
              if "weight" in full.columns else np.ones(m.shape[1]))
    return Stage(
        raw=m.to_numpy(dtype=float).copy(), areas=areas, indicators=tuple(m.columns),
        components=comps, comp_index=comp_index,
        direction=meta["direction"].to_numpy(dtype=float),
        posts=sel.goalposts.loc[list(m.columns), ["low", "high"]].to_numpy(dtype=float),
        meta=meta, notes=tuple(notes), framework=fw, upper=fw.upper_levels(comps),
        groups=_area_groups(data, areas), area_names=_area_names(data, areas),
        indicator_base_weights=base_w,
        normalisation_overrides=method_overrides(data, "normalisation", tuple(m.columns)),
        treatment_overrides=method_overrides(data, "treatment", tuple(m.columns)))


def raw_option(st: Stage, imputation: str, treatment: str, spec: MethodSpec):
    """Raw-unit imputation then treatment (steps 3-4).

    An indicator with its own treatment in the indicators table (``st.treatment_overrides``) is
    treated with it whatever ``treatment`` is (treatment works column by column).

    Returns
    -------
    imputed : ndarray (A, I)      raw values after raw imputation (goalposts read these)
    treated : ndarray (A, I)
    imputed_mask : ndarray of bool (A, I)
    records : list of TreatmentRecord
    """
    imputed, mask = impute_raw(st.raw, imputation, st.areas, groups=st.groups or None)
    overrides = getattr(st, "treatment_overrides", ())
    if not overrides:
        treated, records = treat(imputed, treatment, spec.skew_threshold,
                                 spec.kurtosis_threshold, spec.max_winsorised)
        return imputed, treated, mask, records
    methods = np.array(indicator_methods(overrides, treatment, imputed.shape[1]))
    treated = imputed.copy()
    records: list = [None] * imputed.shape[1]
    for m in dict.fromkeys(methods):
        cols = np.flatnonzero(methods == m)
        t, recs = treat(imputed[:, cols], str(m), spec.skew_threshold, spec.kurtosis_threshold,
                        spec.max_winsorised)
        treated[:, cols] = t
        for j, r in zip(cols, recs):
            records[j] = r
    return imputed, treated, mask, records


def indicator_scores(st: Stage, imputed: np.ndarray, treated: np.ndarray, normalisation: str,
                     imputation: str):
    """Normalise and apply score-level imputation (step 5). Returns ``(scores, imputed_mask)``.

    An indicator with its own normalisation in the indicators table
    (``st.normalisation_overrides``) uses it whatever ``normalisation`` is (normalisation works
    column by column; goalposts read the untreated values). Score-level imputation then works on
    the mixed scores.
    """
    overrides = getattr(st, "normalisation_overrides", ())
    if not overrides:
        source = imputed if normalisation == "goalposts" else treated
        z = normalise(source, normalisation, st.direction, st.posts)
        return impute_scores(z, imputation, st.comp_index)
    methods = np.array(indicator_methods(overrides, normalisation, imputed.shape[1]))
    z = np.empty_like(treated)
    for m in dict.fromkeys(methods):
        cols = np.flatnonzero(methods == m)
        source = imputed if m == "goalposts" else treated
        z[:, cols] = normalise(source[:, cols], str(m), st.direction[cols], st.posts[cols])
    return impute_scores(z, imputation, st.comp_index)


def indicator_weight_vector(st: Stage, spec: MethodSpec, treated: np.ndarray):
    """Indicator weights (I,), summing to 1 within each component, and log notes."""
    groups = [st.components[k] for k in st.comp_index]
    notes: list[tuple[str, str, str]] = []
    if spec.indicator_weighting == "equal":
        return equal_weights(groups), notes
    if spec.indicator_weighting == "framework":
        base = (st.indicator_base_weights if st.indicator_base_weights is not None
                else np.ones(len(st.indicators)))
        return renormalise(base, np.asarray(groups), "indicator weights of the framework"), notes
    if spec.indicator_weighting == "custom":
        given = {k: w for k, w in spec.indicator_weights if k in st.indicators}
        for k, _ in spec.indicator_weights:
            if k not in st.indicators:
                notes.append(("weights", k, "custom weight ignored: indicator not in the "
                              "index after selection and screening"))
        return custom_weights(st.indicators, groups, given), notes
    w, pnotes = pca_weights(treated, st.direction, groups)
    notes += [("weights", n.split(":")[0], n) for n in pnotes]
    return renormalise(w, np.asarray(groups), "PCA weights"), notes


def component_parents(st) -> np.ndarray:
    """Position of each component's parent (its group for weights), ``(C,)``."""
    upper = getattr(st, "upper", ())
    if upper:
        return np.asarray(upper[0].child_index)
    return np.zeros(len(st.components), dtype=int)


def component_weight_vector(st: Stage, spec: MethodSpec):
    """Component weights (C,), summing to 1 within each parent aggregate, and log notes."""
    notes: list[tuple[str, str, str]] = []
    parents = component_parents(st)
    if spec.component_weighting == "equal":
        return renormalise(np.ones(len(st.components)), parents), notes
    if spec.component_weighting == "framework":
        upper = getattr(st, "upper", ())
        base = upper[0].child_weights if upper else np.ones(len(st.components))
        return renormalise(base, parents, "component weights of the framework"), notes
    given = {}
    for k, w in spec.component_weights:
        if k in st.components:
            given[k] = w
        else:
            notes.append(("weights", k, "custom weight ignored: component has no data"))
    w = custom_weights(st.components, parents, given, "component_weights")
    return w, notes


def upper_method(composite_aggregation: str, is_root: bool) -> str:
    """Aggregation rule of a level above the components: the composite rule, except that
    Copeland (an ordinal count) is used only for the index and arithmetic below it."""
    if composite_aggregation == "copeland" and not is_root:
        return "arithmetic"
    return composite_aggregation


def climb(comp: np.ndarray, w_comp: np.ndarray, upper, composite_aggregation: str,
          power: float = 2.0):
    """Aggregate component scores up the framework to the index.

    Parameters
    ----------
    comp : ndarray, shape (..., A, C)
    w_comp : ndarray, shape (..., C)
        Component weights (summing to 1 within each parent).
    upper : sequence of UpperLevel
        The levels above the components (:meth:`Framework.upper_levels`); the last is the root.
    composite_aggregation : str
    power : float
        ``p`` of the generalised mean (``spec.generalised_mean_power``).

    Returns
    -------
    composite : ndarray, shape (..., A)
    levels : list of ndarray
        Scores of every level above the components, ``(..., A, n_aggregates)``, the last being
        the index (``(..., A, 1)``).
    """
    vals, w = comp, w_comp
    levels = []
    if not upper:
        out = aggregate(vals, w, composite_aggregation, power)
        return out, [out[..., None]]
    for k, lvl in enumerate(upper):
        if k > 0:
            w = np.broadcast_to(renormalise(lvl.child_weights, lvl.child_index,
                                            "framework weights"), vals.shape[:-2] + (len(lvl.child_index),))
        root = k == len(upper) - 1
        method = upper_method(composite_aggregation, root)
        if root:
            out = aggregate(vals, w, method, power)[..., None]
        else:
            out = aggregate_groups(vals, w, lvl.child_index, len(lvl.ids), method, power)
        levels.append(out)
        vals = out
    return vals[..., 0], levels


def combine(z: np.ndarray, w_ind: np.ndarray, w_comp: np.ndarray, comp_index: np.ndarray,
            n_components: int, component_aggregation: str, composite_aggregation: str,
            upper=(), power: float = 2.0):
    """Aggregate scores ``z`` (``(A, I)``) into component scores, every level above and the index.

    ``w_ind`` (``(I,)``) must sum to 1 within each component and ``w_comp`` (``(C,)``) within each
    component's parent; ``power`` is ``p`` of the generalised mean. Returns
    ``(component_scores (A, C), composite (A,), levels)`` where
    ``levels`` lists the scores of the levels above the components (see :func:`climb`).
    :func:`ldi_helpers.method.batch.evaluate_batch` applies the same rules to many samples at once with
    its own batched arithmetic; tests/test_batch.py checks the two agree.
    """
    comp = aggregate_components(z, np.atleast_2d(w_ind), comp_index, n_components,
                                component_aggregation, power)[0]
    composite, levels = climb(comp, w_comp, upper, composite_aggregation, power)
    return comp, composite, levels


@dataclass(frozen=True)
class IndexResult:
    """Everything one build produced. Frames are indexed by ITL1 code (rows).

    Attributes
    ----------
    spec : MethodSpec
    raw : DataFrame
        Selected, screened raw values (indicator units).
    treated : DataFrame
        After raw imputation and outlier treatment.
    indicator_scores : DataFrame
        Normalised scores (higher = better), after score-level imputation.
    imputed : DataFrame of bool
        True where a value was imputed (either stage).
    component_scores : DataFrame
        Areas x components.
    composite : Series
        The index score per area.
    ranks : Series
        Composite rank, 1 = best (ties per ``spec.rank_ties``).
    component_ranks : DataFrame
    indicator_weights : Series
        Sum to 1 within each component.
    component_weights : Series
        Sum to 1.
    meta : DataFrame
        Selected indicators: name, component, direction, unit, is_proxy, period.
    log : DataFrame
        Columns ``step``, ``item``, ``message``: what each step did.
    aggregate_scores, aggregate_ranks : DataFrame
        Areas x every aggregate of the framework that has data, from the components (level 2)
        up to the index (the last column, equal to ``composite``): scores and ranks at every
        level.
    framework : Framework
        The edition's framework (names, parents, weights, levels).
    area_names : dict
        Area code -> display name.
    """

    spec: MethodSpec
    raw: pd.DataFrame
    treated: pd.DataFrame
    indicator_scores: pd.DataFrame
    imputed: pd.DataFrame
    component_scores: pd.DataFrame
    composite: pd.Series
    ranks: pd.Series
    component_ranks: pd.DataFrame
    indicator_weights: pd.Series
    component_weights: pd.Series
    meta: pd.DataFrame
    log: pd.DataFrame
    aggregate_scores: pd.DataFrame | None = None
    aggregate_ranks: pd.DataFrame | None = None
    framework: Framework | None = None
    area_names: dict | None = None

    def area_name(self, code: str) -> str:
        """Display name of an area of this build."""
        if self.area_names and code in self.area_names:
            return str(self.area_names[code])
        return _region_names([code])[0]

    def table(self, names: bool = True) -> pd.DataFrame:
        """Composite, rank and component scores per area, best first."""
        out = pd.DataFrame({"rank": self.ranks, "index": self.composite})
        out = out.join(self.component_scores)
        if names:
            out.insert(0, "area", [self.area_name(a) for a in out.index])
        return out.sort_values(["rank", "index"], ascending=[True, False], kind="mergesort")

    def level_table(self, level: int) -> pd.DataFrame:
        """Scores of every aggregate of one framework level (2 = components), areas x ids."""
        fw = self.framework
        ids = [a for a in self.aggregate_scores.columns
               if fw is not None and a in fw.table.index and int(fw.table.at[a, "level"]) == level]
        return self.aggregate_scores[ids]

    def export(self, path, names: bool = True):
        """Write every level's scores and ranks to CSV (``.csv``: one long table) or Excel
        (``.xlsx``: one sheet per level), atomically.

        The long table has columns ``area_code, area, level, aggregate_id, aggregate, score,
        rank``; indicators are level 1 (normalised scores and the indicator's rank).
        """
        import os
        from pathlib import Path

        from .aggregate import rank_scores as _rank

        path = Path(path)
        fw = self.framework
        rows = []
        ind_ranks = {i: _rank(self.indicator_scores[i].to_numpy(), self.spec.rank_ties)
                     for i in self.indicator_scores.columns}
        for i in self.indicator_scores.columns:
            for k, a in enumerate(self.indicator_scores.index):
                rows.append((a, 1, i, str(self.meta.at[i, "name"]) if "name" in self.meta else i,
                             self.indicator_scores.at[a, i], ind_ranks[i][k]))
        for agg in self.aggregate_scores.columns:
            lvl = int(fw.table.at[agg, "level"]) if fw is not None and agg in fw.table.index else 0
            nm = fw.name(agg) if fw is not None else agg
            for a in self.aggregate_scores.index:
                rows.append((a, lvl, agg, nm, self.aggregate_scores.at[a, agg],
                             self.aggregate_ranks.at[a, agg]))
        long = pd.DataFrame(rows, columns=["area_code", "level", "aggregate_id", "aggregate",
                                           "score", "rank"])
        long.insert(1, "area", [self.area_name(a) for a in long["area_code"]])
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".xlsx":
            with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
                for lvl, grp in long.groupby("level", sort=True):
                    wide = grp.pivot_table(index=["area_code", "area"], columns="aggregate",
                                           values="score", sort=False)
                    wide.to_excel(xl, sheet_name=f"level {lvl}")
                long.to_excel(xl, sheet_name="all levels, long", index=False)
        else:
            long.to_csv(tmp, index=False, lineterminator="\n")
        os.replace(tmp, path)
        return path

    def log_table(self, items=None) -> pd.DataFrame:
        """The build log for readers: step, indicator (or component) name, what changed.

        Parameters
        ----------
        items : list of str, optional
            Only log entries about these indicator or component ids (default: all).
        """
        from ..data.components import COMPONENTS

        log = self.log if items is None else self.log[self.log["item"].isin(list(items))]
        names = self.meta["name"].to_dict()
        return pd.DataFrame({
            "Step": [STEP_NAMES.get(s, str(s).capitalize()) for s in log["step"]],
            "Indicator": [names.get(i, COMPONENTS.get(i, i)) for i in log["item"]],
            "What changed": list(log["message"]),
        })


#: Build steps in words, for the reader version of the log (:meth:`IndexResult.log_table`).
STEP_NAMES = {"denominate": "Denomination", "screen": "Coverage screening",
              "impute": "Filling in missing values",
              "treat": "Outlier treatment", "normalise": "Normalisation",
              "aggregate": "Combining indicators"}

#: Method ids in words, for the build log (read by people who never see the spec).
_METHOD_WORDS = {"indicator_mean": "indicator mean", "indicator_median": "indicator median",
                 "group_mean": "group mean", "component_mean": "component mean",
                 "component_median": "component median", "log": "logarithmic transform",
                 "boxcox": "Box-Cox transform"}
#: Normalisation ids in words, for the build log.
_NORM_WORDS = {"minmax": "min-max 0-100", "zscore": "z-score", "rank": "rank",
               "distance_to_median": "distance to median", "goalposts": "goalposts"}


def _region_names(codes) -> list[str]:
    """Region names of area codes for the build log (the code where it is not an ITL1 region)."""
    from ..data.geography import UnknownAreaError, region_by_code

    out = []
    for code in codes:
        try:
            out.append(region_by_code(code).name)
        except UnknownAreaError:
            out.append(str(code))
    return out


def build_index(data, spec: MethodSpec | dict | None = None) -> IndexResult:
    """Build the index for ``spec`` from ``data`` (pure: inputs are not modified).

    Parameters
    ----------
    data : LDIData
        As returned by :func:`ldi_helpers.data.load.load_data` (only ``values`` and ``indicators``
        are read).
    spec : MethodSpec, mapping of overrides, YAML, or None for :func:`default_spec`

    Returns
    -------
    IndexResult

    Raises
    ------
    SpecError
        Invalid spec, unknown indicator or period, or no data left after screening.
    """
    spec = coerce_spec(spec)
    st = stage(data, spec)
    log = list(st.notes)
    area = list(st.area_names) or _region_names(st.areas)
    how = _METHOD_WORDS.get(spec.imputation, spec.imputation)
    imputed, treated, raw_mask, records = raw_option(st, spec.imputation, spec.treatment, spec)
    n_ind = len(st.indicators)
    treat_m = indicator_methods(st.treatment_overrides, spec.treatment, n_ind)
    norm_m = indicator_methods(st.normalisation_overrides, spec.normalisation, n_ind)
    for j, ind in enumerate(st.indicators):
        if st.treatment_overrides and st.treatment_overrides[j]:
            log.append(("treat", ind, "own outlier treatment from the indicators table: "
                        f"{_METHOD_WORDS.get(treat_m[j], treat_m[j])} (whatever the spec's)"))
        if st.normalisation_overrides and st.normalisation_overrides[j]:
            log.append(("normalise", ind, "own normalisation from the indicators table: "
                        f"{_NORM_WORDS.get(norm_m[j], norm_m[j])} (whatever the spec's)"))
    for j, ind in enumerate(st.indicators):
        for i in np.flatnonzero(raw_mask[:, j]):
            log.append(("impute", ind, f"{area[i]}: value filled in with the {how} "
                        f"({imputed[i, j]:.6g})"))
        r = records[j]
        if r.action == "winsorised":
            log.append(("treat", ind, f"winsorised {len(r.points)} point(s) "
                        f"({', '.join(area[p] for p in r.points)}); skewness {r.skew_before:.2f}"
                        f" to {r.skew_after:.2f}, kurtosis {r.kurtosis_before:.2f} to "
                        f"{r.kurtosis_after:.2f}"))
        elif r.action == "log":
            log.append(("treat", ind, f"logarithmic transform applied; skewness "
                        f"{r.skew_before:.2f} to {r.skew_after:.2f}"))
        elif r.action == "boxcox":
            log.append(("treat", ind, f"Box-Cox transform applied (lambda {r.boxcox_lambda:.3g} "
                        "by maximum likelihood"
                        + (f", values first shifted by {r.boxcox_shift:.6g} so the smallest is 1"
                           if r.boxcox_shift else "")
                        + f"; order of the areas kept); skewness {r.skew_before:.2f} to "
                        f"{r.skew_after:.2f}"))
        elif r.flagged:
            log.append(("treat", ind, f"flagged as skewed (skewness {r.skew_before:.2f}, kurtosis "
                        f"{r.kurtosis_before:.2f}) but not treated (outlier treatment: "
                        f"{_METHOD_WORDS.get(treat_m[j], treat_m[j])})"))
        if r.still_flagged and r.action in ("winsorised", "log", "boxcox"):
            log.append(("treat", ind, "still skewed after treatment"))
    if any(n == "goalposts" and t != "none" for n, t in zip(norm_m, treat_m)):
        log.append(("treat", "all", "goalposts normalisation reads the untreated values; the "
                    "fixed goalposts cap outliers themselves"))
    z, score_mask = indicator_scores(st, imputed, treated, spec.normalisation, spec.imputation)
    constant = constant_indicators(treated)
    for j in range(n_ind):
        if norm_m[j] != "goalposts" and constant[j]:
            log.append(("normalise", st.indicators[j], "same value in every area: every area "
                        "gets the neutral (middle) score"))
    for j, ind in enumerate(st.indicators):
        for i in np.flatnonzero(score_mask[:, j]):
            log.append(("impute", ind, f"{area[i]}: score filled in with the {how} "
                        f"({z[i, j]:.6g})"))
    w_ind, wn = indicator_weight_vector(st, spec, treated)
    w_comp, cn = component_weight_vector(st, spec)
    log += wn + cn
    comp, composite, levels = combine(z, w_ind, w_comp, st.comp_index, len(st.components),
                                      spec.component_aggregation, spec.composite_aggregation,
                                      st.upper, spec.generalised_mean_power)
    ranks = rank_scores(composite, spec.rank_ties)
    agg_ids = list(st.components) + [a for lvl in st.upper for a in lvl.ids]
    if not st.upper:
        agg_ids.append(st.framework.root if st.framework is not None else "index")
    agg = np.concatenate([comp] + list(levels), axis=1)
    agg_ranks = np.stack([rank_scores(agg[:, k], spec.rank_ties) for k in range(agg.shape[1])],
                         axis=1)
    comp_ranks = np.stack([rank_scores(comp[:, c], spec.rank_ties)
                           for c in range(len(st.components))], axis=1)
    for c, cid in enumerate(st.components):
        miss = [area[i] for i in np.flatnonzero(np.isnan(comp[:, c]))]
        if miss:
            log.append(("aggregate", cid, f"no data for {', '.join(miss)}: their index uses "
                        "their other components"))
    areas = pd.Index(st.areas, name="area_code")
    inds = pd.Index(st.indicators, name="indicator_id")
    comps = pd.Index(st.components, name="component")
    frame = lambda a, cols: pd.DataFrame(a, index=areas, columns=cols)  # noqa: E731
    return IndexResult(
        spec=spec,
        raw=frame(st.raw, inds), treated=frame(treated, inds),
        indicator_scores=frame(z, inds), imputed=frame(raw_mask | score_mask, inds),
        component_scores=frame(comp, comps),
        composite=pd.Series(composite, index=areas, name="index"),
        ranks=pd.Series(ranks, index=areas, name="rank"),
        component_ranks=frame(comp_ranks, comps),
        indicator_weights=pd.Series(w_ind, index=inds, name="weight"),
        component_weights=pd.Series(w_comp, index=comps, name="weight"),
        meta=st.meta.copy(),
        log=pd.DataFrame(log, columns=["step", "item", "message"]),
        aggregate_scores=frame(agg, pd.Index(agg_ids, name="aggregate_id")),
        aggregate_ranks=frame(agg_ranks, pd.Index(agg_ids, name="aggregate_id")),
        framework=st.framework,
        area_names=dict(zip(st.areas, area)),
    )
