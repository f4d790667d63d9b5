"""The uncertain inputs of the index: named, documented factors with their distributions.

Uncertainty and sensitivity analysis (step 9 of the JRC/OECD method) treat every methodological
choice that a reasonable analyst could make differently as a *factor*: a random input with a stated
distribution. Each factor is driven by one or more columns of a unit hypercube ``U`` in [0, 1)^D, so
one sampling design (plain Monte Carlo or a Sobol'/Saltelli design) serves every analysis:

* :class:`ChoiceFactor` -- a discrete choice (normalisation method, aggregation rule, imputation,
  outlier treatment, coverage threshold, period, inclusion of a proxy indicator). One uniform
  column is mapped to ``k`` alternatives by equal bins, ``code = floor(u * k)``, as COINr does, so
  every alternative has probability ``1/k``.
* :class:`WeightsFactor` -- a weight vector perturbed around its default value. ``k`` uniform
  columns, either each weight times ``U(1 - spread, 1 + spread)`` then renormalised to sum to one
  (``method="uniform"``), or a Dirichlet draw centred on the default weights with concentration
  ``concentration`` (``method="dirichlet"``, built from the gamma quantile function of each column).
* :class:`UniformFactor` -- a continuous input uniform on ``[low, high]`` (used by the known-answer
  tests, e.g. the Ishigami function).

A :class:`FactorSet` is an ordered collection; it produces the SALib ``problem`` (one *group* per
factor, so a weight vector counts as one factor in the Sobol' indices), draws seeded Monte Carlo
designs and decodes a design into per-sample settings, a ``dict`` mapping each factor name to an
array with one entry (or one row) per sample.

The default factor set for the Local Digital Index is built by :func:`default_factors` from the data
and a methodology specification, and :func:`spec_for_sample` turns one sampled row into a
:class:`~ldi_helpers.method.spec.MethodSpec` (the per-sample reference the vectorised engine is checked
against).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..errors import LDIError


class FactorError(LDIError):
    """A factor or factor set is mis-specified (unknown name, bad bounds, bad design shape)."""


def equal_bins(u: np.ndarray, k: int) -> np.ndarray:
    """Map uniform values in [0, 1] to integer codes ``0 .. k-1`` by ``k`` equal bins.

    Parameters
    ----------
    u : array of float
        Values in [0, 1]; ``u == 1`` falls in the last bin.
    k : int
        Number of alternatives (>= 1).

    Returns
    -------
    array of int64, same shape as ``u``.
    """
    if k < 1:
        raise FactorError(f"a choice needs at least one alternative, got k={k}")
    u = np.asarray(u, dtype=float)
    if u.size and (np.nanmin(u) < 0.0 or np.nanmax(u) > 1.0 or np.isnan(u).any()):
        raise FactorError("design values must lie in [0, 1]; pass a unit-hypercube design")
    return np.minimum((u * k).astype(np.int64), k - 1)


@dataclass(frozen=True)
class Factor:
    """Base class: one uncertain input, driven by ``size`` columns of the unit hypercube.

    Attributes
    ----------
    name : str
        Identifier, unique within a :class:`FactorSet` (e.g. ``"normalisation"``).
    label : str
        Plain-English label for tables and charts.
    description : str
        What the factor is, which alternatives it covers and why they are defensible.
    """

    name: str
    label: str
    description: str

    @property
    def size(self) -> int:
        """Number of unit-hypercube columns this factor consumes."""
        return 1

    @property
    def column_names(self) -> list[str]:
        """Names of this factor's design columns (``name`` or ``name[entry]``)."""
        return [self.name]

    def decode(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Map an ``(n, size)`` block of the unit hypercube to ``n`` settings."""
        raise NotImplementedError

    def nominal(self) -> Any:
        """The setting used by the default methodology."""
        raise NotImplementedError  # pragma: no cover

    def distribution(self) -> str:
        """One-line description of the distribution (for the assumptions table)."""
        raise NotImplementedError  # pragma: no cover


@dataclass(frozen=True)
class ChoiceFactor(Factor):
    """A discrete choice among ``choices``, each with probability ``1/len(choices)``.

    ``decode`` returns integer codes (indices into ``choices``); :meth:`values` maps codes to the
    choices themselves.

    Attributes
    ----------
    choices : tuple
        The alternatives (method names, thresholds, ``True``/``False`` for inclusion, periods).
    default : object
        The alternative used by the default methodology; must be one of ``choices``.
    """

    choices: tuple = ()
    default: Any = None
    choice_labels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.choice_labels is not None and len(self.choice_labels) != len(self.choices):
            raise FactorError(f"factor {self.name!r}: {len(self.choice_labels)} labels for "
                              f"{len(self.choices)} choices")
        if len(self.choices) < 1:
            raise FactorError(f"factor {self.name!r} has no choices")
        if len(set(map(repr, self.choices))) != len(self.choices):
            raise FactorError(f"factor {self.name!r} lists a choice twice: {self.choices}")
        if self.default not in self.choices:
            raise FactorError(
                f"factor {self.name!r}: default {self.default!r} is not one of its choices "
                f"{list(self.choices)}"
            )

    def decode(self, u: np.ndarray) -> np.ndarray:
        """Codes ``0 .. k-1`` by equal bins of the single column of ``u``."""
        u = np.asarray(u, dtype=float).reshape(len(u), -1)
        return equal_bins(u[:, 0], len(self.choices))

    @property
    def labels(self) -> tuple[str, ...]:
        """Display labels of the choices (``str`` of each choice unless given)."""
        return self.choice_labels if self.choice_labels is not None else tuple(map(str, self.choices))

    def values(self, codes: np.ndarray) -> np.ndarray:
        """The choices selected by ``codes`` (object array)."""
        out = np.empty(len(codes), dtype=object)
        out[:] = [self.choices[int(c)] for c in codes]
        return out

    def nominal(self) -> int:
        """Code of the default choice."""
        return self.choices.index(self.default)

    def distribution(self) -> str:
        return "equal probability: " + ", ".join(self.labels)


@dataclass(frozen=True)
class UniformFactor(Factor):
    """A continuous input uniform on ``[low, high]``.

    Attributes
    ----------
    low, high : float
        Bounds, ``low < high``.
    default : float or None
        Nominal value; the midpoint when ``None``.
    """

    low: float = 0.0
    high: float = 1.0
    default: float | None = None

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise FactorError(f"factor {self.name!r}: need low < high, got [{self.low}, {self.high}]")

    def decode(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float).reshape(len(u), -1)[:, 0]
        return self.low + (self.high - self.low) * u

    def nominal(self) -> float:
        return 0.5 * (self.low + self.high) if self.default is None else float(self.default)

    def distribution(self) -> str:
        return f"uniform on [{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class WeightsFactor(Factor):
    """A weight vector perturbed around ``base`` and renormalised to sum to one.

    Attributes
    ----------
    entries : tuple of str
        What each weight applies to (component or indicator ids), in order.
    base : tuple of float
        Default weights (non-negative, positive sum); renormalised to sum to one.
    method : {"uniform", "dirichlet"}
        ``"uniform"``: ``w_i * U(1 - spread, 1 + spread)``, then divided by the sum.
        ``"dirichlet"``: Dirichlet with parameters ``concentration * base_i`` (mean = base),
        drawn as independent gamma quantiles of each column, divided by their sum.
    spread : float
        Relative half-width of the uniform perturbation, in [0, 1] (0.25 = +/-25 %).
    concentration : float
        Dirichlet concentration (sum of parameters); larger is tighter around ``base``.
    """

    entries: tuple[str, ...] = ()
    base: tuple[float, ...] = ()
    method: str = "uniform"
    spread: float = 0.25
    concentration: float = 50.0

    def __post_init__(self) -> None:
        if len(self.entries) != len(self.base) or not self.entries:
            raise FactorError(
                f"factor {self.name!r}: entries ({len(self.entries)}) and base weights "
                f"({len(self.base)}) must be non-empty and of equal length"
            )
        b = np.asarray(self.base, dtype=float)
        if (b < 0).any() or not b.sum() > 0:
            raise FactorError(f"factor {self.name!r}: base weights must be >= 0 with a positive sum")
        if self.method not in ("uniform", "dirichlet"):
            raise FactorError(
                f"factor {self.name!r}: unknown method {self.method!r}; valid: 'uniform', 'dirichlet'"
            )
        if not 0.0 <= self.spread <= 1.0:
            raise FactorError(f"factor {self.name!r}: spread must be in [0, 1], got {self.spread}")
        if not self.concentration > 0:
            raise FactorError(f"factor {self.name!r}: concentration must be > 0")

    @property
    def size(self) -> int:
        return len(self.entries)

    @property
    def column_names(self) -> list[str]:
        return [f"{self.name}[{e}]" for e in self.entries]

    def decode(self, u: np.ndarray) -> np.ndarray:
        """``(n, k)`` weights, rows summing to one."""
        u = np.asarray(u, dtype=float).reshape(len(u), self.size)
        b = np.asarray(self.base, dtype=float)
        b = b / b.sum()
        if self.method == "uniform":
            w = b * (1.0 - self.spread + 2.0 * self.spread * u)
        else:
            alpha = self.concentration * b
            # Quantiles in the open interval so that u = 0 or 1 stays finite; zero-weight entries
            # (alpha = 0) stay at zero.
            uu = np.clip(u, 1e-12, 1.0 - 1e-12)
            from scipy import stats  # here: importing scipy.stats costs every user 0.7 s

            w = np.zeros_like(uu)
            pos = alpha > 0
            w[:, pos] = stats.gamma.ppf(uu[:, pos], alpha[pos])
        total = w.sum(axis=1, keepdims=True)
        return w / total

    def nominal(self) -> np.ndarray:
        b = np.asarray(self.base, dtype=float)
        return b / b.sum()

    def distribution(self) -> str:
        if self.method == "uniform":
            return f"each weight x U({1 - self.spread:g}, {1 + self.spread:g}), renormalised"
        return f"Dirichlet centred on the default weights, concentration {self.concentration:g}"


#: The alternatives the uncertainty analysis samples for the aggregation and treatment factors.
#: Explicit (not the spec's full tuples) so that adding a method to the spec (harmonic and
#: generalised means, Box-Cox) does not change the Monte Carlo design or its results; a spec
#: whose own choice is a newer method gets it appended (:func:`_sampled`).
SAMPLED_COMPOSITE_AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric", "copeland")
SAMPLED_COMPONENT_AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric")
SAMPLED_TREATMENTS: tuple[str, ...] = ("none", "winsorise", "log")


def _sampled(choices: tuple, default) -> tuple:
    """``choices``, plus the spec's own ``default`` at the end if it is not among them."""
    return choices if default in choices else choices + (default,)


#: Reader words for the method ids among the choices of a factor (``FactorSet.table``). Choices not
#: listed (``rank``, ``goalposts``, ``arithmetic``, thresholds) are shown as they are.
CHOICE_WORDS: dict[str, str] = {
    "minmax": "min-max", "zscore": "z-score", "distance_to_median": "distance to median",
    "copeland": "Copeland (pairwise wins)", "indicator_mean": "indicator mean",
    "indicator_median": "indicator median", "group_mean": "group mean",
    "component_mean": "component mean", "component_median": "component median",
    "log": "logarithmic transform", "boxcox": "Box-Cox transform", "harmonic": "harmonic mean",
    "generalised": "generalised (power) mean",
}


def _choice_words(f: "ChoiceFactor") -> list[str]:
    """Reader labels of a choice factor's alternatives (its own labels when it has them)."""
    if f.choice_labels is not None:
        return list(f.choice_labels)
    return [CHOICE_WORDS.get(str(c), str(c)) for c in f.choices]


@dataclass(frozen=True)
class FactorSet:
    """An ordered, named collection of factors: the uncertain inputs of one analysis.

    Attributes
    ----------
    factors : tuple of Factor
    """

    factors: tuple[Factor, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        names = [f.name for f in self.factors]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise FactorError(f"factor names must be unique; repeated: {dup}")

    # --- introspection -------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """Factor names in order."""
        return [f.name for f in self.factors]

    @property
    def dimension(self) -> int:
        """Total number of unit-hypercube columns (D)."""
        return sum(f.size for f in self.factors)

    def __len__(self) -> int:
        return len(self.factors)

    def __iter__(self):
        return iter(self.factors)

    def __getitem__(self, name: str) -> Factor:
        for f in self.factors:
            if f.name == name:
                return f
        raise FactorError(f"unknown factor {name!r}; valid factors are: {', '.join(self.names)}")

    def select(self, names: Iterable[str] | None) -> "FactorSet":
        """The sub-set with these factor names (in this set's order); all factors for ``None``."""
        if names is None:
            return self
        names = list(names)
        for n in names:
            self[n]  # raises with the valid names
        return FactorSet(tuple(f for f in self.factors if f.name in names))

    def column_slices(self) -> dict[str, slice]:
        """Factor name -> slice of its columns in a design."""
        out, start = {}, 0
        for f in self.factors:
            out[f.name] = slice(start, start + f.size)
            start += f.size
        return out

    def problem(self) -> dict:
        """The SALib problem: unit bounds, one group per factor (weights count as one factor)."""
        cols, groups = [], []
        for f in self.factors:
            cols += f.column_names
            groups += [f.name] * f.size
        return {
            "num_vars": len(cols),
            "names": cols,
            "bounds": [[0.0, 1.0]] * len(cols),
            "groups": groups,
        }

    def table(self, names: Mapping[str, str] | None = None) -> "Any":
        """A tidy table of the factors: name, label, distribution, nominal setting, description.

        The ``label``, ``distribution``, ``nominal`` and ``description`` columns are reader text:
        method choices in words (:data:`CHOICE_WORDS`, e.g. ``"min-max"`` for ``"minmax"``),
        weights shown as ``"equal weights"`` when they are all equal, and components by name.

        Parameters
        ----------
        names : mapping, optional
            Indicator id -> display name, for unequal indicator weights (ids otherwise).
        """
        import pandas as pd

        from ..data.components import COMPONENTS

        names = {**COMPONENTS, **dict(names or {})}   # LDI component names unless given
        rows = []
        for f in self.factors:
            nominal = f.nominal()
            distribution = f.distribution()
            if isinstance(f, ChoiceFactor):
                words = _choice_words(f)
                nominal = words[nominal]
                distribution = "each equally likely: " + ", ".join(words)
            elif isinstance(f, WeightsFactor):
                w = np.asarray(nominal, dtype=float)
                nominal = ("equal weights" if np.allclose(w, w[0]) else
                           ", ".join(f"{names.get(e, e)}: {x:.3f}" for e, x in zip(f.entries, w)))
                if f.method == "uniform":
                    distribution = (f"each weight multiplied by a random factor between "
                                    f"{1 - f.spread:g} and {1 + f.spread:g}, then rescaled to "
                                    "sum to one")
                else:
                    distribution = ("random weights centred on the default weights (Dirichlet, "
                                    f"concentration {f.concentration:g})")
            rows.append(
                {
                    "factor": f.name,
                    "label": f.label,
                    "distribution": distribution,
                    "nominal": nominal,
                    "description": f.description,
                }
            )
        return pd.DataFrame(rows, columns=["factor", "label", "distribution", "nominal", "description"])

    # --- designs -------------------------------------------------------------------------------
    def sample(self, n: int, seed: int | np.random.Generator) -> np.ndarray:
        """Plain Monte Carlo design: ``(n, D)`` independent U(0, 1) values from a seeded Generator."""
        if int(n) < 1:
            raise FactorError(f"sample size must be >= 1, got {n}")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        return rng.random((int(n), self.dimension))

    def nominal_design(self) -> dict[str, np.ndarray]:
        """Settings of the default methodology, as a one-sample decoded design."""
        out: dict[str, np.ndarray] = {}
        for f in self.factors:
            nom = f.nominal()
            if isinstance(f, WeightsFactor):
                out[f.name] = np.asarray(nom, dtype=float)[None, :]
            elif isinstance(f, ChoiceFactor):
                out[f.name] = np.array([nom], dtype=np.int64)
            else:
                out[f.name] = np.array([nom], dtype=float)
        return out

    def decode(self, design: np.ndarray) -> dict[str, np.ndarray]:
        """Map a unit-hypercube design ``(n, D)`` to per-sample settings.

        Returns
        -------
        dict
            Factor name -> ``(n,)`` integer codes (choices), ``(n,)`` floats (uniform) or
            ``(n, k)`` weights (rows sum to one).
        """
        design = np.asarray(design, dtype=float)
        if design.ndim != 2 or design.shape[1] != self.dimension:
            raise FactorError(
                f"design has shape {design.shape}; expected (n, {self.dimension}) for factors "
                f"{self.names}"
            )
        sl = self.column_slices()
        return {f.name: f.decode(design[:, sl[f.name]]) for f in self.factors}


def choice(name: str, label: str, description: str, choices: Sequence, default: Any) -> ChoiceFactor:
    """Shorthand for :class:`ChoiceFactor`."""
    return ChoiceFactor(name=name, label=label, description=description,
                        choices=tuple(choices), default=default)


# ------------------------------------------------------------------------------------------------
# The Local Digital Index: factors as alternative settings of a methodology specification
# ------------------------------------------------------------------------------------------------

#: Factors that set the spec field of the same name to the chosen alternative.
SPEC_CHOICE_FIELDS: tuple[str, ...] = (
    "normalisation", "composite_aggregation", "component_aggregation", "imputation", "treatment",
    "indicator_coverage", "near_duplicates",
)
#: Prefix of the factor that switches one proxy indicator on or off (``include:<indicator_id>``).
INCLUDE_PREFIX = "include:"

#: Relative half-width of the default weight perturbation: each weight x U(0.75, 1.25), the
#: +/-25 % used in the JRC's statistical audits of composite indicators.
DEFAULT_WEIGHT_SPREAD = 0.25
#: Alternative indicator-coverage thresholds (share of the 12 regions with data): around the JRC's
#: 0.65, up to 1.0 = "only indicators observed in every region".
DEFAULT_COVERAGE_CHOICES: tuple[float, ...] = (0.5, 0.65, 0.8, 1.0)


def _is_true(v: Any) -> bool:
    return str(v).strip().lower() in ("true", "1", "yes")


def alternative_periods(data: Any, spec: Any = None) -> dict[str, str]:
    """For each indicator with several periods, the alternative period the ``period`` factor uses.

    The alternative is the period nearest to the default period (in sorted order; the earlier one
    on a tie) among the other periods observed in at least ``spec.indicator_coverage`` of the areas.
    Indicators with a single usable period are left out.

    Parameters
    ----------
    data : LDIData
        Needs ``indicators`` (indicator_id, component, default_period) and ``values``
        (area_code, indicator_id, period, value).
    spec : MethodSpec, optional
        Default: :func:`ldi_helpers.method.spec.default_spec`.
    """
    from ..method.spec import coerce_spec

    spec = coerce_spec(spec)
    meta = data.indicators.set_index("indicator_id")
    vals = data.values
    n_areas = max(1, vals["area_code"].nunique())
    used = set(_spec_indicators(data, spec))
    out: dict[str, str] = {}
    overrides = dict(spec.periods)
    for ind, grp in vals[vals["indicator_id"].isin(used)].groupby("indicator_id", sort=True):
        counts = grp.dropna(subset=["value"]).groupby("period")["area_code"].nunique()
        default = overrides.get(ind, str(meta.loc[ind, "default_period"]))
        periods = sorted(str(p) for p in counts.index)
        ok = [p for p in periods if p != default and counts[p] / n_areas >= spec.indicator_coverage]
        if not ok or default not in periods:
            continue
        pos = periods.index(default)
        out[ind] = min(ok, key=lambda p: (abs(periods.index(p) - pos), periods.index(p) > pos))
    return out


def near_duplicate_pairs_in_use(data: Any, spec: Any) -> dict[str, str]:
    """The pairs of :data:`ldi_helpers.data.near_duplicates.DEFAULT_ALTERNATIVES` (default measure ->
    alternative) whose two indicators the spec would select if near-duplicates were kept."""
    from ..data.near_duplicates import DEFAULT_ALTERNATIVES

    both = set(_spec_indicators(data, spec.replace(near_duplicates="keep_both")))
    return {k: a for k, a in DEFAULT_ALTERNATIVES.items() if k in both and a in both}


def stand_ins(data: Any, spec: Any) -> dict[str, str]:
    """Alternative -> default measure of every near-duplicate pair in use: under
    ``near_duplicates="use_alternative"`` the alternative takes over the default measure's
    weight and its proxy switch."""
    return {a: k for k, a in near_duplicate_pairs_in_use(data, spec).items()}


def _ind_name(meta: Any, ind: str) -> str:
    """Display name of an indicator from the metadata (indexed by id), or the id."""
    if "name" in meta.columns and ind in meta.index and str(meta.loc[ind, "name"]).strip():
        return str(meta.loc[ind, "name"])
    return ind


def _spec_indicators(data: Any, spec: Any) -> list[str]:
    """Indicator ids the spec selects before screening (component not 'context', not excluded)."""
    meta = data.indicators
    ids = meta.loc[meta["component"] != "context", "indicator_id"].tolist()
    if spec.indicators is not None:
        ids = [i for i in ids if i in spec.indicators]
    if spec.components is not None:
        comp = meta.set_index("indicator_id")["component"]
        ids = [i for i in ids if comp[i] in spec.components]
    if spec.exclude_proxies:
        proxy = meta.set_index("indicator_id")["is_proxy"].map(_is_true)
        ids = [i for i in ids if not proxy[i]]
    ids = [i for i in ids if i not in spec.exclude_indicators]
    if spec.near_duplicates != "keep_both":
        from ..data.near_duplicates import DEFAULT_ALTERNATIVES

        for kept, alt in DEFAULT_ALTERNATIVES.items():
            if kept in ids and alt in ids:
                ids.remove(alt if spec.near_duplicates == "keep_one" else kept)
    return ids


def default_factors(data: Any, spec: Any = None, weight_spread: float = DEFAULT_WEIGHT_SPREAD,
                    names: Iterable[str] | None = None) -> FactorSet:
    """The default uncertain inputs of the Local Digital Index, around a methodology spec.

    Every factor is a defensible alternative to a choice of the default spec
    (:func:`ldi_helpers.method.spec.default_spec`), each alternative equally likely:

    ``normalisation``
        min-max 0-100, z-score, rank, distance to the median area, fixed goalposts.
    ``composite_aggregation``
        weighted arithmetic (fully compensatory), geometric (partly), Copeland outranking (not
        compensatory).
    ``component_aggregation``
        arithmetic or geometric mean of indicators within a component.
    ``component_weights``
        each component weight x U(1 - s, 1 + s), renormalised (s = ``weight_spread``, 0.25).
    ``indicator_weights``
        each indicator weight within its component x U(1 - s, 1 + s), renormalised.
    ``imputation``
        every imputation method of the engine (the default "none" leaves missing cells out).
    ``treatment``
        outlier treatment: none, winsorise, log transform.
    ``indicator_coverage``
        minimum share of regions with data for an indicator to be kept: 0.5, 0.65, 0.8, 1.0.
    ``include:<indicator_id>``
        one factor per proxy indicator (``is_proxy`` true): kept or left out.
    ``period``
        every indicator with several usable periods at its default period, or all of them at the
        nearest alternative period together (:func:`alternative_periods`).

    Parameters
    ----------
    data : LDIData
    spec : MethodSpec or mapping, optional
        The nominal methodology (default spec when ``None``). Its values are the defaults of the
        factors.
    weight_spread : float
        Relative half-width of the weight perturbations.
    names : iterable of str, optional
        Keep only these factors (in the order above); ``None`` keeps all.

    Returns
    -------
    FactorSet
    """
    from ..method import spec as specmod

    spec = specmod.coerce_spec(spec)
    meta = data.indicators.set_index("indicator_id")
    inds = _spec_indicators(data, spec)
    comps = [c for c in dict.fromkeys(meta.loc[inds, "component"]) if c != "context"]
    from ..data.framework import framework_of

    fw = framework_of(data)
    comps = [c for c in fw.components if c in comps]
    # base weights around which the weight factors vary: the spec's (custom, equal) or the
    # edition's framework weights
    if spec.component_weighting == "custom":
        cw = dict(spec.component_weights)
    elif spec.component_weighting == "framework":
        cw = {c: float(fw.table.at[c, "weight"]) for c in comps}
    else:
        cw = {}
    if spec.indicator_weighting == "custom":
        iw = dict(spec.indicator_weights)
    elif spec.indicator_weighting == "framework" and "weight" in meta.columns:
        iw = {i: float(meta.at[i, "weight"]) for i in inds}
    else:
        iw = {}
    factors: list[Factor] = [
        choice("normalisation", "Normalisation method",
               "How indicators in different units are put on one scale before they are combined.",
               specmod.NORMALISATIONS, spec.normalisation),
        choice("composite_aggregation", "Aggregation of components into the index",
               "Arithmetic mean lets a strength offset a weakness fully; geometric mean only "
               "partly; Copeland counts pairwise wins and losses (no compensation).",
               _sampled(SAMPLED_COMPOSITE_AGGREGATIONS, spec.composite_aggregation),
               spec.composite_aggregation),
        choice("component_aggregation", "Aggregation of indicators into components",
               "Arithmetic or geometric mean of the normalised indicators of a component.",
               _sampled(SAMPLED_COMPONENT_AGGREGATIONS, spec.component_aggregation),
               spec.component_aggregation),
        WeightsFactor("component_weights", "Component weights",
                      "Relative importance of the eight components; no published evidence fixes "
                      "it, so each default weight varies by +/-"
                      f"{weight_spread:.0%} before renormalising.",
                      entries=tuple(comps), base=tuple(float(cw.get(c, 1.0)) for c in comps),
                      spread=weight_spread),
        WeightsFactor("indicator_weights", "Indicator weights within components",
                      f"Each indicator's weight within its component varies by +/-{weight_spread:.0%}"
                      ", then the weights are rescaled to sum to one within each component.",
                      entries=tuple(inds), base=tuple(float(iw.get(i, 1.0)) for i in inds),
                      spread=weight_spread),
        choice("imputation", "Imputation of missing values",
               "Whether and how a region's missing indicator value is filled in before scoring.",
               specmod.IMPUTATIONS, spec.imputation),
        choice("treatment", "Outlier treatment",
               "Skewed indicators (e.g. London's values) are winsorised, log-transformed or left.",
               _sampled(SAMPLED_TREATMENTS, spec.treatment), spec.treatment),
    ]
    pairs = near_duplicate_pairs_in_use(data, spec)
    if pairs and spec.near_duplicates != "keep_both":
        factors.append(ChoiceFactor(
            "near_duplicates", "Measure used for near-identical indicators",
            "Two indicators that measure one concept almost identically are not both used; "
            "either the default measure of each pair or its alternative: "
            + "; ".join(f"{_ind_name(meta, k)} or {_ind_name(meta, a)}"
                        for k, a in pairs.items()) + ".",
            choices=("keep_one", "use_alternative"), default=spec.near_duplicates,
            choice_labels=("default measure", "alternative measure")))
    cov = tuple(sorted(set(DEFAULT_COVERAGE_CHOICES) | {spec.indicator_coverage}))
    factors.append(choice("indicator_coverage", "Data coverage threshold",
                          "Minimum share of regions with data for an indicator to be used.",
                          cov, spec.indicator_coverage))
    proxy = meta["is_proxy"].map(_is_true)
    for ind in inds:
        if proxy[ind]:
            name = str(meta.loc[ind, "name"]) if "name" in meta.columns else ind
            factors.append(ChoiceFactor(
                f"{INCLUDE_PREFIX}{ind}", f"Include proxy: {name}",
                f"Whether the proxy indicator \"{name}\" is used at all.",
                choices=(True, False), default=True, choice_labels=("included", "left out")))
    alt = alternative_periods(data, spec)
    if alt:
        alt_pairs = tuple(sorted(alt.items()))
        factors.append(ChoiceFactor(
            "period", "Data period",
            "Each indicator at its default (latest well-covered) period, or every indicator with "
            "an earlier or later release at its nearest alternative period: "
            + "; ".join(f"{_ind_name(meta, k)}: {v}" for k, v in alt_pairs) + ".",
            choices=((), alt_pairs), default=(), choice_labels=("default", "alternative")))
    fs = FactorSet(tuple(factors))
    return fs.select(names)


def spec_for_sample(factors: FactorSet, settings: Mapping[str, np.ndarray], i: int,
                    base: Any = None, available: Mapping[str, str] | None = None,
                    swap_pairs: Mapping[str, str] | None = None) -> Any:
    """The methodology spec of sample ``i`` of a decoded design (``factors.decode(U)``).

    Factors named in :data:`SPEC_CHOICE_FIELDS` set that spec field; ``component_weights`` and
    ``indicator_weights`` set custom weights; ``period`` overrides the periods. Factors not in the
    set keep their value in ``base``.

    Leaving a proxy out (``include:<id>`` = left out) gives it **weight 0** in its component, the
    way the vectorised engine varies the indicator set (:mod:`ldi_helpers.method.batch`): screening,
    imputation donors and the geometric-mean shift still see the full indicator set, only the
    proxy's contribution to the score is removed. When every indicator of a component that
    survives screening is left out, the component itself gets weight 0 (its indicators keep their
    weights so the component score stays defined). This needs ``available``.

    Parameters
    ----------
    available : mapping, optional
        Indicator id -> component id of the indicators that survive selection and screening under
        this sample's coverage threshold and periods. Required when a proxy is left out.
    swap_pairs : mapping, optional
        Alternative -> default measure (:func:`stand_ins`). When the sample uses the alternative
        of a near-identical pair, the alternative gets the default measure's sampled weight and
        is left out with it.
    """
    from ..method.spec import coerce_spec

    base = coerce_spec(base)
    changes: dict[str, Any] = {}
    iw: dict[str, float] | None = None
    cw: dict[str, float] | None = None
    excluded: list[str] = []
    for f in factors:
        v = settings[f.name][i]
        if f.name in SPEC_CHOICE_FIELDS:
            changes[f.name] = f.choices[int(v)]
        elif f.name == "component_weights":
            cw = {e: float(w) for e, w in zip(f.entries, np.asarray(v))}
        elif f.name == "indicator_weights":
            iw = {e: float(w) for e, w in zip(f.entries, np.asarray(v))}
        elif f.name.startswith(INCLUDE_PREFIX):
            if not f.choices[int(v)]:
                excluded.append(f.name[len(INCLUDE_PREFIX):])
        elif f.name == "period":
            periods = dict(base.periods)
            periods.update(dict(f.choices[int(v)]))
            changes["periods"] = periods
        else:
            raise FactorError(f"factor {f.name!r} does not map to a spec field; spec factors are "
                              f"{', '.join(SPEC_CHOICE_FIELDS)}, component_weights, "
                              f"indicator_weights, {INCLUDE_PREFIX}<indicator_id>, period")
    swap = dict(swap_pairs or {}) if changes.get("near_duplicates",
                                                  base.near_duplicates) == "use_alternative" else {}
    if swap:
        # the alternative measure stands in for the default one: same weight, same switch
        excluded += [alt for alt, kept in swap.items() if kept in excluded]
        if iw is not None:
            iw.update({alt: iw[kept] for alt, kept in swap.items() if kept in iw})
    if excluded:
        if available is None:
            raise FactorError("spec_for_sample: a proxy is left out; pass `available` (indicator "
                              "-> component after screening) so emptied components get weight 0")
        if iw is None:
            if base.indicator_weighting == "pca":
                raise FactorError("proxy inclusion factors need equal or custom indicator "
                                  "weights in the base spec, not 'pca'")
            iw = dict(base.indicator_weights)
        if cw is None:
            cw = dict(base.component_weights)
        kept = dict(iw)
        for ind in excluded:
            iw[ind] = 0.0
        by_comp: dict[str, list[str]] = {}
        for ind, comp in available.items():
            by_comp.setdefault(comp, []).append(ind)
        for comp, inds in by_comp.items():
            if all(iw.get(x, 1.0) == 0.0 for x in inds):
                cw[comp] = 0.0
                for x in inds:
                    if x in kept:
                        iw[x] = kept[x]
                    else:
                        iw.pop(x, None)
    if iw is not None:
        changes["indicator_weighting"] = "custom"
        changes["indicator_weights"] = iw
    if cw is not None and (cw or base.component_weighting == "custom"):
        changes["component_weighting"] = "custom"
        changes["component_weights"] = cw
    return base.replace(**changes)


def included_mask(factors: FactorSet, settings: Mapping[str, np.ndarray],
                  indicators: Sequence[str], stand_in: Mapping[str, str] | None = None
                  ) -> np.ndarray:
    """``(n, len(indicators))`` booleans: False where a sample leaves the indicator out.

    ``stand_in`` maps an indicator (an alternative measure) to the indicator whose switch it
    follows (:func:`stand_ins`).
    """
    n = len(next(iter(settings.values())))
    mask = np.ones((n, len(indicators)), dtype=bool)
    stand_in = dict(stand_in or {})
    pos = {stand_in.get(ind, ind): j for j, ind in enumerate(indicators)}
    for f in factors:
        if f.name.startswith(INCLUDE_PREFIX):
            j = pos.get(f.name[len(INCLUDE_PREFIX):])
            if j is not None:
                mask[:, j] = np.asarray(f.choices, dtype=bool)[settings[f.name]]
    return mask
