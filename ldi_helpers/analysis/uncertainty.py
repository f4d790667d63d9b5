"""Monte Carlo uncertainty analysis: how far could each region's rank move?

Step 9 of the JRC/OECD method, per region. Every uncertain methodological choice is a factor
(:mod:`ldi_helpers.analysis.factors`); a seeded Monte Carlo design of the factors is evaluated by the
vectorised index engine (:mod:`ldi_helpers.method.batch`) and summarised as

* rank intervals (:func:`get_rank_intervals`): per region the nominal rank (default methodology),
  the median rank and the 5th-95th percentile interval over all sampled methodologies;
* rank probabilities (:func:`get_rank_probabilities`): the probability of each rank 1..n;
* pairwise probabilities (:func:`get_pairwise_probabilities`): P(region A ranks above region B);
* one-at-a-time checks (:func:`get_one_at_a_time`): leave one component out, leave one indicator
  out, each alternative method alone, with every other choice at its default.

Conventions: rank 1 is the best (highest composite score); "A ranks above B" means A's rank
number is strictly smaller. Percentiles of ranks are *attained* ranks (inverted empirical CDF,
Hyndman and Fan type 1: the smallest rank r with P(rank <= r) >= q), so an interval such as
"3 to 7" is always a pair of ranks that occurred.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..text import ordinal as _ordinal
from ..errors import LDIError
from .factors import FactorSet

#: A model maps decoded settings (``FactorSet.decode``) to ``{"rank": (n, units), "score": ...}``.
Model = Callable[[dict], Mapping[str, np.ndarray]]


class UncertaintyError(LDIError):
    """Bad input to the uncertainty analysis (shapes, percentiles, rank values)."""


def _check_ranks(ranks: np.ndarray, units: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    ranks = np.asarray(ranks, dtype=float)
    if ranks.ndim != 2 or ranks.shape[0] < 1:
        raise UncertaintyError(f"ranks must be a (n_samples, n_units) array, got shape {ranks.shape}")
    if np.isnan(ranks).any():
        raise UncertaintyError("ranks contain missing values; every sample must rank every unit")
    names = [str(u) for u in units] if units is not None else [str(i) for i in range(ranks.shape[1])]
    if len(names) != ranks.shape[1]:
        raise UncertaintyError(f"{len(names)} unit names for {ranks.shape[1]} columns of ranks")
    return ranks, names


def _percentile_index(n: int, q: float) -> int:
    """0-based order statistic that ``np.percentile(..., q, method="inverted_cdf")`` returns for
    ``n`` values (the same floating-point steps as numpy: ``n * q/100 - 1``, up if fractional)."""
    idx = n * np.true_divide(q, 100) - 1
    prev = np.floor(idx)
    k = int(prev) if idx - prev == 0 else int(prev) + 1
    return max(k, 0)


#: Largest number of distinct half-rank codes for which rank summaries count instead of sort.
_MAX_CODES = 1 << 16
#: Samples whose rank codes are counted at once (:func:`_count_codes`; bounds its temporaries).
_TIE_CHUNK = 8192


def _count_codes(ranks: np.ndarray, ties: bool = False
                 ) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Counts of half-rank codes ``2 * rank``, in chunks of :data:`_TIE_CHUNK` samples.

    Returns None when the ranks are not all whole or half numbers in ``0 .. _MAX_CODES / 2``
    (then the summaries sort instead of count).

    Returns
    -------
    counts : ndarray of int64, shape (n_units, max code + 1)
        Per unit, how many samples give each code.
    tied : ndarray of bool, shape (n_samples, n_units), or None
        (``ties=True``) whether a unit's code occurs more than once in its sample.
    """
    if ranks.ndim != 2 or ranks.size == 0:
        return None
    lo, hi = ranks.min(), ranks.max()                  # NaN propagates: fails the test below
    if not (np.isfinite(lo) and np.isfinite(hi) and lo >= 0 and 2 * hi < _MAX_CODES):
        return None
    n, n_units = ranks.shape
    width = int(2 * hi) + 1
    counts = np.zeros(n_units * width, dtype=np.int64)
    tied = np.empty(ranks.shape, dtype=bool) if ties else None
    unit_base = np.arange(n_units, dtype=np.int64) * width
    for c0 in range(0, n, _TIE_CHUNK):
        r2 = 2.0 * ranks[c0:c0 + _TIE_CHUNK]
        c = r2.astype(np.int64)
        if not np.array_equal(c, r2):
            return None
        counts += np.bincount((c + unit_base).reshape(-1), minlength=n_units * width)
        if ties:
            flat = (c + (np.arange(c.shape[0], dtype=np.int64) * width)[:, None]).reshape(-1)
            per_sample = np.bincount(flat, minlength=c.shape[0] * width)
            tied[c0:c0 + _TIE_CHUNK] = (per_sample[flat] > 1).reshape(c.shape)
    return counts.reshape(n_units, width), tied


def rank_percentile(ranks: np.ndarray, q: float) -> np.ndarray:
    """Attained-rank percentile per column: smallest r with P(rank <= r) >= q/100 (type 1).

    Equal to ``np.percentile(ranks, q, axis=0, method="inverted_cdf")``; for whole or half ranks
    (every tie rule of the engine) computed by counting, ``O(n)`` instead of a partial sort.
    """
    if not 0 <= q <= 100:
        raise UncertaintyError(f"percentile must be in [0, 100], got {q}")
    ranks = np.asarray(ranks, dtype=float)
    counted = _count_codes(ranks)
    if counted is None:
        return np.percentile(ranks, q, axis=0, method="inverted_cdf")
    return _percentiles_from_counts(counted[0], ranks.shape[0], [q])[0]


def _percentiles_from_counts(counts: np.ndarray, n: int, qs) -> list[np.ndarray]:
    """Type-1 percentiles ``qs`` of every unit from its half-rank counts (:func:`_count_codes`)."""
    cum = np.cumsum(counts, axis=1)
    out = []
    for q in qs:
        k = _percentile_index(n, q)
        out.append((cum > k).argmax(axis=1) / 2.0)       # first code with more than k at or below
    return out


def tied_in_sample(ranks: np.ndarray) -> np.ndarray:
    """Boolean ``(n_samples, n_units)``: True where a unit shares its rank with another unit.

    Ranks are whole numbers or halves from the engine's tie rules, so equal ranks are compared
    exactly (no score is compared here). Such ranks are counted per sample (``O(n)``, in chunks
    of :data:`_TIE_CHUNK` samples); other values are sorted.
    """
    r = np.asarray(ranks, dtype=float)
    counted = _count_codes(r, ties=True)
    return _tied_by_sorting(r) if counted is None else counted[1]


def _tied_by_sorting(r: np.ndarray) -> np.ndarray:
    """:func:`tied_in_sample` by its definition: sort each sample, mark equal neighbours (any
    values; the counting path is used for whole and half ranks)."""
    order = np.argsort(r, axis=1, kind="stable")
    srt = np.take_along_axis(r, order, axis=1)
    same = srt[:, 1:] == srt[:, :-1]
    dup = np.zeros_like(srt, dtype=bool)
    dup[:, 1:] |= same
    dup[:, :-1] |= same
    out = np.empty_like(dup)
    np.put_along_axis(out, order, dup, axis=1)
    return out


def tie_rule_note(units: str = "regions") -> str:
    """:data:`TIE_RULE_NOTE` in the edition's words (``units``: its plural unit word)."""
    return TIE_RULE_NOTE.replace("regions whose", f"{units} whose", 1)


#: How tied ranks are treated in the uncertainty analysis (printed wherever intervals are shown).
TIE_RULE_NOTE = (
    "In a sampled method, regions whose scores tie (within the index's tolerance; common under "
    "the Copeland rule, which scores whole numbers of pairwise wins) share the better rank, as in "
    "sports tables. Intervals and rank probabilities count that shared rank, so where ties are "
    "frequent the better end of an interval can be one or more places better than breaking the "
    "tie would give.")


def get_rank_intervals(
    ranks: np.ndarray,
    nominal: Sequence[float],
    units: Sequence[str] | None = None,
    lo: float = 5.0,
    hi: float = 95.0,
    names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Nominal rank, median rank and the lo-hi percentile interval of each unit's rank.

    Parameters
    ----------
    ranks : array (n_samples, n_units)
        Rank of every unit in every sampled methodology (1 = best; tied units share a rank under
        the spec's tie rule, see :data:`TIE_RULE_NOTE`).
    nominal : sequence of float
        Rank of every unit under the default methodology.
    units : sequence of str, optional
        Unit codes (columns of ``ranks``).
    lo, hi : float
        Percentiles of the interval (default 5 and 95).
    names : dict, optional
        Code -> display name, added as column ``name``.

    Returns
    -------
    DataFrame
        Indexed by unit: ``name`` (if given), ``nominal_rank, median_rank, rank_lo, rank_hi,
        interval_width`` (``rank_hi - rank_lo``), ``mean_rank``, ``share_at_nominal`` and
        ``share_at_median`` (share of samples, 0-1, in which the unit has exactly that rank),
        ``tied_share`` (share of samples in which it shares its rank with another unit), ordered
        by median rank, then nominal rank. ``attrs`` holds ``n_samples``, ``lo``, ``hi`` and
        ``any_tie_share`` (share of samples with at least one tie).
    """
    ranks, codes = _check_ranks(ranks, units)
    nominal = np.asarray(nominal, dtype=float)
    if nominal.shape != (ranks.shape[1],):
        raise UncertaintyError(f"nominal ranks have shape {nominal.shape}; expected ({ranks.shape[1]},)")
    if not lo < hi:
        raise UncertaintyError(f"need lo < hi, got lo={lo}, hi={hi}")
    for q in (lo, hi):
        if not 0 <= q <= 100:
            raise UncertaintyError(f"percentile must be in [0, 100], got {q}")
    counted = _count_codes(ranks, ties=True)
    if counted is not None:      # whole or half ranks: count once, read every percentile
        counts, tied = counted
        median, r_lo, r_hi = _percentiles_from_counts(counts, ranks.shape[0], (50, lo, hi))
    else:
        median, r_lo, r_hi = (rank_percentile(ranks, q) for q in (50, lo, hi))
        tied = tied_in_sample(ranks)
    out = pd.DataFrame(
        {
            "nominal_rank": nominal,
            "median_rank": median,
            "rank_lo": r_lo,
            "rank_hi": r_hi,
            "mean_rank": ranks.mean(axis=0),
            "share_at_nominal": (ranks == nominal[None, :]).mean(axis=0),
            "share_at_median": (ranks == median[None, :]).mean(axis=0),
            "tied_share": tied.mean(axis=0),
        },
        index=pd.Index(codes, name="unit"),
    )
    out.insert(4, "interval_width", out["rank_hi"] - out["rank_lo"])
    if names is not None:
        out.insert(0, "name", [names.get(c, c) for c in codes])
    out = out.sort_values(["median_rank", "nominal_rank", "mean_rank"], kind="stable")
    out.attrs.update(n_samples=int(ranks.shape[0]), lo=float(lo), hi=float(hi),
                     any_tie_share=float(tied.any(axis=1).mean()))
    return out


def share_phrase(share: float, n: int) -> str:
    """"in every one of the 4,096 sampled methods" when ``share`` is 1, else "in 96% of ..."

    Never rounds a share below 1 up to "every": 0.9996 reads "in more than 99.9% of".
    """
    if share >= 1.0:
        return f"in every one of the {n:,} sampled methods"
    if share <= 0.0:
        return f"in none of the {n:,} sampled methods"
    pct = 100.0 * share
    if pct > 99.5:
        text = "more than 99.9%" if pct > 99.9 else f"{pct:.1f}%"
    elif pct < 0.5:
        text = "fewer than 0.5%"
    else:
        text = f"{pct:.0f}%"
    return f"in {text} of the {n:,} sampled methods"


def get_rank_probabilities(ranks: np.ndarray, units: Sequence[str] | None = None) -> pd.DataFrame:
    """Probability of each rank 1..n_units for each unit (rows sum to one).

    Ranks must be whole numbers (ties share a rank under the engine's ``min`` convention).
    """
    ranks, codes = _check_ranks(ranks, units)
    r = np.rint(ranks)
    if not np.array_equal(r, ranks):
        raise UncertaintyError("rank probabilities need whole-number ranks; got fractional ranks")
    n_units = ranks.shape[1]
    if r.min() < 1 or r.max() > n_units:
        raise UncertaintyError(f"ranks must lie in 1..{n_units}")
    r = r.astype(np.int64) - 1
    counts = np.zeros((n_units, n_units))
    for j in range(n_units):
        counts[j] = np.bincount(r[:, j], minlength=n_units)
    return pd.DataFrame(
        counts / ranks.shape[0],
        index=pd.Index(codes, name="unit"),
        columns=pd.Index(range(1, n_units + 1), name="rank"),
    )


def get_pairwise_probabilities(ranks: np.ndarray, units: Sequence[str] | None = None) -> pd.DataFrame:
    """P(row unit ranks strictly above column unit) over the samples; the diagonal is 0.

    ``P[a, b] + P[b, a] = 1 - P(tie)``.
    """
    ranks, codes = _check_ranks(ranks, units)
    n_units = ranks.shape[1]
    p = np.zeros((n_units, n_units))
    for a in range(n_units):
        p[a] = (ranks[:, [a]] < ranks).mean(axis=0)
    return pd.DataFrame(p, index=pd.Index(codes, name="unit"), columns=pd.Index(codes, name="vs"))


@dataclass(frozen=True)
class MonteCarloResult:
    """Ranks and scores of every unit under ``n`` sampled methodologies and under the default.

    Attributes
    ----------
    units : list of str
        Unit (region) codes, the columns of ``ranks`` and ``scores``.
    ranks, scores : array (n, n_units)
        Rank (1 = best) and composite score of every unit in every sample.
    nominal_ranks, nominal_scores : array (n_units,)
        Under the default methodology (every factor at its nominal setting).
    design : array (n, D)
        The unit-hypercube design (``factors.sample(n, seed)``).
    factors : FactorSet
    seed : int
    """

    units: list[str]
    ranks: np.ndarray
    scores: np.ndarray
    nominal_ranks: np.ndarray
    nominal_scores: np.ndarray
    design: np.ndarray
    factors: FactorSet
    seed: int

    @property
    def n(self) -> int:
        """Number of sampled methodologies."""
        return self.ranks.shape[0]

    def intervals(self, lo: float = 5.0, hi: float = 95.0, names: dict[str, str] | None = None
                  ) -> pd.DataFrame:
        """:func:`get_rank_intervals` of this result."""
        return get_rank_intervals(self.ranks, self.nominal_ranks, self.units, lo, hi, names)

    def rank_probabilities(self) -> pd.DataFrame:
        """:func:`get_rank_probabilities` of this result."""
        return get_rank_probabilities(self.ranks, self.units)

    def pairwise(self) -> pd.DataFrame:
        """:func:`get_pairwise_probabilities` of this result."""
        return get_pairwise_probabilities(self.ranks, self.units)


def run_monte_carlo(model: Model, factors: FactorSet, n: int, seed: int,
                    units: Sequence[str]) -> MonteCarloResult:
    """Evaluate ``model`` on a seeded Monte Carlo design of ``factors`` and at the default.

    Parameters
    ----------
    model : callable
        ``model(settings) -> {"rank": (n, n_units), "score": (n, n_units)}``.
    factors : FactorSet
    n : int
        Number of sampled methodologies.
    seed : int
        Seed of the numpy Generator drawing the design; equal seeds give equal results.
    units : sequence of str
        Unit codes of the model's output columns.
    """
    design = factors.sample(n, seed)
    out = model(factors.decode(design))
    nom = model(factors.nominal_design())
    ranks, scores = np.asarray(out["rank"], dtype=float), np.asarray(out["score"], dtype=float)
    units = [str(u) for u in units]
    if ranks.shape != (int(n), len(units)) or scores.shape != ranks.shape:
        raise UncertaintyError(f"model returned ranks {ranks.shape} and scores {scores.shape}; "
                               f"expected ({n}, {len(units)}) each")
    return MonteCarloResult(units, ranks, scores, np.asarray(nom["rank"], dtype=float)[0],
                            np.asarray(nom["score"], dtype=float)[0], design, factors, int(seed))


# ------------------------------------------------------------------------------------------------
# The Local Digital Index as a model of its factors
# ------------------------------------------------------------------------------------------------

def _units_of(data) -> list[str]:
    """The edition's area codes (the default output columns of the models)."""
    from ..method.select import area_codes

    return area_codes(data)


def fixed_area_data(data: Any, spec: Any = None) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
    """The data restricted to the areas the default build ranks: the analysis' fixed area set.

    A sampled coverage threshold can screen in an area that the default build screens out (in
    the district edition, the Isles of Scilly under ``indicator_coverage = 1.0``, which keeps only
    the four infrastructure indicators). Ranks are only comparable across samples over one set of
    areas, so every sampled method is built on the data of the default build's areas: the others
    are removed before selection and screening (coverage shares are then shares of those areas).

    Parameters
    ----------
    data : LDIData
    spec : MethodSpec, mapping or None
        The nominal spec whose build fixes the area set.

    Returns
    -------
    (data, areas, left_out)
        The restricted data (``data`` itself when nothing is left out), the area codes of the
        default build (its order) and the edition's area codes left out.
    """
    import dataclasses

    from ..method.index import stage
    from ..method.spec import coerce_spec

    areas = tuple(stage(data, coerce_spec(spec)).areas)
    left_out = tuple(a for a in _units_of(data) if a not in set(areas))
    if not left_out:
        return data, areas, left_out
    vals, tab = data.values, data.areas
    keep_v = vals["area_code"].isin(areas)
    changes = {"values": vals[keep_v].reset_index(drop=True)}
    if tab is not None and "area_code" in tab.columns:
        changes["areas"] = tab[tab["area_code"].isin(areas)].reset_index(drop=True)
    return dataclasses.replace(data, **changes), areas, left_out


def _stage_key_factors(factors: FactorSet) -> list[str]:
    """Factors that change selection/screening (a separate engine preparation per setting)."""
    return [n for n in ("indicator_coverage", "period", "near_duplicates") if n in factors.names]


def _stage_spec(base: Any, factors: FactorSet, settings: Mapping[str, np.ndarray], i: int) -> Any:
    """Base spec with sample ``i``'s coverage threshold and periods (the stage-level choices)."""
    changes: dict[str, Any] = {}
    if "indicator_coverage" in factors.names:
        f = factors["indicator_coverage"]
        changes["indicator_coverage"] = f.choices[int(settings[f.name][i])]
    if "period" in factors.names:
        f = factors["period"]
        periods = dict(base.periods)
        periods.update(dict(f.choices[int(settings[f.name][i])]))
        changes["periods"] = periods
    if "near_duplicates" in factors.names:
        f = factors["near_duplicates"]
        changes["near_duplicates"] = f.choices[int(settings[f.name][i])]
    return base.replace(**changes) if changes else base


def make_rebuild_model(data: Any, factors: FactorSet, spec: Any = None,
                       units: Sequence[str] | None = None) -> Model:
    """Reference model: one full :func:`~ldi_helpers.method.index.build_index` per sample.

    The straightforward, slow way (DataFrames rebuilt for every methodology). It is the baseline
    of ``benchmarks/bench_sensitivity.py`` and the reference the vectorised engine must agree with.

    Parameters
    ----------
    data : LDIData
    factors : FactorSet
        Factors mapping to spec fields (see :func:`ldi_helpers.analysis.factors.spec_for_sample`).
    spec : MethodSpec, optional
        The nominal spec (default spec when ``None``).
    units : sequence of str, optional
        Area codes of the output columns (default: the areas the default build ranks). Every
        sample is built on those areas only (:func:`fixed_area_data`); ``model.areas`` and
        ``model.left_out`` name the fixed set and the edition's areas outside it. An area missing
        from a build (screened out) gets NaN, which the summaries reject.
    """
    from .factors import spec_for_sample, stand_ins
    from ..method.index import build_index, stage
    from ..method.spec import coerce_spec

    base = coerce_spec(spec)
    data, fixed, left_out = fixed_area_data(data, base)
    swap = stand_ins(data, base)
    cols = list(units) if units is not None else list(fixed)
    available: dict[Any, dict[str, str]] = {}

    def model(settings: dict) -> dict[str, np.ndarray]:
        n = len(next(iter(settings.values())))
        ranks = np.full((n, len(cols)), np.nan)
        scores = np.full((n, len(cols)), np.nan)
        for i in range(n):
            st_spec = _stage_spec(base, factors, settings, i)
            key = (st_spec.indicator_coverage, st_spec.periods, st_spec.near_duplicates)
            if key not in available:
                st = stage(data, st_spec)
                available[key] = dict(zip(st.indicators, st.meta["component"]))
            res = build_index(data, spec_for_sample(factors, settings, i, base, available[key],
                                                    swap))
            ranks[i] = res.ranks.reindex(cols).to_numpy(dtype=float)
            scores[i] = res.composite.reindex(cols).to_numpy(dtype=float)
        return {"rank": ranks, "score": scores}

    model.areas = tuple(cols)  # type: ignore[attr-defined]
    model.left_out = left_out  # type: ignore[attr-defined]
    return model


def make_batch_model(data: Any, factors: FactorSet, spec: Any = None,
                     units: Sequence[str] | None = None) -> Model:
    """Vectorised model: every sample evaluated by :func:`ldi_helpers.method.batch.evaluate_batch`.

    Samples are grouped by their selection-level choices (coverage threshold, period); each
    group's data are prepared once (the batch :func:`ldi_helpers.method.batch.prepare_batch`
    gives, assembled from per-indicator columns by a
    :class:`~ldi_helpers.method.columns.ColumnCache`, so that an indicator column the groups
    share is imputed, treated and normalised once; cached across calls) and all its samples
    are evaluated as array arithmetic: method choices as integer codes, weights per sample,
    proxies left out as weight 0 (components left empty get weight 0), exactly as :func:`ldi_helpers.analysis.factors.spec_for_sample` describes, so the result agrees with
    :func:`make_rebuild_model`.

    Parameters
    ----------
    data : LDIData
    factors : FactorSet
    spec : MethodSpec, optional
        The nominal spec (default spec when ``None``).
    units : sequence of str, optional
        Area codes of the output columns (default: the areas the default build ranks, e.g. 360
        of the 361 districts). Every sample is built on the default build's areas only
        (:func:`fixed_area_data`), so an area that a sampled coverage threshold would screen in
        is not ranked and cannot shift the others' ranks.

    Returns
    -------
    callable
        ``model(settings) -> {"rank": (n, units), "score": (n, units)}``; ``model.prepare_all()``
        prepares every selection-level setting ahead of time (for timing); ``model.areas`` the
        fixed area set, ``model.left_out`` the edition's areas outside it, ``model.prepared_for(key)``
        the engine's preparation of one selection-level setting (its factor codes; equal to
        ``prepare_batch``'s but for ``pca_indicator_weights``, NaN unless the spec weights by PCA).
    """
    import dataclasses

    from ..method.batch import CHOICE_TABLES, evaluate_batch, stage_signature
    from ..method.columns import ColumnCache
    from ..method.index import stage as _stage
    from .factors import INCLUDE_PREFIX, included_mask, stand_ins
    from ..method.spec import coerce_spec

    base = coerce_spec(spec)
    data, fixed, left_out = fixed_area_data(data, base)
    stand_in = stand_ins(data, base)    # an alternative measure takes its default's weight
    cols = list(units) if units is not None else list(fixed)
    stage_names = _stage_key_factors(factors)
    include_names = [f.name for f in factors if f.name.startswith(INCLUDE_PREFIX)]
    cache: dict[tuple[int, ...], Any] = {}
    lookups = {}
    for name in CHOICE_TABLES:
        if name in factors.names:
            f = factors[name]
            lookups[name] = np.array([CHOICE_TABLES[name].index(c) for c in f.choices], dtype=np.int64)

    by_stage: dict[str, Any] = {}
    columns = ColumnCache()

    def prepared_for(key: tuple[int, ...]):
        if key not in cache:
            settings = {n: np.array([c]) for n, c in zip(stage_names, key)}
            spec_k = _stage_spec(base, factors.select(stage_names), settings, 0)
            st = _stage(data, spec_k)
            sig = stage_signature(st)
            if sig in by_stage:
                # the same selected and screened data (e.g. a coverage threshold that drops no
                # indicator): the same prepared scores, under this key's spec
                cache[key] = dataclasses.replace(by_stage[sig], spec=spec_k)
            else:
                # PCA weights of every option are left out (NaN) unless the spec weights by
                # PCA: every sample's indicator weights are passed to the engine
                cache[key] = by_stage[sig] = columns.prepare(data, spec_k, staged=st)[0]
        return cache[key]

    def prepare_all() -> int:
        import itertools
        sizes = [len(factors[n].choices) for n in stage_names]
        for key in itertools.product(*[range(k) for k in sizes]):
            prepared_for(tuple(key))
        return len(cache)

    def evaluate_group(p, settings, idx, out):
        m = idx.size
        choices = {k: lut[settings[k][idx]] for k, lut in lookups.items()}
        if "indicator_weights" in factors.names:
            f = factors["indicator_weights"]
            pos = [f.entries.index(stand_in.get(x, x)) for x in p.indicators]
            wi = np.asarray(settings[f.name])[idx][:, pos]
        else:
            wi = np.broadcast_to(p.indicator_weights, (m, len(p.indicators)))
        if "component_weights" in factors.names:
            f = factors["component_weights"]
            pos = [f.entries.index(x) for x in p.components]
            wc = np.asarray(settings[f.name])[idx][:, pos].copy()
        else:
            wc = np.broadcast_to(p.component_weights, (m, len(p.components))).copy()
        sub = {k: np.asarray(settings[k])[idx] for k in include_names}
        keep = (included_mask(factors, sub, p.indicators, stand_in) if sub
                else np.ones(wi.shape, bool))
        if not keep.all():
            wk = np.where(keep, wi, 0.0)
            for c in range(len(p.components)):
                cc = p.comp_index == c
                empty = (wk[:, cc] == 0).all(axis=1)
                if empty.any():
                    wk[np.ix_(empty, cc)] = wi[np.ix_(empty, cc)]
                    wc[empty, c] = 0.0
            wi = wk
        pos = [p.areas.index(a) if a in p.areas else -1 for a in cols]
        if min(pos) < 0:
            missing = [a for a, k in zip(cols, pos) if k < 0]
            raise UncertaintyError(f"areas {missing[:5]} ({len(missing)} in all) are screened "
                                   "out under a sampled methodology; lower area_coverage in the "
                                   "base spec or leave them out of units")
        if pos == list(range(len(p.areas))):
            # the prepared order: the engine writes each sample's row of the output itself
            evaluate_batch(p, choices, wc, wi, component_scores=False, out=out, rows=idx)
            return
        res = evaluate_batch(p, choices, wc, wi, component_scores=False)
        out[0][idx], out[1][idx] = res.scores[:, pos], res.ranks[:, pos]

    def model(settings: dict) -> dict[str, np.ndarray]:
        from ..method.batch import PARALLEL_MIN_CELLS
        from ..method.workers import available_workers, shared_array

        n = len(next(iter(settings.values())))
        # worker processes of the engine write straight into shared output arrays
        big = n * len(cols) >= PARALLEL_MIN_CELLS and available_workers() > 1
        alloc = shared_array if big else np.empty
        ranks = alloc((n, len(cols)))
        scores = alloc((n, len(cols)))
        if stage_names:
            # one integer per selection setting (faster than np.unique(..., axis=0))
            sizes = tuple(len(factors[k].choices) for k in stage_names)
            flat = np.ravel_multi_index(
                tuple(np.asarray(settings[k], dtype=np.int64) for k in stage_names), sizes)
            order = np.argsort(flat, kind="stable")
            bounds = np.flatnonzero(np.diff(flat[order])) + 1
            groups = [(tuple(int(x) for x in np.unravel_index(flat[idx[0]], sizes)), idx)
                      for idx in np.split(order, bounds) if idx.size]
        else:
            groups = [((), np.arange(n))]
        for key, idx in groups:
            evaluate_group(prepared_for(key), settings, idx, (scores, ranks))
        return {"rank": ranks, "score": scores}

    model.prepare_all = prepare_all  # type: ignore[attr-defined]
    model.prepared_for = prepared_for  # type: ignore[attr-defined]
    model.areas = tuple(cols)  # type: ignore[attr-defined]
    model.left_out = left_out  # type: ignore[attr-defined]
    return model


def get_one_at_a_time(data: Any, spec: Any = None, factors: FactorSet | None = None,
                      units: Sequence[str] | None = None) -> pd.DataFrame:
    """One-at-a-time checks: change one thing, keep every other choice at the default.

    Three families of check, each compared with the default ranks:

    * ``leave component out`` -- the index without one component (weights renormalised over
      the others);
    * ``leave indicator out`` -- the index without one indicator (removed from the selection,
      ``exclude_indicators``; the Monte Carlo proxy factors instead give a proxy weight 0, see
      :func:`ldi_helpers.analysis.factors.spec_for_sample`, which differs only through screening,
      score-level imputation donors and the geometric-mean shift);
    * ``alternative method`` -- each non-default alternative of every discrete factor in
      ``factors`` alone (default: :func:`ldi_helpers.analysis.factors.default_factors`; proxy-inclusion
      factors are covered by "leave indicator out" and weight factors are continuous, so both
      are skipped here).

    Returns
    -------
    DataFrame
        One row per check: ``check``, ``change``, the rank of every area (columns = area codes),
        ``max_rank_change`` (largest absolute change of any area's rank), ``areas_moved`` (how
        many areas change rank) and ``note`` (e.g. when the change leaves no data). The first row
        is the default (``check == "default"``).
    """
    from .factors import INCLUDE_PREFIX, ChoiceFactor, default_factors
    from ..method.index import NoDataError, build_index
    from ..method.spec import coerce_spec

    base = coerce_spec(spec)
    cols = list(units) if units is not None else _units_of(data)
    nominal = build_index(data, base)
    variants: list[tuple[str, str, Any]] = [("default", "none", base)]
    comps = list(nominal.component_scores.columns)
    if len(comps) > 1:
        for c in comps:
            variants.append(("leave component out", c,
                             base.replace(components=tuple(k for k in comps if k != c))))
    for ind in nominal.indicator_scores.columns:
        variants.append(("leave indicator out", ind,
                         base.replace(exclude_indicators=tuple(base.exclude_indicators) + (ind,))))
    factors = default_factors(data, base) if factors is None else factors
    for f in factors:
        if not isinstance(f, ChoiceFactor) or f.name.startswith(INCLUDE_PREFIX):
            continue
        for code, (value, label) in enumerate(zip(f.choices, f.labels)):
            if code == f.nominal():
                continue
            if f.name == "period":
                periods = dict(base.periods)
                periods.update(dict(value))
                s = base.replace(periods=periods)
            else:
                s = base.replace(**{f.name: value})
            variants.append(("alternative method", f"{f.name} = {label}", s))
    base_rank = nominal.ranks.reindex(cols).to_numpy(dtype=float)
    rows = []
    for check, change, s in variants:
        note = ""
        try:
            r = build_index(data, s).ranks.reindex(cols).to_numpy(dtype=float)
        except NoDataError as exc:
            r, note = np.full(len(cols), np.nan), f"no data left: {exc}"
        moved = np.abs(r - base_rank)
        if np.isnan(r).any() and not note:
            note = "some areas screened out: " + ", ".join(
                c for c, v in zip(cols, r) if np.isnan(v))
        rows.append([check, change, *r,
                     float(np.nanmax(moved)) if np.isfinite(moved).any() else np.nan,
                     int(np.nansum(moved > 0)), note])
    return pd.DataFrame(rows, columns=["check", "change", *cols, "max_rank_change",
                                       "areas_moved", "note"])




#: Reader names of the one-at-a-time check families.
ONE_AT_A_TIME_CHECKS = {"default": "Default method", "leave component out": "Leave a component out",
                        "leave indicator out": "Leave an indicator out",
                        "alternative method": "Use an alternative method"}


def _plain_methods(text: Any) -> str:
    """Method ids inside ``text`` in words (``zscore`` -> ``z-score``, ``log`` -> ``log transform``)."""
    import re

    from .factors import CHOICE_WORDS

    words = {**CHOICE_WORDS, "log": "log transform"}
    return re.sub(r"[a-z_]+", lambda m: words.get(m.group(0), m.group(0)), str(text))


def one_at_a_time_table(oat: pd.DataFrame, data: Any, factors: FactorSet,
                        units: str | None = None) -> pd.DataFrame:
    """Reader version of :func:`get_one_at_a_time`: each change in words, with its effect.

    Parameters
    ----------
    oat : DataFrame
        Output of :func:`get_one_at_a_time`.
    data : LDIData
        For indicator names.
    factors : FactorSet
        For assumption labels.

    Returns
    -------
    DataFrame
        ``Change`` (check family), ``What`` (component, indicator or "assumption: alternative"),
        ``Largest rank change``, ``Regions changing rank`` and, if any check has one, ``Note``.
    """
    comps = getattr(data, "components", None) or {}
    if units is None:
        units = str((getattr(data, "edition", None) or {}).get("unit_word_plural") or "regions")
    ftab = factors.table()
    labels = dict(zip(ftab["factor"], ftab["label"]))
    ind_names = data.indicators.set_index("indicator_id")["name"].to_dict()

    def what(check: str, change: Any) -> str:
        if check == "leave component out":
            from ..data.components import COMPONENTS

            return comps.get(change) or COMPONENTS.get(change, change)
        if check == "leave indicator out":
            return ind_names.get(change, change)
        if " = " in str(change):
            factor, choice = str(change).split(" = ", 1)
            return f"{labels.get(factor, factor)}: {_plain_methods(choice)}"
        return _plain_methods(change)

    table = pd.DataFrame({
        "Change": [ONE_AT_A_TIME_CHECKS.get(k, k) for k in oat["check"]],
        "What": [what(k, v) for k, v in zip(oat["check"], oat["change"])],
        "Largest rank change": oat["max_rank_change"].astype(int),
        f"{units[:1].upper() + units[1:]} changing rank": oat["areas_moved"],
    })
    if oat["note"].astype(str).str.strip().any():
        table["Note"] = oat["note"]
    return table


def describe_one_at_a_time(table: pd.DataFrame, top: int = 5, unit: str = "region",
                           units: str = "regions") -> list[str]:
    """Sentences on the ``top`` single changes that move ranks most, and how many move none.

    ``table`` is :func:`one_at_a_time_table` output; its first row is the default method.
    ``unit``/``units`` are the edition's words for one unit and several.
    """
    changes = table.iloc[1:]
    moved = next(c for c in table.columns if str(c).endswith(" changing rank"))
    worst = changes.sort_values(["Largest rank change", moved],
                                ascending=False, kind="stable").head(top)
    none_moved = int((changes["Largest rank change"] == 0).sum())
    return ([f"{r['Change']} ({r['What']}) moves a {unit} by up to {r['Largest rank change']} "
             f"places and changes {r[moved]} {units}' ranks"
             for _, r in worst.iterrows()]
            + [f"{none_moved} of the {len(changes)} single changes move no {unit} at all."])


def describe_rank_intervals(intervals: pd.DataFrame, robust_width: int = 2,
                            units: str = "regions") -> list[str]:
    """Plain-English sentences on which regions' ranks are robust and which are not.

    A region is called *robust* when its 5-95 % rank interval spans at most ``robust_width``
    places (e.g. "2nd to 4th"), and *uncertain* when it spans at least half the table. A region
    whose interval is a single rank is described by the share of samples that give it that rank
    ("in every one of the N sampled methods" only when the share is 100%). Ties are stated with
    the share of samples that contain one.
    """
    d = intervals
    name = d["name"] if "name" in d.columns else pd.Series(d.index, index=d.index)
    n_units = len(d)
    n = int(d.attrs.get("n_samples", 0))
    lo_p, hi_p = d.attrs.get("lo", 5.0), d.attrs.get("hi", 95.0)
    span = f"{hi_p - lo_p:.0f}%"
    out = []
    fixed = d[d["interval_width"] == 0]
    for code in fixed.index:
        share = float(d.loc[code, "share_at_median"])
        where = share_phrase(share, n) if n else f"in at least {span} of the sampled methods"
        tail = (": its rank does not depend on the method." if share >= 1.0 else
                ", so its rank barely depends on the method.")
        out.append(f"{name[code]} is {_ordinal(d.loc[code, 'median_rank'])} {where}{tail}")
    robust = d[(d["interval_width"] > 0) & (d["interval_width"] <= robust_width)]
    if len(robust):
        out.append(f"Robust (rank moves by at most {robust_width} places in {span} of methods): "
                   + "; ".join(f"{name[c]} ({_ordinal(d.loc[c, 'rank_lo'])}-"
                               f"{_ordinal(d.loc[c, 'rank_hi'])})" for c in robust.index) + ".")
    wide = d[d["interval_width"] >= n_units / 2]
    if len(wide):
        out.append("Uncertain (rank could fall anywhere across half the table or more): "
                   + "; ".join(f"{name[c]} ({_ordinal(d.loc[c, 'rank_lo'])}-"
                               f"{_ordinal(d.loc[c, 'rank_hi'])})" for c in wide.index) + ".")
    moved = d[d["median_rank"] != d["nominal_rank"]]
    if len(moved):
        out.append(f"{units[:1].upper() + units[1:]} whose typical (median) rank differs from their rank under the default "
                   "method: " + "; ".join(
                       f"{name[c]} ({_ordinal(d.loc[c, 'nominal_rank'])} by default, "
                       f"{_ordinal(d.loc[c, 'median_rank'])} typically)" for c in moved.index) + ".")
    if "any_tie_share" in d.attrs and n:
        t = float(d.attrs["any_tie_share"])
        out.append((f"Ties: at least two {units} share a rank {share_phrase(t, n)}; tied "
                    f"{units} share the better rank, so the better end of an interval can be "
                    "optimistic where ties are frequent.") if t > 0 else
                   f"Ties: none of the {n:,} sampled methods gives two {units} the same rank.")
    return out
