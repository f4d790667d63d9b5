"""One region's briefing: every figure a regional report shows, assembled from the other modules.

The regional report notebook only displays what :func:`build_briefing` returns, so the words and
numbers of a report can be tested without running the notebook. A section whose inputs are not
available (for example a region already above the GVA target has no uplift scenario) is ``None``
and the report leaves it out rather than inventing it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..analysis import gva
from ..data.components import COMPONENTS
from .display import ordinal
from ..data.geography import Unit, region_by_code, resolve_unit, unit_words
from ..method.index import IndexResult, build_index
from ..method.spec import MethodSpec, coerce_spec

#: A component score this many points (0-100 min-max scale: score points) above or below the
#: median region counts as a strength or weakness.
STRENGTH_MARGIN = 5.0


def gbp(x: float, digits: int = 1) -> str:
    """Readable pounds: £1.2bn, £640.4m, £1,946 (see :func:`ldi_helpers.report.formatting.money`)."""
    from .formatting import money

    return money(x, digits)


@dataclass
class Briefing:
    """Everything one regional report says.

    Attributes
    ----------
    region : Unit
        The unit briefed (``code``, ``name``; ``itl1_code`` is the code too).
    spec : MethodSpec
    index : IndexResult
        The index under ``spec`` for every region.
    rank : int or None
        The region's composite rank (1 = strongest of 12); None when the method's coverage
        screen leaves the unit out (then ``not_ranked`` says why and the briefing shows its
        data, not a rank).
    rank_interval : dict or None
        ``median``, ``lo``, ``hi`` (5th-95th percentile) rank under sampled methodologies, and
        ``n`` samples; None when uncertainty analysis was switched off.
    components : DataFrame
        One row per component: score, UK median score, difference, rank, and a verdict
        (strength / weakness / around the median / no data).
    gva : dict
        Digital GVA per person (techUK 2023, £), the UK median, gap per person and in £ a year
        (population aged 16-64), techUK's published index rank; empty when the edition has no
        LDI tables (then the report leaves those figures out).
    scenario : ScenarioResult or None
        What reaching the target is worth; None if the region is already at or above it.
    assumptions : DataFrame or None
        Sobol indices of this region's rank per uncertain assumption (largest first).
    improvement : DataFrame
        Smallest single-component score rise that gains one rank (empty if ranked 1st).
    sources : DataFrame
        Indicators used with period, source, licence and proxy flag.
    words : dict
        The edition's words (:func:`~ldi_helpers.data.geography.unit_words`); default the LDI's.
    component_names : dict
        Component id -> name, from the edition's framework.
    local : dict or None
        A district's coverage, local comparisons and region context
        (:func:`~ldi_helpers.report.local.local_briefing`); None outside a district edition.
    districts : dict or None
        An LDI region's districts (:func:`~ldi_helpers.report.local.district_section`); None
        when the district edition is absent.
    not_ranked : str or None
        Why the unit is not ranked under ``spec`` (:func:`not_ranked_reason`); None if ranked.
    own_values : Series or None
        An unranked unit's own value per indicator of the index (its data, which the screened
        index does not hold); None for a ranked unit.
    what_if : dict or None
        For an unranked unit, its rank with the coverage screen lowered to its own coverage
        (``area_coverage``, ``rank``, ``of``): a different method, stated as such.
    """

    region: Unit
    spec: MethodSpec
    index: IndexResult
    rank: int | None
    rank_interval: dict | None
    components: pd.DataFrame
    gva: dict
    scenario: object | None
    assumptions: pd.DataFrame | None
    improvement: pd.DataFrame
    sources: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    local: dict | None = None
    districts: dict | None = None
    words: dict = field(default_factory=lambda: dict(_LDI_WORDS))
    component_names: dict = field(default_factory=lambda: dict(COMPONENTS))
    not_ranked: str | None = None
    own_values: pd.Series | None = None
    what_if: dict | None = None

    @property
    def is_ranked(self) -> bool:
        """True when the method ranks this unit (the coverage screen kept it)."""
        return self.rank is not None

    @property
    def n_areas(self) -> int:
        """Number of units ranked."""
        return int(self.index.ranks.notna().sum())

    @property
    def is_ldi(self) -> bool:
        """True for the LDI edition (its own wording and the Digital GVA figures)."""
        return bool(self.gva)

    def headline(self) -> str:
        """One plain-English sentence a policy reader can quote."""
        name = self.region.name
        if not self.is_ranked:
            return f"{self.not_ranked}."
        if self.is_ldi:
            parts = [f"{name} ranks {ordinal(self.rank)} of {self.n_areas} on the open Local "
                     "Digital Index"]
        else:
            parts = [f"{name} ranks {ordinal(self.rank)} of {self.n_areas} "
                     f"{self.words['units']} on the {self.words['index_name']}"]
        if self.rank_interval:
            parts[0] += f" ({self.interval_phrase()})"
        g = self.gva
        if g.get("value") is not None:
            if g["gap_per_person"] > 0:
                parts.append(f"its Digital GVA per person, {gbp(g['value'])}, is "
                             f"{gbp(g['gap_per_person'])} below the UK median of "
                             f"{gbp(g['median'])}; closing that gap is worth about "
                             f"{gbp(g['gap_gbp'])} a year")
            else:
                parts.append(f"its Digital GVA per person, {gbp(g['value'])}, is above the UK "
                             f"median of {gbp(g['median'])}")
        return "; ".join(parts) + "."

    def interval_phrase(self) -> str:
        """Where the region ranks under other defensible methods, as the evidence supports it.

        "between 3rd and 5th in 90% of the 4,096 sampled methods" for a range; for a single-rank
        5-95% range the share of samples at that rank ("2nd in 96% of ..."); "every" only when
        the share is 100%.
        """
        from ..analysis.uncertainty import share_phrase

        iv = self.rank_interval
        lo, hi, n = iv["lo"], iv["hi"], iv["n"]
        if lo != hi:
            return (f"between {ordinal(lo)} and {ordinal(hi)} in 90% of the {n:,} other "
                    "defensible methods sampled")
        return f"{ordinal(lo)} {share_phrase(iv['share_at_lo'], n)}"

    def interval_note(self) -> str:
        """How the rank range was computed, with the sample size and the tie rule, in words."""
        from ..analysis.uncertainty import share_phrase

        iv = self.rank_interval
        if not self.is_ranked:
            return (f"{self.region.name} has no rank under this method, so there is no range of "
                    "ranks to show.")
        if not iv:
            return "The uncertainty of this rank was not analysed in this run."
        n = iv["n"]
        text = (f"The range holds 90% of {n:,} equally defensible ways of building the index "
                "(different normalisations, weights, aggregation rules, outlier treatments, data "
                "periods, with and without proxy indicators), the same sample as the sensitivity "
                "page.")
        if iv.get("any_tie_share", 0) > 0:
            units = self.words["units"]
            text += (f" At least two {units} share a rank "
                     f"{share_phrase(iv['any_tie_share'], n)}"
                     " (equal scores happen most under the pairwise-wins rule, which scores "
                     f"whole numbers); tied {units} share the better rank, so the better end of "
                     "the range can be optimistic.")
        return text

    def assumptions_to_plot(self) -> pd.DataFrame | None:
        """The assumptions with a measurable effect on this region's rank (None if there are none).

        A region whose rank never moves in the sensitivity design has no rank variance to share
        out (its indices are undefined), so there is nothing to chart.
        """
        a = self.assumptions
        if a is None or a.empty:
            return None
        a = a[np.isfinite(a["ST"]) & (a["ST"] > 0)]
        return a if len(a) else None

    def strengths(self) -> list[str]:
        """Components clearly above the median region, strongest first."""
        c = self.components
        return list(c[c.verdict == "strength"].sort_values("difference", ascending=False)
                    .component)

    def weaknesses(self) -> list[str]:
        """Components clearly below the median region, weakest first."""
        c = self.components
        return list(c[c.verdict == "weakness"].sort_values("difference").component)

    def profile_sentence(self) -> str:
        """Strengths and weaknesses in words."""
        if not self.is_ranked:
            return (f"{self.region.name} is not scored under this method, so it has no component "
                    f"scores to set against the median {self.words['unit']}; its own data are in "
                    "the table above.")
        s, w = self.strengths(), self.weaknesses()
        out = []
        out.append(f"Strengths (clearly above the median {self.words['unit']}): "
                   + (", ".join(s) if s else
                   "none by more than the margin"))
        out.append("weaknesses (clearly below): " + (", ".join(w) if w else
                   "none by more than the margin"))
        return "; ".join(out) + f". Margin: {STRENGTH_MARGIN:g} points on the 0-100 scale."


#: The LDI edition's words (the default of a :class:`Briefing`).
_LDI_WORDS = {"unit": "region", "units": "regions", "Unit": "Region", "Units": "Regions",
              "n": 12, "index_name": "Local Digital Index", "edition": ""}


def component_profile(result: IndexResult, code: str, margin: float = STRENGTH_MARGIN,
                      components: dict[str, str] | None = None) -> pd.DataFrame:
    """A region's component scores against the median region, with a verdict per component.

    Parameters
    ----------
    result : IndexResult
    code : str
        ITL1 code.
    margin : float
        Score points above/below the median that make a strength/weakness.
    components : dict, optional
        The edition's components, id -> name (``data.components``; default the LDI's).
    """
    cs = result.component_scores
    rows = []
    for cid, name in (COMPONENTS if components is None else components).items():
        if cid not in cs.columns or cs[cid].isna().all():
            rows.append({"component": name, "component_id": cid, "score": np.nan,
                         "uk_median": np.nan, "difference": np.nan, "rank": np.nan,
                         "verdict": "no data"})
            continue
        score = cs.loc[code, cid] if code in cs.index else np.nan
        med = float(np.nanmedian(cs[cid].to_numpy(dtype=float)))
        diff = score - med
        if not np.isfinite(score):
            verdict = "no data"
        elif diff >= margin:
            verdict = "strength"
        elif diff <= -margin:
            verdict = "weakness"
        else:
            verdict = "around the median"
        rank = (result.component_ranks.loc[code, cid]
                if cid in result.component_ranks and code in result.component_ranks.index
                else np.nan)
        rows.append({"component": name, "component_id": cid, "score": score, "uk_median": med,
                     "difference": diff, "rank": rank, "verdict": verdict})
    return pd.DataFrame(rows)


def gva_position(data, code: str) -> dict:
    """The region's published Digital GVA per person against the UK median (techUK 2023).

    Returns
    -------
    dict
        ``value`` and ``median`` (£ per person), ``gap_per_person`` (median - value, £; negative
        when above), ``gap_gbp`` (gap x population aged 16-64, £ a year, 0 when above),
        ``population_16_64``, ``published_rank`` (techUK's 2023 index rank).
    """
    values = gva.digital_gva_per_person(data)
    pop = gva.working_age_population(data)
    median = gva.uk_median(values)
    value = float(values[code])
    gap = median - value
    pub = data.published.set_index("area_code")
    return {
        "value": value,
        "median": median,
        "gap_per_person": gap,
        "gap_gbp": max(gap, 0.0) * float(pop[code]),
        "population_16_64": float(pop[code]),
        "published_rank": int(pub.loc[code, "ldi_2023_index_rank"]),
    }


def region_scenario(data, code: str, overrides: dict | None = None):
    """Run the growth scenario with only this region moving, or None if it is not below target."""
    from ..analysis.scenarios import Scenario, run_scenario, target_value

    base = Scenario.from_dict(dict(overrides or {}))
    values = gva.digital_gva_per_person(data)
    if values[code] >= target_value(values, base.target):
        return None
    return run_scenario(base.replace(movers=(code,), name=f"{base.name}: "
                                     f"{region_by_code(code).name} only"), data)


def indicator_sources(data, result: IndexResult) -> pd.DataFrame:
    """Indicators the index used: component, name, period, unit, source, licence, proxy."""
    meta = data.indicators.set_index("indicator_id")
    comps = data.components
    rows = []
    for ind in result.meta.index:
        m = meta.loc[ind]
        rows.append({"component": comps.get(m["component"], m["component"]),
                     "indicator": m["name"], "period": result.meta.loc[ind, "period"]
                     if "period" in result.meta.columns else m["default_period"],
                     "unit": m["unit"],
                     "source": ": ".join(str(x) for x in (m["source_org"], m["dataset"]) if x),
                     "licence": m["licence"],
                     "proxy": "proxy" if m["is_proxy"] == "true" else ""})
    return pd.DataFrame(rows)


def rank_uncertainty(data, spec: MethodSpec, n_samples: int, sobol_n: int, seed: int,
                     cache_dir=None, cached_only: bool = False) -> dict | None:
    """Monte Carlo rank intervals and Sobol indices of every region's rank (all regions at once).

    The result depends only on the data, the spec, the sample sizes and the seed, and is the same
    for every region: ``ldi run`` computes it once per run before its reports start (the shared
    stage, :mod:`ldi_helpers.analysis.shared`) into ``$LDI_CACHE_DIR``, and every report reads it.
    Without a cache entry it is computed here (and cached when there is a cache folder). Cached
    and recomputed results are identical.

    Parameters
    ----------
    cache_dir : path, optional
        Cache folder (default ``$LDI_CACHE_DIR``; no caching when neither is set).
    cached_only : bool
        Return None instead of computing when the result is not in the cache.

    Returns
    -------
    dict or None
        ``intervals`` (DataFrame indexed by ITL1 code: nominal_rank, median_rank, rank_lo,
        rank_hi, ...), ``sobol`` (tidy indices of the ranks, or None), ``labels`` (factor ->
        label), ``ranks`` (the Monte Carlo national ranks, samples x ``units``, or None) and
        ``units`` (the units ranked under ``spec``: a unit the screen drops is left out).
    """
    from ..analysis.shared import report_uncertainty

    return report_uncertainty(data, spec, n_samples, sobol_n, seed, cache_dir=cache_dir,
                              cached_only=cached_only)


def _whole_number(name: str, value) -> int:
    """``value`` as an int >= 0, or an :class:`LDIError` naming the parameter and the fix."""
    from ..errors import LDIError

    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value, ok = int(value), True
    if not ok or value < 0:
        raise LDIError(f"parameter {name} must be a whole number >= 0, got {value!r}; "
                       f"e.g. -p {name} 2000 (0 switches it off)")
    return int(value)


def not_ranked_reason(result: IndexResult, code: str, name: str, unit: str = "unit") -> str:
    """Why a unit is not ranked, in plain words (from the build log's screening entry), e.g.
    "Isles of Scilly is not ranked under this method: it has data for 57% of the indicators,
    below the 65% the method asks of every local authority" (``unit``: the edition's word)."""
    log = result.log[(result.log["step"] == "screen") & (result.log["item"] == code)]
    msg = str(log["message"].iloc[0]) if len(log) else ""
    import re

    m = re.search(r"coverage (\d+%) < (\d+%)", msg)
    if m:
        why = (f"it has data for {m.group(1)} of the indicators, below the {m.group(2)} the "
               f"method asks of every {unit}")
    else:
        why = msg.replace("area dropped: ", "") or "it has too little data for this method"
    return f"{name} is not ranked under this method: {why}"


def _not_ranked_context(data, spec: MethodSpec, result: IndexResult, every: IndexResult,
                        code: str) -> tuple:
    """An unranked unit's own values and its rank with the screen lowered to its coverage.

    Returns ``(own_values, what_if)``: the unit's value per indicator of ``result`` (NaN where
    it has none, read from ``every``: the index with no area screen), and ``{"area_coverage",
    "rank", "of"}`` from the index rebuilt with ``area_coverage`` set to the unit's own coverage
    rounded down to a whole percent (None if even that does not rank it). Nothing is imputed
    beyond what the method itself does.
    """
    import math

    inds = list(result.meta.index)
    if code not in every.raw.index:
        return pd.Series(np.nan, index=inds), None
    own = every.raw.loc[code].reindex(inds).astype(float)
    cover = math.floor(100 * float(np.isfinite(own.to_numpy()).mean()) + 1e-9) / 100
    alt = build_index(data, spec.replace(area_coverage=cover))
    r = alt.ranks.get(code, np.nan)
    if not np.isfinite(r):
        return own, None
    return own, {"area_coverage": cover, "rank": int(r), "of": int(alt.ranks.notna().sum())}


def build_briefing(data, area: str, spec_overrides: dict | None = None,
                   scenario_overrides: dict | None = None, n_samples: int = 4096,
                   sobol_n: int = 4096, seed: int = 20260121) -> Briefing:
    """Assemble one unit's briefing (a region's in the LDI edition).

    Parameters
    ----------
    data : LDIData
    area : str
        Name, code or alias of a unit of the edition (any form
        :func:`~ldi_helpers.data.geography.resolve_unit` accepts).
    spec_overrides : dict, optional
        Methodology fields to change from the default spec.
    scenario_overrides : dict, optional
        Scenario fields to change from techUK's assumption.
    n_samples : int
        Monte Carlo methodology samples for the rank interval (0 switches uncertainty off).
        The default, with ``sobol_n`` and ``seed``, is the sensitivity page's
        (``30_sensitivity``), so a briefing shows the same interval as that page.
    sobol_n : int
        Base sample size (power of two) of the Sobol design for "which assumptions matter"
        (0 switches it off).
    seed : int
        Seed of every random draw: same seed, same numbers.
    """
    n_samples = _whole_number("n_samples", n_samples)
    sobol_n = _whole_number("sobol_n", sobol_n)
    seed = _whole_number("seed", seed)
    region = resolve_unit(data, area)
    code = region.code
    spec = coerce_spec(dict(spec_overrides or {}))
    result = build_index(data, spec)
    if code not in result.ranks.index or not np.isfinite(result.ranks[code]):
        return _unranked_briefing(data, region, spec, result, scenario_overrides)
    rank = int(result.ranks[code])
    # what does not need the rank uncertainty first: in ``ldi run`` the shared stage may still
    # be computing it (rank_uncertainty then waits for it), and this work overlaps the stage's
    from ..analysis.whatif import smallest_improvement
    from .local import district_section, is_local_edition, local_briefing

    improvement = smallest_improvement(result, code)
    ldi = data.has_ldi_tables
    districts = district_section(data, code) if ldi else None
    components = component_profile(result, code, components=data.components)
    gva = gva_position(data, code) if ldi else {}
    scenario = region_scenario(data, code, scenario_overrides) if ldi else None
    sources = indicator_sources(data, result)
    interval = None
    assumptions = None
    notes: list[str] = []
    if n_samples or sobol_n:
        unc = rank_uncertainty(data, spec, n_samples, sobol_n, seed)
        if unc["intervals"] is not None:
            ivs = unc["intervals"]
            row = ivs.loc[code]
            lo = int(row["rank_lo"])
            # share of samples giving the region its 5th-percentile rank (used when lo == hi)
            share_lo = (float(row["share_at_median"]) if int(row["median_rank"]) == lo
                        else None)
            interval = {"median": int(round(float(row["median_rank"]))),
                        "lo": lo, "hi": int(row["rank_hi"]), "n": int(ivs.attrs["n_samples"]),
                        "share_at_lo": share_lo, "tied_share": float(row["tied_share"]),
                        "any_tie_share": float(ivs.attrs["any_tie_share"])}
            if unc["sobol"] is not None:
                interval["sobol_n"] = sobol_n
                interval["sobol_runs"] = unc.get("sobol_runs")
        if unc["sobol"] is not None:
            d = unc["sobol"]
            d = d[(d["output"] == "rank") & (d["unit"] == code)]
            labels = unc["labels"]
            assumptions = (d.assign(assumption=d["factor"].map(labels).fillna(d["factor"]))
                           [["assumption", "S1", "ST"]]
                           .sort_values("ST", ascending=False, na_position="last")
                           .reset_index(drop=True))
    local = (local_briefing(data, result, code, unc if (n_samples or sobol_n) else None, spec)
             if is_local_edition(data) else None)
    return Briefing(
        region=region, spec=spec, index=result, rank=rank, rank_interval=interval,
        components=components, gva=gva, scenario=scenario,
        assumptions=assumptions, improvement=improvement,
        sources=sources, notes=notes, local=local, districts=districts,
        words=unit_words(data), component_names=dict(data.components),
    )


def _unranked_briefing(data, region: Unit, spec: MethodSpec, result: IndexResult,
                       scenario_overrides: dict | None) -> Briefing:
    """The briefing of a unit the coverage screen leaves out: its data, why it is not ranked and
    what would rank it; no rank, range, strengths or sensitivity is invented for it."""
    from .local import is_local_edition, local_briefing

    code = region.code
    every = build_index(data, spec.replace(area_coverage=0.0))   # an index that holds its data
    own, what_if = _not_ranked_context(data, spec, result, every, code)
    local = None
    if is_local_edition(data):
        local = local_briefing(data, result, code, None, spec, coverage_result=every)
    ldi = data.has_ldi_tables
    return Briefing(
        region=region, spec=spec, index=result, rank=None, rank_interval=None,
        components=component_profile(result, code, components=data.components),
        gva=gva_position(data, code) if ldi else {},
        scenario=region_scenario(data, code, scenario_overrides) if ldi else None,
        assumptions=None, improvement=pd.DataFrame(),
        sources=indicator_sources(data, result), local=local, districts=None,
        words=unit_words(data), component_names=dict(data.components),
        not_ranked=not_ranked_reason(result, code, region.name, unit_words(data)["unit"]),
        own_values=own,
        what_if=what_if,
    )


def improvement_sentence(b: Briefing) -> str:
    """What single-component improvement would lift the region one rank, in words."""
    if not b.is_ranked:
        wi = b.what_if
        first = (f"{b.region.name} needs data on at least {b.spec.area_coverage:.0%} of the "
                 "indicators to be ranked under this method.")
        if wi is None:
            return first
        return (first + f" As a what-if under a different method, not its rank in this "
                f"edition: with the coverage screen lowered to {wi['area_coverage']:.0%} "
                f"(area_coverage {wi['area_coverage']:g}), the index would rank it "
                f"{ordinal(wi['rank'])} of {wi['of']} {b.words['units']} on the data it has.")
    imp = b.improvement
    if imp is None or imp.empty:
        return f"{b.region.name} is already ranked 1st."
    ok = imp[imp["reachable"]]
    if ok.empty:
        return ("No single component, even raised to the top score, would lift "
                f"{b.region.name} one rank on its own.")
    best = ok.iloc[0]
    same = np.allclose(ok["increase"], best["increase"], rtol=1e-6)
    names = [b.component_names.get(c, c) for c in ok.index]
    if same and len(ok) > 1:
        return (f"A rise of {best['increase']:.1f} points (on the 0-100 scale) in any one "
                f"component would lift {b.region.name} to {ordinal(best['new_rank'])}: with "
                "equal weights and an arithmetic mean every component counts the same.")
    return (f"The smallest single step up is in {names[0]}: {best['increase']:.1f} points "
            f"(from {best['current']:.1f} to {best['needed']:.1f} on the 0-100 scale) would lift "
            f"{b.region.name} to {ordinal(best['new_rank'])}.")


def assumptions_sentence(b: Briefing, top: int = 3) -> str:
    """Which method assumptions move this unit's rank most, in words."""
    a = b.assumptions
    unit = b.words["unit"]
    if not b.is_ranked:
        return (f"{b.region.name} has no rank under this method, so no method choice can be "
                "said to move it.")
    if a is None or a.empty:
        return f"The sensitivity of this {unit}'s rank was not analysed in this run."
    runs = (b.rank_interval or {}).get("sobol_runs")
    design = f" ({runs:,} methods evaluated)" if runs else ""
    if b.assumptions_to_plot() is None:
        return (f"{b.region.name}'s rank was the same in every method of the sensitivity "
                f"design{design}: no assumption tested moves it, so there is no chart of "
                f"assumptions for this {unit}.")
    lead = b.assumptions_to_plot().head(top)
    items = ", ".join(f"{r.assumption.lower()} ({r.ST:.0%})" for r in lead.itertuples())
    return (f"The assumptions that move {b.region.name}'s rank most are {items}: the share of "
            "the variation in its rank that each is involved in (total Sobol index).")


def key_figures(b: Briefing) -> pd.DataFrame:
    """The report's key figures as a two-column table (what, value)."""
    g = b.gva
    what = ("Rank on the open index (1 = strongest of 12)" if b.is_ldi else
            f"Rank on the {b.words['index_name']} (1 = strongest of {b.n_areas})")
    rows = [(what, f"{ordinal(b.rank)}" if b.is_ranked else
             "not ranked: too few indicators have data (see above)")]
    if b.rank_interval:
        iv = b.rank_interval
        rng = (f"{ordinal(iv['lo'])} to {ordinal(iv['hi'])}" if iv["lo"] != iv["hi"]
               else ordinal(iv["lo"]))
        rows.append(("Rank under other defensible methods (5th-95th percentile)",
                     f"{rng} (median {ordinal(iv['median'])}, {iv['n']:,} sampled methods)"))
    if not g:
        return pd.DataFrame(rows, columns=["measure", "value"])
    rows += [
        ("techUK's published 2023 index rank", ordinal(g["published_rank"])),
        ("Digital GVA per person (techUK 2023)", gbp(g["value"])),
        ("UK median region (techUK 2023)", gbp(g["median"])),
        ("Gap to the median, per person aged 16-64",
         gbp(g["gap_per_person"]) if g["gap_per_person"] > 0 else "none: above the median"),
        ("Gap to the median, £ a year (x population aged 16-64, mid-2020)",
         gbp(g["gap_gbp"]) if g["gap_gbp"] > 0 else "none"),
    ]
    return pd.DataFrame(rows, columns=["measure", "value"])


#: Area codes (or ``geography`` values) under which the data may hold a UK-wide figure.
UK_CODES = ("UK", "K02000001", "K03000001")


def format_value(value, unit: str) -> str:
    """An indicator value in its unit's style: ``97%``, ``£1,234``, ``12.3`` (no e-notation)."""
    from . import formatting as fmt

    u = str(unit).strip()
    if u.startswith("%"):
        return fmt.percent(value, digits=1)
    if u.upper().startswith("GBP") or u.startswith("£"):
        return fmt.money(value)
    return fmt.number(value, sig=3)


def uk_reference(data, indicator_id: str, period: str) -> float | None:
    """The UK figure the data hold for an indicator and period, or None (never invented)."""
    v = data.values
    v = v[v["indicator_id"] == indicator_id]  # first the indicator's rows (a district edition
    v = v[v["period"].astype(str) == str(period)]  # holds ~100k values): then the text tests
    mask = v["area_code"].isin(UK_CODES) | v["geography"].astype(str).str.upper().isin(("UK", "CTRY"))
    rows = v.loc[mask, "value"]
    return float(rows.iloc[0]) if len(rows) else None


def region_profile(data, result: IndexResult, code: str,
                   own: pd.Series | None = None) -> pd.DataFrame:
    """A region's own value on every indicator the index used, against the UK figure.

    The reference is the UK figure where the data hold one for the same indicator and period;
    otherwise the median of the regions, labelled "median region" (a UK figure is never
    invented). Names come from the data tables (indicators, components).

    Returns
    -------
    DataFrame
        One row per indicator in component order: ``component``, ``indicator``, ``unit``,
        ``period``, ``value``, ``reference``, ``reference_label``, ``low``, ``high`` (the range
        across regions), ``better`` ("higher"/"lower"), ``proxy`` (bool).

    ``own`` gives the unit's values when ``result`` does not hold them (a unit the coverage
    screen left out: :attr:`Briefing.own_values`); the reference and range stay those of the
    units ranked.
    """
    comps = data.components
    median_label = f"median {unit_words(data)['unit']}"
    meta = result.meta
    rows = []
    order = {c: i for i, c in enumerate(comps)}
    for ind in sorted(meta.index, key=lambda i: (order.get(meta.at[i, "component"], 99),
                                                 list(meta.index).index(i))):
        col = result.raw[ind].astype(float)
        per = str(meta.at[ind, "period"])
        uk = uk_reference(data, ind, per)
        ref, label = (uk, "UK") if uk is not None else (float(np.nanmedian(col)), median_label)
        rows.append({
            "component": comps.get(meta.at[ind, "component"], meta.at[ind, "component"]),
            "indicator": meta.at[ind, "name"], "unit": meta.at[ind, "unit"], "period": per,
            "value": float(col.get(code, np.nan) if own is None else own.get(ind, np.nan)),
            "reference": ref, "reference_label": label,
            "low": float(np.nanmin(col)), "high": float(np.nanmax(col)),
            "better": "higher" if int(meta.at[ind, "direction"]) > 0 else "lower",
            "proxy": bool(meta.at[ind, "is_proxy"]),
        })
    return pd.DataFrame(rows)


def profile_html(profile: pd.DataFrame, region_name: str) -> str:
    """The region profile as an HTML table grouped by component, with a plain bar per row.

    Each bar runs from 0 to the highest region's value; the dark tick marks the reference (UK or
    median region). Every text is escaped.
    """
    import html as _html

    from . import formatting as fmt

    e = _html.escape
    head = (f"<div class='ldi-table'><table class='ldi-profile'><thead><tr><th>Indicator</th>"
            f"<th>{e(region_name)}</th><th>Reference</th><th>Period</th>"
            "<th>Compared with the reference</th></tr></thead><tbody>")
    parts = [head]
    for comp, g in profile.groupby("component", sort=False):
        parts.append(f"<tr><th colspan='5' scope='rowgroup'>{e(str(comp))}</th></tr>")
        for r in g.itertuples():
            top = max(r.high, r.value if np.isfinite(r.value) else 0, r.reference, 1e-12)
            w = 0 if not np.isfinite(r.value) else max(0.0, min(100.0, 100 * r.value / top))
            ref = max(0.0, min(100.0, 100 * r.reference / top))
            if not np.isfinite(r.value):
                verdict = "no value"
            else:
                ahead = (r.value > r.reference) == (r.better == "higher")
                verdict = ("same as" if np.isclose(r.value, r.reference) else
                           ("better than" if ahead else "worse than")) + f" the {r.reference_label}"
            proxy = " <em>(proxy)</em>" if r.proxy else ""
            parts.append(
                f"<tr><td>{e(str(r.indicator))}{proxy}<br><small>{e(str(r.unit))}; "
                f"{e(r.better)} is better</small></td>"
                f"<td class='num'>{e(format_value(r.value, r.unit)) if np.isfinite(r.value) else 'n/a'}</td>"
                f"<td class='num'>{e(format_value(r.reference, r.unit))}<br><small>"
                f"{e(r.reference_label)}</small></td><td>{e(fmt.period(r.period))}</td>"
                f"<td><span class='ldi-bar' role='img' aria-label='{e(verdict, quote=True)}'>"
                f"<span style='width:{w:.0f}%'></span><i style='left:{ref:.0f}%'></i></span> "
                f"<small>{e(verdict)}</small></td></tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def profile_text(profile: pd.DataFrame) -> str:
    """The region profile as plain text (one line per indicator)."""
    return "\n".join(f"{r.component} | {r.indicator}: {format_value(r.value, r.unit)} "
                     f"({r.reference_label} {format_value(r.reference, r.unit)}, {r.period})"
                     for r in profile.itertuples())
