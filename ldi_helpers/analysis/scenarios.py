"""Growth scenarios for Digital GVA per person: what if lagging regions caught up with a target?

A :class:`Scenario` is a small frozen, validated record of every assumption behind a figure like
techUK's "£4.8bn a year, over £120bn by 2050". :func:`run_scenario` turns it into a yearly table per
region; :func:`monte_carlo_scenario` adds uncertainty over growth and population; and
:func:`compare_scenarios` sets several scenarios side by side.

The arithmetic, for region r in year t (k = t - start_year, k = 0 in the first year):

* baseline Digital GVA per person ``b[r, t] = v[r] * G[t]``, with ``v`` techUK's published 2023
  value (taken to apply in ``start_year``) and ``G[t] = (1 + g) ** k`` the growth of the whole sector
  (every region grows at the same rate, so the target grows with them);
* the share of the gap closed by year t, ``s[t]``: 1 for ``immediate``; ``(k + 1) / K`` capped at 1
  for ``linear`` and ``geometric``, where ``K = convergence_year - start_year + 1`` (the gap is fully
  closed in ``convergence_year``);
* scenario value ``b + s * (T - v) * G`` (immediate, linear: the gap closes in equal £ steps) or
  ``v * (T / v) ** s * G`` (geometric: the region grows at a constant extra rate until it reaches the
  target ``T``);
* working-age population ``P[r, t] = P2020[r] * (1 + p) ** k`` (ONS mid-2020, aged 16-64);
* uplift ``(scenario - baseline) * P`` in £, discounted to ``start_year`` by ``(1 + d) ** -k``.

Every user-facing problem raises :class:`ScenarioError` naming the field and the valid choices.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import gva
from ..errors import SpecError, UnknownAreaError
from ..data.geography import ITL1_CODES, REGIONS, region_by_code, resolve_area

#: HM Treasury Green Book social time preference rate for years 0-30 (a policy parameter, not a
#: statistic): https://www.gov.uk/government/publications/the-green-book-appraisal-and-evaluation-in-central-government
GREEN_BOOK_DISCOUNT_RATE = 0.035

#: Named targets; ``"region:<name or code>"`` is also accepted.
TARGETS = ("median", "mean", "upper_quartile", "mean_excluding_london")
#: Convergence paths.
CONVERGENCE = ("immediate", "linear", "geometric")
#: Named sources of the baseline growth rate (a number is also accepted: the rate a year).
GROWTH_SOURCES = ("techuk", "estimated")
#: Named population paths (a number is also accepted: the growth rate a year).
POPULATION_PATHS = ("flat", "estimated")
#: Named discount rates (a number >= 0 is also accepted).
DISCOUNT_RATES = {"none": 0.0, "green_book": GREEN_BOOK_DISCOUNT_RATE}
#: Value of ``movers`` that selects every region below the target.
BELOW_TARGET = "below_target"


class ScenarioError(SpecError):
    """A scenario field is unknown or has an invalid value (the message names the valid choices)."""


def _is_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _region_list() -> str:
    return ", ".join(f"{r.name} ({r.itl1_code})" for r in REGIONS)


def _resolve(field_name: str, name) -> str:
    try:
        return resolve_area(str(name)).itl1_code
    except UnknownAreaError as exc:
        raise ScenarioError(f"{field_name}: {exc} Valid regions: {_region_list()}") from None


def _rate(field_name: str, value, names: Iterable[str], minimum: float, inclusive: bool):
    """Validate a rate given by name or number; return the name (str) or the rate (float)."""
    names = tuple(names)
    if isinstance(value, str):
        key = value.strip().lower()
        if key in names:
            return key
        try:
            value = float(key)
        except ValueError:
            raise ScenarioError(
                f"{field_name}: unknown value {value!r}; valid choices are "
                f"{', '.join(repr(n) for n in names)} or a number (rate a year, 0.1 = 10%)"
            ) from None
    if not _is_number(value) or not np.isfinite(value):
        raise ScenarioError(
            f"{field_name}: {value!r} is not valid; give {', '.join(repr(n) for n in names)} "
            "or a finite number (rate a year, 0.1 = 10%)"
        )
    value = float(value)
    bad = value < minimum if inclusive else value <= minimum
    if bad:
        op = ">=" if inclusive else ">"
        raise ScenarioError(
            f"{field_name}: {value!r} is not allowed; the rate must be {op} {minimum:g} "
            f"(or one of {', '.join(repr(n) for n in names)})"
        )
    return value


@dataclass(frozen=True)
class Scenario:
    """Every assumption behind a Digital GVA uplift scenario (validated on creation).

    Defaults are techUK's own assumption, the one that reproduces "over £120bn by 2050": the six
    regions below the UK median reach it at once, no growth, flat population, no discounting,
    2026-2050 inclusive (25 years).

    Attributes
    ----------
    name : str
        Label shown in tables.
    target : str
        ``"median"`` (of the 12 regional values), ``"mean"`` (unweighted mean of the 12),
        ``"upper_quartile"`` (75th percentile, linear interpolation), ``"mean_excluding_london"``
        (unweighted mean of the other 11) or ``"region:<name or code>"`` (that region's value).
        Region names are normalised to ``"region:<ITL1 code>"``.
    movers : str or tuple of str
        ``"below_target"`` (every region below the target) or a list of regions (names or codes,
        or one string with names separated by commas; normalised to ITL1 codes); each must be
        below the target.
    convergence : str
        ``"immediate"``, ``"linear"`` or ``"geometric"`` (see the module notes).
    convergence_year : int or None
        Year the gap is fully closed; required for linear and geometric, not allowed for immediate.
    growth : str or float
        Baseline growth of Digital GVA per person a year: ``"techuk"`` (techUK's published sector
        growth rate, 10%), ``"estimated"`` (trend of ICT GVA per head, UK, current prices, see
        :func:`ldi_helpers.analysis.growth_models.estimated_growth_rate`) or a number > -1 (0.1 = 10%).
    population_growth : str or float
        Growth a year of the population aged 16-64: ``"flat"`` (0), ``"estimated"`` (trend of the
        UK's total resident population, see
        :func:`ldi_helpers.analysis.growth_models.estimated_population_growth`) or a number > -1.
    discount_rate : str or float
        ``"none"`` (0), ``"green_book"`` (HM Treasury Green Book 3.5%) or a number >= 0; uplifts are
        discounted to ``start_year``.
    price_basis : str
        Label for the prices the £ are in. techUK did not state a price year; no deflation is done.
    start_year, horizon_year : int
        First and last year of uplift (inclusive).
    """

    name: str = "techUK assumption"
    target: str = "median"
    movers: str | tuple[str, ...] = BELOW_TARGET
    convergence: str = "immediate"
    convergence_year: int | None = None
    growth: str | float = 0.0
    population_growth: str | float = "flat"
    discount_rate: str | float = "none"
    price_basis: str = "£ as published by techUK (2023 edition; price year not stated)"
    start_year: int = 2026
    horizon_year: int = 2050

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        if not isinstance(self.name, str) or not self.name.strip():
            raise ScenarioError("name: give a non-empty label for the scenario")
        # target
        t = self.target
        if not isinstance(t, str):
            raise ScenarioError(f"target: {t!r} is not valid; valid choices are "
                                f"{', '.join(TARGETS)} or 'region:<name>'")
        key = t.strip().lower()
        if key.startswith("region:"):
            set_("target", "region:" + _resolve("target", t.strip()[len("region:"):].strip()))
        elif key in TARGETS:
            set_("target", key)
        else:
            raise ScenarioError(
                f"target: unknown target {t!r}; valid choices are {', '.join(TARGETS)} or "
                f"'region:<name>' with a region among {_region_list()}"
            )
        # movers
        m = self.movers
        if isinstance(m, str) and m.strip().lower() == BELOW_TARGET:
            set_("movers", BELOW_TARGET)
        else:
            # a string may list several regions separated by commas (handy for notebook parameters)
            items = [x.strip() for x in m.split(",") if x.strip()] if isinstance(m, str) else m
            try:
                items = list(items)
            except TypeError:
                raise ScenarioError(f"movers: {m!r} is not valid; give {BELOW_TARGET!r} or a "
                                    "list of regions") from None
            if not items:
                raise ScenarioError(f"movers: the list is empty; give {BELOW_TARGET!r} or at least "
                                    f"one region among {_region_list()}")
            codes = []
            for item in items:
                code = _resolve(f"movers (or use {BELOW_TARGET!r})", item)
                if code not in codes:
                    codes.append(code)
            set_("movers", tuple(c for c in ITL1_CODES if c in codes))
        # years
        for f in ("start_year", "horizon_year"):
            v = getattr(self, f)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
                raise ScenarioError(f"{f}: {v!r} is not a whole year (e.g. 2026)")
            set_(f, int(v))
        if self.horizon_year < self.start_year:
            raise ScenarioError(
                f"horizon_year: {self.horizon_year} is before start_year {self.start_year}; "
                "the horizon must be the start year or later"
            )
        # convergence
        c = self.convergence
        if not isinstance(c, str) or c.strip().lower() not in CONVERGENCE:
            raise ScenarioError(f"convergence: unknown path {c!r}; valid choices are "
                                f"{', '.join(CONVERGENCE)}")
        set_("convergence", c.strip().lower())
        cy = self.convergence_year
        if self.convergence == "immediate":
            if cy is not None:
                raise ScenarioError("convergence_year: only used with convergence 'linear' or "
                                    "'geometric'; leave it None for 'immediate'")
        else:
            if cy is None or not isinstance(cy, (int, np.integer)) or isinstance(cy, bool):
                raise ScenarioError(f"convergence_year: {self.convergence} convergence needs the "
                                    "whole year by which the gap is closed (e.g. 2035)")
            if cy < self.start_year:
                raise ScenarioError(
                    f"convergence_year: {cy} is before start_year {self.start_year}; the target "
                    "year must be the start year or later"
                )
            set_("convergence_year", int(cy))
        # rates
        set_("growth", _rate("growth", self.growth, GROWTH_SOURCES, -1.0, inclusive=False))
        set_("population_growth", _rate("population_growth", self.population_growth,
                                        POPULATION_PATHS, -1.0, inclusive=False))
        d = _rate("discount_rate", self.discount_rate, DISCOUNT_RATES, 0.0, inclusive=True)
        set_("discount_rate", DISCOUNT_RATES[d] if isinstance(d, str) else d)
        if not isinstance(self.price_basis, str) or not self.price_basis.strip():
            raise ScenarioError("price_basis: give a non-empty label (e.g. 'current prices')")

    @classmethod
    def fields(cls) -> tuple[str, ...]:
        """Names of the scenario fields, in order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_dict(cls, mapping: Mapping) -> Scenario:
        """Build a scenario from a mapping (e.g. notebook parameters); unknown keys are errors."""
        unknown = [k for k in mapping if k not in cls.fields()]
        if unknown:
            raise ScenarioError(f"unknown scenario field(s) {', '.join(map(repr, unknown))}; "
                                f"valid fields are {', '.join(cls.fields())}")
        return cls(**dict(mapping))

    def replace(self, **changes) -> Scenario:
        """A copy with some fields changed (validated; unknown fields are errors)."""
        merged = {**self.to_dict(), **changes}
        return Scenario.from_dict(merged)

    def to_dict(self) -> dict:
        """The fields as a plain dict (movers as a list when it is a list)."""
        d = dataclasses.asdict(self)
        if isinstance(d["movers"], tuple):
            d["movers"] = list(d["movers"])
        return d


# --------------------------------------------------------------------------- resolving inputs


def target_value(values: pd.Series, target: str) -> float:
    """The target level, £ per person, for a validated target string.

    Parameters
    ----------
    values : Series
        Digital GVA per person by ITL1 code.
    target : str
        As in :attr:`Scenario.target` (normalised form).
    """
    v = pd.Series(values, dtype="float64")
    if target == "median":
        return float(np.median(v.to_numpy()))
    if target == "mean":
        return float(v.mean())
    if target == "upper_quartile":
        return float(np.percentile(v.to_numpy(), 75))
    if target == "mean_excluding_london":
        return float(v.drop(index="TLI", errors="ignore").mean())
    if target.startswith("region:"):
        code = target.split(":", 1)[1]
        if code not in v.index:
            raise ScenarioError(f"target: region {code} has no Digital GVA per person value")
        return float(v[code])
    raise ScenarioError(f"target: unknown target {target!r}; valid choices are "
                        f"{', '.join(TARGETS)} or 'region:<name>'")


def resolve_growth(scenario: Scenario, data) -> float:
    """Baseline growth rate a year (fraction) for the scenario."""
    g = scenario.growth
    if g == "techuk":
        return gva.headline(data, gva.FACT_GROWTH)
    if g == "estimated":
        from .growth_models import estimated_growth_rate

        return estimated_growth_rate(data)
    return float(g)


def resolve_population_growth(scenario: Scenario, data) -> float:
    """Growth rate a year (fraction) of the working-age population for the scenario."""
    p = scenario.population_growth
    if p == "flat":
        return 0.0
    if p == "estimated":
        from .growth_models import estimated_population_growth

        return estimated_population_growth(data)
    return float(p)


def convergence_share(scenario: Scenario) -> np.ndarray:
    """Share of the gap closed in each year from start_year to horizon_year (1 = fully closed)."""
    n = scenario.horizon_year - scenario.start_year + 1
    if scenario.convergence == "immediate":
        return np.ones(n)
    span = scenario.convergence_year - scenario.start_year + 1
    return np.minimum(1.0, (np.arange(n) + 1.0) / span)


def _movers(scenario: Scenario, values: pd.Series, target: float) -> list[str]:
    if scenario.movers == BELOW_TARGET:
        return [c for c in values.index if values[c] < target]
    above = [c for c in scenario.movers if c in values.index and values[c] >= target]
    if above:
        raise ScenarioError(
            "movers: " + ", ".join(f"{region_by_code(c).name} ({values[c]:,.0f})" for c in above)
            + f" already at or above the target ({target:,.1f}); list only regions below it, "
            f"or use {BELOW_TARGET!r}"
        )
    missing = [c for c in scenario.movers if c not in values.index]
    if missing:
        raise ScenarioError(f"movers: no Digital GVA per person value for {', '.join(missing)}")
    return list(scenario.movers)


def _unit_uplift(scenario, values, target, movers) -> np.ndarray:
    """Uplift per person (regions x years) before growth, i.e. with G = 1."""
    s = convergence_share(scenario)
    v = values.to_numpy(dtype="float64")[:, None]
    if scenario.convergence == "geometric":
        bad = [c for c in movers if not values[c] > 0]
        if bad or not target > 0:
            raise ScenarioError("convergence: 'geometric' needs positive values and target "
                                f"(not positive: {', '.join(bad) or 'the target'}); use 'linear'")
        scen = v * (target / v) ** s[None, :]
    else:
        scen = v + s[None, :] * (target - v)
    up = scen - v
    mask = np.array([c in movers for c in values.index])[:, None]
    return np.where(mask, up, 0.0)


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class ScenarioResult:
    """The outcome of :func:`run_scenario`.

    Attributes
    ----------
    scenario : Scenario
    target_value : float
        Target level in ``start_year``, £ per person.
    movers : tuple of str
        ITL1 codes of the regions that move.
    growth_rate, population_growth_rate, discount_rate : float
        The rates used (fractions a year).
    yearly : DataFrame
        One row per region and year: area_code, region, year, population_16_64,
        baseline_gva_per_person_gbp, scenario_gva_per_person_gbp, baseline_gva_gbp,
        scenario_gva_gbp, uplift_gbp, discount_factor, discounted_uplift_gbp.
    totals : DataFrame
        One row per year: year, uplift_gbp, discounted_uplift_gbp, cumulative_uplift_gbp,
        cumulative_discounted_uplift_gbp.
    by_region : DataFrame
        One row per mover: first-year uplift and cumulative (discounted) uplift, £.
    """

    scenario: Scenario
    target_value: float
    movers: tuple[str, ...]
    growth_rate: float
    population_growth_rate: float
    discount_rate: float
    yearly: pd.DataFrame = field(repr=False)
    totals: pd.DataFrame = field(repr=False)
    by_region: pd.DataFrame = field(repr=False)

    @property
    def first_year_uplift_gbp(self) -> float:
        """Uplift in ``start_year``, £."""
        return float(self.totals["uplift_gbp"].iloc[0])

    @property
    def cumulative_uplift_gbp(self) -> float:
        """Sum of the yearly uplifts to ``horizon_year``, £ (undiscounted)."""
        return float(self.totals["uplift_gbp"].sum())

    @property
    def cumulative_discounted_uplift_gbp(self) -> float:
        """Present value at ``start_year`` of the yearly uplifts, £."""
        return float(self.totals["discounted_uplift_gbp"].sum())

    def summary(self) -> dict:
        """Key figures as a flat dict (for tables)."""
        s = self.scenario
        return {
            "scenario": s.name,
            "target": s.target,
            "target_gbp_per_person": self.target_value,
            "movers": len(self.movers),
            "convergence": s.convergence if s.convergence == "immediate"
            else f"{s.convergence} to {s.convergence_year}",
            "growth_rate": self.growth_rate,
            "population_growth_rate": self.population_growth_rate,
            "discount_rate": self.discount_rate,
            "years": f"{s.start_year}-{s.horizon_year}",
            "first_year_uplift_gbp": self.first_year_uplift_gbp,
            "cumulative_uplift_gbp": self.cumulative_uplift_gbp,
            "cumulative_discounted_uplift_gbp": self.cumulative_discounted_uplift_gbp,
        }


def _inputs(scenario: Scenario, data):
    values = gva.digital_gva_per_person(data)
    pop = gva.working_age_population(data).reindex(values.index)
    target = target_value(values, scenario.target)
    movers = _movers(scenario, values, target)
    if pop[movers].isna().any():
        raise ScenarioError("no population aged 16-64 for "
                            f"{', '.join(pop[movers].index[pop[movers].isna()])}")
    unit = _unit_uplift(scenario, values, target, movers)
    return values, pop, target, movers, unit


def _setup(scenario: Scenario, data):
    """Inputs and rates shared by the deterministic and Monte Carlo runs.

    Returns values, population, target, movers, unit uplift, growth, population growth and
    discount rates (fractions a year), the years and their offsets from ``start_year``.
    """
    values, pop, target, movers, unit = _inputs(scenario, data)
    g = resolve_growth(scenario, data)
    p = resolve_population_growth(scenario, data)
    d = float(scenario.discount_rate)
    years = np.arange(scenario.start_year, scenario.horizon_year + 1)
    return values, pop, target, movers, unit, g, p, d, years, years - scenario.start_year


def run_scenario(scenario: Scenario, data) -> ScenarioResult:
    """Yearly baseline, scenario and uplift per region, with totals.

    Parameters
    ----------
    scenario : Scenario
    data : LDIData
        Uses the published Digital GVA per person, the headlines (techUK's growth rate), the
        population aged 16-64 (mid-2020) and, for ``"estimated"`` rates, the ICT GVA panel and
        population by year.

    Returns
    -------
    ScenarioResult
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError("run_scenario needs a Scenario (build one with Scenario(...) or "
                            "Scenario.from_dict({...}))")
    values, pop, target, movers, unit, g, p, d, years, k = _setup(scenario, data)
    G, H, D = (1.0 + g) ** k, (1.0 + p) ** k, (1.0 + d) ** (-k.astype("float64"))
    v = values.to_numpy(dtype="float64")[:, None]
    base_pp = v * G[None, :]
    up_pp = unit * G[None, :]
    popm = pop.to_numpy(dtype="float64")[:, None] * H[None, :]
    up_gbp = up_pp * popm
    n_r, n_y = base_pp.shape
    yearly = pd.DataFrame({
        "area_code": np.repeat(values.index.to_numpy(), n_y),
        "region": np.repeat([region_by_code(c).name if c in ITL1_CODES else c
                             for c in values.index], n_y),
        "year": np.tile(years, n_r),
        "population_16_64": popm.ravel(),
        "baseline_gva_per_person_gbp": base_pp.ravel(),
        "scenario_gva_per_person_gbp": (base_pp + up_pp).ravel(),
        "baseline_gva_gbp": (base_pp * popm).ravel(),
        "scenario_gva_gbp": ((base_pp + up_pp) * popm).ravel(),
        "uplift_gbp": up_gbp.ravel(),
        "discount_factor": np.tile(D, n_r),
        "discounted_uplift_gbp": (up_gbp * D[None, :]).ravel(),
    })
    tot_up = up_gbp.sum(axis=0)
    tot_disc = tot_up * D
    totals = pd.DataFrame({
        "year": years,
        "uplift_gbp": tot_up,
        "discounted_uplift_gbp": tot_disc,
        "cumulative_uplift_gbp": np.cumsum(tot_up),
        "cumulative_discounted_uplift_gbp": np.cumsum(tot_disc),
    })
    mv = yearly[yearly["area_code"].isin(movers)]
    by_region = (mv.groupby(["area_code", "region"], sort=False)
                 .agg(first_year_uplift_gbp=("uplift_gbp", "first"),
                      cumulative_uplift_gbp=("uplift_gbp", "sum"),
                      cumulative_discounted_uplift_gbp=("discounted_uplift_gbp", "sum"))
                 .reset_index())
    return ScenarioResult(scenario=scenario, target_value=target, movers=tuple(movers),
                          growth_rate=g, population_growth_rate=p, discount_rate=d,
                          yearly=yearly, totals=totals, by_region=by_region)


@dataclass(frozen=True)
class MonteCarloResult:
    """Uncertainty fan for the cumulative uplift of a scenario.

    Attributes
    ----------
    fan : DataFrame
        One row per year: year, p05, median, p95 of the cumulative discounted uplift (£; equal to
        the undiscounted uplift when the discount rate is 0).
    final : ndarray
        Cumulative discounted uplift at ``horizon_year`` in each draw, £.
    growth_sd, population_growth_sd : float
        Standard deviation of the yearly log growth shocks used.
    n, seed : int
    """

    fan: pd.DataFrame
    final: np.ndarray = field(repr=False)
    growth_sd: float
    population_growth_sd: float
    n: int
    seed: int


def monte_carlo_scenario(scenario: Scenario, data, n: int = 2000, seed: int = 0,
                         growth_sd: float | None = None,
                         population_growth_sd: float | None = None) -> MonteCarloResult:
    """Monte Carlo over growth and population paths: median and 5-95% band of cumulative uplift.

    Each draw gives every year its own growth of Digital GVA per person and of the working-age
    population, common to all regions: ``log(1 + g_t) ~ Normal(log(1 + g), growth_sd)`` and
    likewise for population, so the median path is the scenario's own path and the band widens with
    time (a random walk in logs). The target, movers and convergence path are held fixed.

    Parameters
    ----------
    scenario : Scenario
    data : LDIData
    n : int
        Number of draws (>= 100).
    seed : int
        Seed of the numpy random generator (same seed, same result).
    growth_sd : float, optional
        Default: the standard deviation of the year-on-year log change in UK ICT GVA per head,
        1998-2021 (:func:`ldi_helpers.analysis.growth_models.growth_volatility`).
    population_growth_sd : float, optional
        Default: the same statistic for the UK's total resident population
        (:func:`ldi_helpers.analysis.growth_models.population_growth_volatility`).

    Returns
    -------
    MonteCarloResult
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 100:
        raise ScenarioError(f"n: {n!r} is not valid; give a whole number of draws >= 100")
    if growth_sd is None or population_growth_sd is None:
        from .growth_models import growth_volatility, population_growth_volatility
        if growth_sd is None:
            growth_sd = growth_volatility(data)
        if population_growth_sd is None:
            population_growth_sd = population_growth_volatility(data)
    for name, sd in (("growth_sd", growth_sd), ("population_growth_sd", population_growth_sd)):
        if not _is_number(sd) or not np.isfinite(sd) or sd < 0:
            raise ScenarioError(f"{name}: {sd!r} is not allowed; give a number >= 0")
    values, pop, target, movers, unit, g, p, d, years, k = _setup(scenario, data)
    per_year = (unit * pop.to_numpy(dtype="float64")[:, None]).sum(axis=0)  # £ at G = H = 1
    rng = np.random.default_rng(seed)
    shocks_g = rng.normal(np.log1p(g), float(growth_sd), size=(n, len(years)))
    shocks_p = rng.normal(np.log1p(p), float(population_growth_sd), size=(n, len(years)))
    shocks_g[:, 0] = 0.0  # the first year is the base year: no growth yet
    shocks_p[:, 0] = 0.0
    factor = np.exp(np.cumsum(shocks_g + shocks_p, axis=1))
    disc = (1.0 + d) ** (-k.astype("float64"))
    cum = np.cumsum(factor * (per_year * disc)[None, :], axis=1)
    q = np.percentile(cum, [5, 50, 95], axis=0)
    fan = pd.DataFrame({"year": years, "p05": q[0], "median": q[1], "p95": q[2]})
    return MonteCarloResult(fan=fan, final=cum[:, -1], growth_sd=float(growth_sd),
                            population_growth_sd=float(population_growth_sd), n=int(n),
                            seed=int(seed))


# --------------------------------------------------------------------------- comparing


def named_scenarios() -> dict[str, Scenario]:
    """The scenarios the notebook compares: techUK's assumption and one change at a time."""
    base = Scenario()
    named = [
        base,
        base.replace(name="techUK 10% sector growth", growth="techuk"),
        base.replace(name="growth estimated from ICT GVA per head", growth="estimated"),
        base.replace(name="Green Book discounting (3.5%)", discount_rate="green_book"),
        base.replace(name="10% growth, discounted at 3.5%", growth="techuk",
                     discount_rate="green_book"),
        base.replace(name="linear convergence by 2035", convergence="linear",
                     convergence_year=2035),
        base.replace(name="geometric convergence by 2040", convergence="geometric",
                     convergence_year=2040),
        base.replace(name="population growing at its trend", population_growth="estimated"),
        base.replace(name="target: mean excluding London", target="mean_excluding_london"),
    ]
    return {s.name: s for s in named}


def compare_scenarios(scenarios: Mapping[str, Scenario] | Iterable[Scenario], data,
                      reference: str | None = None) -> pd.DataFrame:
    """Side-by-side key figures of several scenarios, with the change against a reference.

    Parameters
    ----------
    scenarios : mapping or iterable of Scenario
        Scenarios to run (a mapping's keys are ignored; each scenario's ``name`` labels it).
    data : LDIData
    reference : str, optional
        Name of the scenario the others are compared with (default: the first).

    Returns
    -------
    DataFrame
        One row per scenario: the :meth:`ScenarioResult.summary` fields plus
        ``change_vs_reference_gbp`` and ``ratio_to_reference`` (of the cumulative discounted uplift,
        which equals the undiscounted one when the discount rate is 0).
    """
    items = list(scenarios.values()) if isinstance(scenarios, Mapping) else list(scenarios)
    if not items:
        raise ScenarioError("scenarios: give at least one Scenario")
    rows = [run_scenario(s, data).summary() for s in items]
    table = pd.DataFrame(rows)
    ref = reference or items[0].name
    if ref not in set(table["scenario"]):
        raise ScenarioError(f"reference: unknown scenario {ref!r}; valid names are "
                            f"{', '.join(table['scenario'])}")
    base = float(table.loc[table["scenario"] == ref, "cumulative_discounted_uplift_gbp"].iloc[0])
    table["change_vs_reference_gbp"] = table["cumulative_discounted_uplift_gbp"] - base
    table["ratio_to_reference"] = table["cumulative_discounted_uplift_gbp"] / base
    return table


#: Reader wording of the scenario targets.
TARGET_WORDS = {"median": "the UK median (median of the 12 regions)",
                "mean": "the mean of the 12 regions",
                "upper_quartile": "the upper quartile of the 12 regions",
                "mean_excluding_london": "the mean of the 11 regions other than London"}

#: Reader wording of the named rates (growth, population growth, discounting).
RATE_WORDS = {"techuk": "techUK's 10% a year", "estimated": "estimated from the open-data trend",
              "green_book": "HM Treasury Green Book, 3.5% a year", "flat": "none (flat)",
              "none": "none"}


def describe_target(target: str) -> str:
    """A scenario target in words (``"median"`` -> "the UK median (median of the 12 regions)")."""
    if str(target).startswith("region:"):
        return f"the level of {region_by_code(str(target).split(':', 1)[1]).name}"
    return TARGET_WORDS.get(target, str(target))


def describe_rate(rate) -> str:
    """A rate in words: a number as "3.5% a year", a name via :data:`RATE_WORDS`."""
    return f"{rate:.1%} a year" if isinstance(rate, float) else RATE_WORDS.get(str(rate), str(rate))


def describe_settings(scenario: Scenario) -> pd.DataFrame:
    """The scenario's assumptions as a two-column table in plain English (Setting, This page)."""
    s = scenario
    return pd.DataFrame({"Setting": [
        "Target level", "Regions lifted", "Path to the target",
        "Baseline growth of Digital GVA per person", "Growth of the working-age population",
        "Discounting", "Years counted", "Prices"],
        "This page": [
            describe_target(s.target),
            "every region below the target" if s.movers == BELOW_TARGET else
            ", ".join(region_by_code(m).name for m in s.movers),
            "gap closed at once" if s.convergence == "immediate" else
            f"{s.convergence} catch-up, gap closed by {s.convergence_year}",
            describe_rate(s.growth),
            "none (flat)" if s.population_growth in ("flat", 0.0) else
            describe_rate(s.population_growth),
            "none" if s.discount_rate in ("none", 0.0) else describe_rate(s.discount_rate),
            f"{s.start_year}-{s.horizon_year} inclusive", s.price_basis]})
