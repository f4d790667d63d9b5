"""The methodology specification: one frozen record that fully determines an index build.

Following COINr (European Commission JRC), every choice of the JRC/OECD ten-step method lives in
one object, :class:`MethodSpec`. :func:`ldi_helpers.method.index.build_index` is a pure function of the
data and this spec; sensitivity analysis perturbs it; notebooks receive its fields as papermill
parameters; reports print it in their "method" box (:meth:`MethodSpec.describe`).

A spec is validated when it is created: an unknown method name, a misspelt field, a weight that
is negative or a threshold outside [0, 1] raises :class:`~ldi_helpers.errors.SpecError` naming the
field and the valid choices. Whether the indicators, periods and components it names exist in the
data is checked when the spec meets the data (:func:`ldi_helpers.method.select.select_indicators`).
"""
from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..data.components import COMPONENTS
from ..errors import SpecError

from ..choices import (  # noqa: F401 - re-exported: the spec's vocabulary
    IMPUTATIONS, TREATMENTS, NORMALISATIONS, INDICATOR_WEIGHTINGS, COMPONENT_WEIGHTINGS,
    COMPONENT_AGGREGATIONS, COMPOSITE_AGGREGATIONS, RANK_TIES, NEAR_DUPLICATES, GEOGRAPHIES,
)


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        close = difflib.get_close_matches(str(value), choices, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SpecError(
            f"spec field {name!r} has unknown value {value!r}{hint}; valid choices are: "
            + ", ".join(choices)
        )
    return value


def _fraction(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SpecError(f"spec field {name!r} must be a number in [0, 1], got {value!r}") from None
    if not (0.0 <= v <= 1.0):
        raise SpecError(f"spec field {name!r} must be in [0, 1] (a share of areas or "
                        f"indicators), got {v}")
    return v


def _str_tuple(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    try:
        out = tuple(value)
    except TypeError:
        raise SpecError(f"spec field {name!r} must be a list of strings, got {value!r}") from None
    for v in out:
        if not isinstance(v, str) or not v:
            raise SpecError(f"spec field {name!r} must be a list of non-empty strings, "
                            f"got element {v!r}")
    if len(set(out)) != len(out):
        raise SpecError(f"spec field {name!r} lists a value twice: {list(out)}")
    return out


def _pairs(name: str, value: Any) -> tuple[tuple[str, Any], ...]:
    """Mapping or sequence of pairs -> sorted tuple of pairs (hashable, order-independent)."""
    if value is None:
        return ()
    if isinstance(value, Mapping):
        items = list(value.items())
    else:
        try:
            items = [tuple(p) for p in value]
        except TypeError:
            raise SpecError(f"spec field {name!r} must be a mapping, got {value!r}") from None
    keys = [k for k, *_ in items]
    for k in keys:
        if not isinstance(k, str):
            raise SpecError(f"spec field {name!r} must have string keys, got {k!r}")
    if len(set(keys)) != len(keys):
        raise SpecError(f"spec field {name!r} has a duplicated key: {keys}")
    return tuple(sorted((k, *rest) for k, *rest in items))


def _weights(name: str, value: Any) -> tuple[tuple[str, float], ...]:
    pairs = _pairs(name, value)
    out = []
    for p in pairs:
        if len(p) != 2:
            raise SpecError(f"spec field {name!r} must map an id to one weight, got {p!r}")
        k, w = p
        try:
            w = float(w)
        except (TypeError, ValueError):
            raise SpecError(f"spec field {name!r}: weight of {k!r} must be a number, "
                            f"got {w!r}") from None
        if not math.isfinite(w) or w < 0:
            raise SpecError(f"spec field {name!r}: weight of {k!r} must be finite and >= 0, "
                            f"got {w}")
        out.append((k, w))
    return tuple(out)


def _denominators(value: Any) -> tuple[tuple[str, str, float], ...]:
    """``{indicator: denominator}`` or ``{indicator: [denominator, scale]}`` (or triples) ->
    sorted tuple of ``(indicator, denominator, scale)``."""
    fix = ("write it as {indicator_id: context_indicator_id} or "
           "{indicator_id: [context_indicator_id, scale]}")
    out = []
    for p in _pairs("denominators", value):
        if len(p) == 2:
            k, d = p
            scale = 1.0
            if isinstance(d, (list, tuple)):
                if len(d) not in (1, 2):
                    raise SpecError(f"spec field 'denominators' has an entry {p!r}; {fix}")
                d, scale = d[0], (d[1] if len(d) == 2 else 1.0)
        elif len(p) == 3:
            k, d, scale = p
        else:
            raise SpecError(f"spec field 'denominators' has an entry {p!r}; {fix}")
        if not isinstance(d, str) or not d:
            raise SpecError(f"spec field 'denominators': {k!r} needs a denominator indicator id, "
                            f"got {d!r}; {fix}")
        try:
            scale = float(scale)
        except (TypeError, ValueError):
            raise SpecError(f"spec field 'denominators': scale of {k!r} must be a number, got "
                            f"{scale!r}; {fix}") from None
        if not math.isfinite(scale) or scale <= 0:
            raise SpecError(f"spec field 'denominators': scale of {k!r} must be finite and > 0, "
                            f"got {scale}")
        if d == k:
            raise SpecError(f"spec field 'denominators': {k!r} cannot be its own denominator; "
                            "name a context indicator such as population")
        out.append((k, d, scale))
    return tuple(out)


@dataclass(frozen=True)
class MethodSpec:
    """A complete, validated methodology for one build of the index.

    Every field has a default; :func:`default_spec` explains why each default was chosen.

    Attributes
    ----------
    indicators : tuple of str or None
        Indicator ids to use. ``None`` = every indicator whose component is not ``context``.
    exclude_indicators : tuple of str
        Indicator ids removed from the selection (applied after ``indicators``).
    components : tuple of str or None
        Restrict the index to these component ids (``None`` = every component of the edition's
        framework). Checked against the edition when the spec meets the data.
    exclude_proxies : bool
        Drop indicators flagged ``is_proxy`` in ``indicators.csv``.
    near_duplicates : str
        One of :data:`NEAR_DUPLICATES`. For each pair of near-duplicate indicators in the data
        (:data:`ldi_helpers.data.near_duplicates.DEFAULT_ALTERNATIVES`, both selected), ``keep_one`` leaves
        the alternative out, ``use_alternative`` leaves the default measure out, ``keep_both``
        keeps both.
    denominators : tuple of (indicator_id, denominator_id, scale)
        Denomination (step 2): the indicator's value is divided by the value of the denominator,
        a ``context`` indicator of the data (e.g. population), for the same area and period,
        then multiplied by ``scale``: ``value / denominator * scale``, in the indicator's unit
        per ``1/scale`` of the denominator's unit. If the denominator has no value at that
        period, its latest earlier period is used (logged). Accepts a mapping
        ``{indicator_id: denominator_id}`` (scale 1) or ``{indicator_id: [denominator_id,
        scale]}``, e.g. ``{"berd_total_gbp_million": ["population", 1e6]}`` (pounds per
        person). Goalposts of a denominated indicator are in the denominated unit.
    periods : tuple of (indicator_id, period)
        Period overrides; an indicator not listed uses its ``default_period``. Accepts a dict.
    geography : str or None
        Geography level of the areas ranked (``None`` = the edition's own level, from its
        ``edition.yaml``); checked against the data.
    indicator_coverage : float
        Minimum share (0-1) of areas with a value for an indicator to be kept (screening).
    area_coverage : float
        Minimum share (0-1) of the kept indicators an area must have to be ranked (screening).
    imputation : str
        One of :data:`IMPUTATIONS`.
    treatment : str
        One of :data:`TREATMENTS`.
    skew_threshold, kurtosis_threshold : float
        An indicator is flagged for treatment when |sample skewness| > ``skew_threshold`` and
        sample excess kurtosis > ``kurtosis_threshold``.
    max_winsorised : int
        Most points per indicator that winsorisation may change.
    normalisation : str
        One of :data:`NORMALISATIONS`.
    goalposts : tuple of (indicator_id, low, high)
        Fixed goalposts in the indicator's unit (``goalposts`` normalisation). An indicator not
        listed uses the minimum and maximum over all periods in the curated data.
    indicator_weighting : str
        One of :data:`INDICATOR_WEIGHTINGS`.
    indicator_weights : tuple of (indicator_id, weight)
        Relative weights for ``indicator_weighting="custom"``; unlisted indicators weigh 1. Weights
        are renormalised to sum to 1 within each component. ``framework`` (the default) uses the
        edition's indicator weights (all 1 in the LDI edition, i.e. equal).
    component_weighting : str
        One of :data:`COMPONENT_WEIGHTINGS`.
    component_weights : tuple of (component_id, weight)
        Relative weights for ``component_weighting="custom"``; unlisted components weigh 1;
        renormalised to sum to 1 over the components of each parent aggregate. ``framework``
        (the default) uses the edition's framework weights (all 1 in the LDI edition). Levels
        above the components always use the framework weights.
    component_aggregation : str
        One of :data:`COMPONENT_AGGREGATIONS` (indicators -> component score).
    composite_aggregation : str
        One of :data:`COMPOSITE_AGGREGATIONS` (component scores -> composite). In a framework with
        levels between the components and the index, every level above the components uses it
        too, except that Copeland (an ordinal count) is used only for the index itself and the
        levels below it use the arithmetic mean.
    generalised_mean_power : float
        Power ``p`` of the ``generalised`` aggregation (either level), the weighted power mean
        ``(sum w x^p / sum w)^(1/p)`` taken on the floor-1 scale like the geometric mean
        (:mod:`ldi_helpers.method.aggregate`). Default 2 (quadratic mean, rewards high scores); 1 =
        arithmetic, 0 = geometric, -1 = harmonic; ``|p| <= 20``. Unused by the other rules.
    rank_ties : str
        One of :data:`RANK_TIES`; scores equal within the score tolerance
        (:func:`ldi_helpers.method.aggregate.scores_tie`: 1e-9 absolute plus 1e-9 relative) are ties.
    """

    indicators: tuple[str, ...] | None = None
    exclude_indicators: tuple[str, ...] = ()
    components: tuple[str, ...] | None = None
    exclude_proxies: bool = False
    near_duplicates: str = "keep_one"
    denominators: tuple[tuple[str, str, float], ...] = ()
    periods: tuple[tuple[str, str], ...] = ()
    geography: str | None = None
    indicator_coverage: float = 0.65
    area_coverage: float = 0.65
    imputation: str = "none"
    treatment: str = "winsorise"
    skew_threshold: float = 2.0
    kurtosis_threshold: float = 3.5
    max_winsorised: int = 2
    normalisation: str = "minmax"
    goalposts: tuple[tuple[str, float, float], ...] = ()
    indicator_weighting: str = "framework"
    indicator_weights: tuple[tuple[str, float], ...] = ()
    component_weighting: str = "framework"
    component_weights: tuple[tuple[str, float], ...] = ()
    component_aggregation: str = "arithmetic"
    composite_aggregation: str = "arithmetic"
    generalised_mean_power: float = 2.0
    rank_ties: str = "min"

    def __post_init__(self) -> None:
        s = object.__setattr__
        if self.indicators is not None:
            s(self, "indicators", _str_tuple("indicators", self.indicators))
            if not self.indicators:
                raise SpecError("spec field 'indicators' is empty; list at least one indicator "
                                "id or use null for all non-context indicators")
        s(self, "exclude_indicators", _str_tuple("exclude_indicators", self.exclude_indicators))
        if self.components is not None:
            comps = _str_tuple("components", self.components)
            if not comps:
                raise SpecError("spec field 'components' is empty; list at least one component "
                                "id of the edition's framework or use null for all")
            s(self, "components", comps)
        if not isinstance(self.exclude_proxies, bool):
            raise SpecError(f"spec field 'exclude_proxies' must be true or false, "
                            f"got {self.exclude_proxies!r}")
        _choice("near_duplicates", self.near_duplicates, NEAR_DUPLICATES)
        s(self, "denominators", _denominators(self.denominators))
        periods = _pairs("periods", self.periods)
        for p in periods:
            if len(p) != 2 or not isinstance(p[1], str):
                raise SpecError(f"spec field 'periods' must map an indicator id to a period "
                                f"string such as '2022' or '2021/22', got {p!r}")
        s(self, "periods", periods)
        if self.geography is not None and (not isinstance(self.geography, str)
                                           or not self.geography.strip()):
            raise SpecError(f"spec field 'geography' must be a geography level such as 'ITL1' "
                            f"or null for the edition's own, got {self.geography!r}")
        s(self, "indicator_coverage", _fraction("indicator_coverage", self.indicator_coverage))
        s(self, "area_coverage", _fraction("area_coverage", self.area_coverage))
        _choice("imputation", self.imputation, IMPUTATIONS)
        _choice("treatment", self.treatment, TREATMENTS)
        for name in ("skew_threshold", "kurtosis_threshold"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise SpecError(f"spec field {name!r} must be a finite number, got {v!r}")
            s(self, name, float(v))
        mw = self.max_winsorised
        if isinstance(mw, bool) or not isinstance(mw, int) or mw < 0:
            raise SpecError(f"spec field 'max_winsorised' must be an integer >= 0, got {mw!r}")
        _choice("normalisation", self.normalisation, NORMALISATIONS)
        gps = []
        for p in _pairs("goalposts", self.goalposts):
            if len(p) == 2 and not isinstance(p[1], (int, float)):
                p = (p[0], *p[1])
            try:
                k, lo, hi = p
                lo, hi = float(lo), float(hi)
            except (TypeError, ValueError):
                raise SpecError(f"spec field 'goalposts' must map an indicator id to "
                                f"[low, high], got {p!r}") from None
            if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
                raise SpecError(f"spec field 'goalposts': {k!r} needs finite low < high, "
                                f"got [{lo}, {hi}]")
            gps.append((k, lo, hi))
        s(self, "goalposts", tuple(gps))
        _choice("indicator_weighting", self.indicator_weighting, INDICATOR_WEIGHTINGS)
        s(self, "indicator_weights", _weights("indicator_weights", self.indicator_weights))
        _choice("component_weighting", self.component_weighting, COMPONENT_WEIGHTINGS)
        s(self, "component_weights", _weights("component_weights", self.component_weights))
        for name, kind in (("indicator_weights", "indicator_weighting"),
                           ("component_weights", "component_weighting")):
            if getattr(self, name) and getattr(self, kind) != "custom":
                raise SpecError(f"spec field {name!r} is set but {kind!r} is "
                                f"{getattr(self, kind)!r}; set {kind}: custom to use them")
        _choice("component_aggregation", self.component_aggregation, COMPONENT_AGGREGATIONS)
        _choice("composite_aggregation", self.composite_aggregation, COMPOSITE_AGGREGATIONS)
        p = self.generalised_mean_power
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not math.isfinite(p) \
                or abs(p) > 20:
            raise SpecError(f"spec field 'generalised_mean_power' must be a number between -20 "
                            f"and 20 (e.g. 2 for the quadratic mean), got {p!r}")
        s(self, "generalised_mean_power", float(p))
        _choice("rank_ties", self.rank_ties, RANK_TIES)

    # ------------------------------------------------------------------ conversions
    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names of every spec field, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict`` of lists, dicts, strings and numbers (YAML and JSON friendly)."""
        out: dict[str, Any] = {}
        for name in self.field_names():
            v = getattr(self, name)
            if name in ("periods", "indicator_weights", "component_weights"):
                v = {k: w for k, w in v}
            elif name == "denominators":
                v = {k: [d, scale] for k, d, scale in v}
            elif name == "goalposts":
                v = {k: [lo, hi] for k, lo, hi in v}
            elif isinstance(v, tuple):
                v = list(v)
            out[name] = v
        return out

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any] | None, base: MethodSpec | None = None
                  ) -> MethodSpec:
        """Build a spec from a mapping, starting from ``base`` (default :func:`default_spec`).

        Raises
        ------
        SpecError
            A key is not a spec field (the message suggests the closest field), or a value is
            invalid.
        """
        mapping = dict(mapping or {})
        names = cls.field_names()
        unknown = [k for k in mapping if k not in names]
        if unknown:
            k = unknown[0]
            close = difflib.get_close_matches(str(k), names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SpecError(f"unknown spec field {k!r}{hint}; valid fields are: "
                            + ", ".join(names))
        base = base if base is not None else default_spec()
        return dataclasses.replace(base, **mapping)

    def replace(self, **changes: Any) -> MethodSpec:
        """A copy with some fields changed (validated like :meth:`from_dict`)."""
        return MethodSpec.from_dict(changes, base=self)

    def to_yaml(self, path: str | Path | None = None) -> str:
        """YAML text of the spec; also written to ``path`` if given."""
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_yaml(cls, text_or_path: str | Path) -> MethodSpec:
        """Read a spec from YAML text or a ``.yaml``/``.yml`` file (fields not given: defaults)."""
        p = Path(text_or_path) if not isinstance(text_or_path, str) or \
            text_or_path.endswith((".yaml", ".yml")) else None
        text = p.read_text(encoding="utf-8") if p is not None else text_or_path
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecError(f"spec YAML is not valid YAML: {exc}") from None
        if loaded is not None and not isinstance(loaded, Mapping):
            raise SpecError("spec YAML must be a mapping of field: value")
        return cls.from_dict(loaded)

    def describe(self, names: Mapping[str, str] | None = None, data: Any = None) -> str:
        """Readable multi-line "method" box for reports and notebooks.

        One ``"Choice : setting"`` line per methodological choice, in plain English (no spec
        field names or method ids), so the text can be shown to readers who never see the code.

        Parameters
        ----------
        names : mapping, optional
            Indicator id -> display name, used for indicators listed in the spec (selection,
            exclusions, period overrides, custom weights), and aggregate id -> name. Ids are
            shown where a name is not given.
        data : LDIData, optional
            The edition the spec is applied to: its framework gives component names, whether its
            weights are all equal, and its units the "Areas" line.
        """
        names = dict(names or {})
        fw_equal = {"indicator": None, "component": None}
        area_text = {"ITL1": "the 12 ITL1 nations and regions"}.get(self.geography or "",
                                                                      self.geography)
        if data is not None:
            from ..data.framework import framework_of

            fw = framework_of(data)
            names = {**fw.names(), **names}
            comp_w = fw.table.loc[list(fw.components), "weight"].astype(float)
            fw_equal["component"] = bool(comp_w.nunique() <= 1)
            meta = data.indicators
            if "weight" in meta.columns:
                w = meta.loc[meta["component"] != "context", "weight"].astype(float)
                fw_equal["indicator"] = bool(w.nunique() <= 1)
            else:
                fw_equal["indicator"] = True
            ed = getattr(data, "edition", None) or {}
            areas = getattr(data, "areas", None)
            if areas is not None and not (self.geography and self.geography != ed.get(
                    "geography", self.geography)):
                plural = ed.get("unit_word_plural", "areas")
                area_text = (f"the {len(areas)} {plural} of the edition"
                             + (f" ({ed['geography']})" if ed.get("geography") else ""))
        if area_text is None:
            area_text = "the edition's areas"

        def ind(i: str) -> str:
            return names.get(i, i)

        def comp(c: str) -> str:
            return names.get(c, COMPONENTS.get(c, c))

        def listing(pairs, label) -> str:
            return "; ".join(f"{label(k)}: {v}" for k, v in pairs)

        def weight(w: float) -> str:
            return f"{w:g}"

        imputation = {
            "none": "none (a missing value is left out and the region's other indicators count "
                    "for more)",
            "indicator_mean": "indicator mean (average of the other regions)",
            "indicator_median": "indicator median (median of the other regions)",
            "group_mean": "group mean (average of the other English regions, or of the other "
                          "nations)",
            "component_mean": "component mean (the region's average on the other indicators of "
                              "the component)",
            "component_median": "component median (the region's median on the other indicators "
                                "of the component)",
        }
        treatment = {"none": "none", "winsorise": "winsorise (extreme values pulled in)",
                     "log": "logarithmic transform",
                     "boxcox": "Box-Cox transform (power chosen by maximum likelihood; order of "
                               "the regions kept)"}
        normalisation = {
            "minmax": "min-max 0-100 (best region 100, worst 0)",
            "zscore": "z-score (distance from the average in standard deviations)",
            "rank": "rank (position among the regions)",
            "distance_to_median": "distance to median (relative to the median region)",
            "goalposts": "goalposts (fixed lower and upper bounds)",
        }
        aggregation = {"arithmetic": "arithmetic mean",
                       "geometric": "geometric mean (taken on scores raised so the lowest is at "
                                    "least 1, i.e. 1-101 for 0-100 scores, then shifted back)",
                       "harmonic": "harmonic mean (taken on scores raised so the lowest is at "
                                   "least 1, then shifted back; a low score weighs more)",
                       "generalised": f"generalised mean with power "
                                      f"{self.generalised_mean_power:g} (taken on scores raised "
                                      "so the lowest is at least 1, then shifted back)",
                       "copeland": "Copeland (pairwise wins and losses)"}
        ties = {"min": "tied regions share the better rank",
                "max": "tied regions share the worse rank",
                "average": "tied regions share the average of their ranks",
                "dense": "tied regions share the better rank, and the next rank is not skipped"}

        inds = ("all indicators of the components (not the context measures)"
                if self.indicators is None else ", ".join(map(ind, self.indicators)))
        lines = [
            f"Indicators       : {inds}, each at its default period"
            + (f" (except {listing(self.periods, ind)})" if self.periods else ""),
        ]
        if self.exclude_indicators:
            lines.append(f"Excluded         : {', '.join(map(ind, self.exclude_indicators))}")
        if self.denominators:
            lines.append("Denominators     : " + "; ".join(
                f"{ind(k)} divided by {ind(d)}" + (f" (x {sc:g})" if sc != 1 else "")
                for k, d, sc in self.denominators)
                + " - same area and period, else the denominator's latest earlier period")
        if self.components is not None:
            lines.append(f"Components       : {', '.join(map(comp, self.components))}")
        def fw_text(kind: str) -> str:
            eq = fw_equal[kind]
            return "as set in the edition's framework" + (" (all equal)" if eq else
                                                           "" if eq is None else " (unequal)")

        iw = {"equal": "equal within each component", "custom": "custom",
              "pca": "statistical (principal components)", "framework": fw_text("indicator")}
        cw = {"equal": "equal", "custom": "custom", "framework": fw_text("component")}
        dup = {"keep_one": "one measure per concept (of two near-identical measures, the "
                           "default one is used)",
               "use_alternative": "one measure per concept (the alternative measure of each "
                                  "near-identical pair is used)",
               "keep_both": "both measures of each near-identical pair kept (the concept "
                            "counts twice)"}
        own = []
        if data is not None:
            meta = data.indicators
            for col, words, kind in (("normalisation", normalisation, "normalisation"),
                                     ("treatment", treatment, "outlier treatment")):
                if col not in meta.columns:
                    continue
                for i, v in zip(meta["indicator_id"], meta[col]):
                    if isinstance(v, str) and v.strip():
                        w = words.get(v.strip(), v.strip()).split(" (")[0]
                        own.append(f"{ind(i)}: {w} ({kind})")
        if own:
            lines.append("Own methods      : " + "; ".join(own) + " - set for these indicators "
                         "in the edition, whatever the choices below")
        lines += [
            f"Proxy indicators : {'excluded' if self.exclude_proxies else 'included'}",
            f"Near-duplicates  : {dup[self.near_duplicates]}",
            f"Areas            : {area_text}",
            f"Screening        : indicator kept if at least {self.indicator_coverage:.0%} of areas "
            f"have data; area kept if it has at least {self.area_coverage:.0%} of indicators",
            f"Imputation       : {imputation.get(self.imputation, self.imputation)}",
            f"Outliers         : {treatment.get(self.treatment, self.treatment)}"
            + (f", when skewness is above {self.skew_threshold:g} (either direction) and "
               f"kurtosis above {self.kurtosis_threshold:g}"
               if self.treatment != "none" else "")
            + (f"; at most {self.max_winsorised} "
               f"{'value' if self.max_winsorised == 1 else 'values'} changed per indicator"
               if self.treatment in ("winsorise", "log") else ""),
            f"Normalisation    : {normalisation.get(self.normalisation, self.normalisation)}",
            f"Indicator weights: {iw.get(self.indicator_weighting, self.indicator_weighting)}"
            + (f" ({listing(((k, weight(w)) for k, w in self.indicator_weights), ind)}; "
               "others 1)" if self.indicator_weights else ""),
            f"Component weights: {cw.get(self.component_weighting, self.component_weighting)}"
            + (f" ({listing(((k, weight(w)) for k, w in self.component_weights), comp)}; "
               "others 1)" if self.component_weights else ""),
            f"Aggregation      : "
            f"{aggregation.get(self.component_aggregation, self.component_aggregation)} of "
            f"indicators into each component, "
            f"{aggregation.get(self.composite_aggregation, self.composite_aggregation)} of "
            "components into the index",
            f"Ranks            : 1 = best; {ties.get(self.rank_ties, self.rank_ties)}",
        ]
        return "\n".join(lines)


def default_spec() -> MethodSpec:
    """The default methodology, and why each choice is defensible.

    techUK never published the indicators or weights behind its 2023 ranks, so nothing here is
    tuned to reproduce them; each choice is the documented default of the JRC/OECD *Handbook on
    Constructing Composite Indicators* (2008) and the JRC's COINr, or the most conservative option
    where the data are thin.

    - **Indicators**: every indicator of the eight components (not ``context``) at its
      ``default_period`` (the latest period with the best coverage, chosen when the data were
      curated). Proxies are *included* (``exclude_proxies=False``): several components are only
      measured by proxies, and excluding them would empty those components; the notebooks label
      proxies wherever they are shown, and the switch lets a user test their influence.
    - **Near-duplicates "keep_one"**: two indicators that measure one concept almost identically
      (|Spearman| >= 0.95 across the areas, e.g. adults who used the internet recently and those
      who never did) would count that concept twice; the default keeps one of each pair by the
      rule stated in :mod:`ldi_helpers.data.near_duplicates` and the sensitivity analysis tries the other.
    - **Screening 0.65 / 0.65**: the JRC's usual data-availability threshold, per indicator and
      per area: an indicator missing in more than about a third of areas is dropped rather than
      imputed, and so is an area missing more than a third of the indicators.
    - **Imputation "none"**: the workbench never invents a value; a missing cell is left out and
      the weights of the area's remaining indicators are renormalised (the JRC's "available case"
      aggregation). Imputation methods exist for sensitivity analysis.
    - **Outliers "winsorise", |skew| > 2 and kurtosis > 3.5, at most 2 points**: COINr's rule.
      With only 12 areas, 2 points (one in six) is the most that can be changed before the
      indicator's shape is driven by the treatment rather than the data; London's outlying values
      are the typical case.
    - **Normalisation "minmax" (0-100)**: the JRC default; readable (best area 100, worst 0) and
      keeps the relative distances between areas, unlike ranks.
    - **Weights "framework"** within and across components: the weights the edition's framework
      sets. In the LDI edition they are all equal: there is no published evidence on the relative
      importance of the eight components, and with 12 areas statistical (PCA) weights are
      unstable; equal weights are the transparent baseline the sensitivity analysis perturbs.
    - **Aggregation "arithmetic"** at both levels: transparent and what readers expect of an
      index; its full compensability is tested against the geometric mean and the Copeland
      outranking rule in the sensitivity analysis.
    - **Ranks**: 1 = best; tied scores share the smallest rank ("min", as in sports tables).
    """
    return MethodSpec()


def coerce_spec(spec: MethodSpec | Mapping[str, Any] | str | Path | None) -> MethodSpec:
    """Accept a spec, a mapping of overrides, YAML text / path, or ``None`` (default spec)."""
    if spec is None:
        return default_spec()
    if isinstance(spec, MethodSpec):
        return spec
    if isinstance(spec, Mapping):
        return MethodSpec.from_dict(spec)
    if isinstance(spec, (str, Path)):
        return MethodSpec.from_yaml(spec)
    raise SpecError(f"a spec must be a MethodSpec, a mapping or YAML, got {type(spec).__name__}")


__all__ = [
    "MethodSpec", "default_spec", "coerce_spec", "IMPUTATIONS", "TREATMENTS", "NORMALISATIONS",
    "INDICATOR_WEIGHTINGS", "COMPONENT_WEIGHTINGS", "COMPONENT_AGGREGATIONS",
    "COMPOSITE_AGGREGATIONS", "RANK_TIES", "GEOGRAPHIES", "NEAR_DUPLICATES",
]
