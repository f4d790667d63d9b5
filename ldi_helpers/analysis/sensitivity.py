"""Variance-based sensitivity analysis: which assumption moves which region's rank.

First-order (``S1``) and total (``ST``) Sobol' indices of every region's rank and composite score,
for every factor of a :class:`~ldi_helpers.analysis.factors.FactorSet`, from ONE Saltelli design evaluated
once for all regions at once. The design comes from :func:`SALib.sample.sobol.sample` (scrambled
Sobol' sequence) and the estimators (Saltelli et al. 2010 for S1, Jansen for ST) and their
bootstrap confidence intervals from :func:`SALib.analyze.sobol.analyze`; nothing here is a
hand-written estimator. Each factor is one SALib *group*, so a weight vector perturbed in ``k``
columns counts as one factor.

Reading the indices
-------------------
* ``S1`` of a factor: the share of the variance of a region's rank explained by that factor alone.
* ``ST``: the share explained by the factor including all its interactions with other factors;
  ``ST`` near 0 means the assumption does not matter for that region, ``ST`` near 1 means it
  decides the region's rank.
* A region whose rank (or score) is the same in every sample has no variance to apportion: its
  indices are reported as missing (NaN) with ``variance == 0``, never as a made-up zero.

Known answers (tested): the Ishigami function (S1 = 0.314, 0.442, 0.000; ST = 0.558, 0.442,
0.244), a factor with identical alternatives (indices 0), a factor that alone decides a rank
(ST = 1).

The assumptions table (:func:`get_assumptions_table`) links the indices to the assumptions log of
the UK Government's Quality Assurance of Code for Analysis and Research ("AQuA"/QA of analytical
models guidance), which rates each assumption's *impact* red/amber/green: here impact is measured,
not judged, as the largest total index across regions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from SALib.analyze import sobol as salib_analyze
from SALib.sample import sobol as salib_sample

from ..errors import LDIError
from .factors import FactorSet

#: A model maps decoded settings (``FactorSet.decode``) to named outputs of shape (n, n_units).
Model = Callable[[dict], Mapping[str, np.ndarray]]

#: Thresholds on the largest total Sobol' index across regions that rate an assumption's impact.
#: ``high`` (red): at least 30 % of the variance of some region's rank is due to the assumption
#: (alone or in interaction); ``medium`` (amber): 10-30 %; ``low`` (green): under 10 %. The 0.1
#: line is a common screening cut-off for "non-influential" in variance-based analysis; 0.3 marks a
#: factor that on its own can move a region by a large share of its plausible range.
IMPACT_THRESHOLDS: dict[str, float] = {"high": 0.30, "medium": 0.10}
RAG = {"high": "red", "medium": "amber", "low": "green"}


class SensitivityError(LDIError):
    """Bad input to the sensitivity analysis (sample size, output shapes, thresholds)."""


def _check_n(n: int) -> int:
    n = int(n)
    if n < 2 or n & (n - 1):
        raise SensitivityError(
            f"the Sobol' base sample size N must be a power of two >= 2 (e.g. 256, 1024, 4096); got {n}"
        )
    return n


def _salib_seed(seed: int | np.random.Generator) -> int:
    """A positive integer seed for SALib (SALib ignores a seed of 0 and falls back to global state)."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return int(rng.integers(1, 2**31 - 1))


def sobol_design(factors: FactorSet, n: int, seed: int) -> np.ndarray:
    """Saltelli design for first and total indices: ``(n * (G + 2), D)`` points in [0, 1).

    The same array as :func:`SALib.sample.sobol.sample` (``calc_second_order=False``,
    ``scramble=True``, one group per factor; tested equal), built with array operations: SALib
    fills it in a Python loop over every cell, which takes seconds for N = 4096 and D = 51.
    Rows come in blocks of ``G + 2`` per base point: ``A``, then ``A`` with factor ``k``'s columns
    taken from ``B`` (k = 1..G), then ``B``; ``A`` and ``B`` are the two halves of a scrambled
    Sobol' sequence of dimension 2D (:class:`scipy.stats.qmc.Sobol`).

    Parameters
    ----------
    factors : FactorSet
        ``G = len(factors)`` groups, ``D = factors.dimension`` columns.
    n : int
        Base sample size, a power of two. The cost is ``n * (G + 2)`` model runs.
    seed : int
        Seed of the scrambled Sobol' sequence. Designs with the same seed are nested: the first
        ``m * (G + 2)`` rows of the design for ``n`` are the design for ``m < n``.
    """
    from scipy.stats import qmc

    n = _check_n(n)
    d = factors.dimension
    base = qmc.Sobol(d=2 * d, scramble=True, seed=_salib_seed(seed)).random(n)
    a, b = base[:, :d], base[:, d:]
    g = len(factors)
    out = np.empty((n, g + 2, d))
    out[:, 0] = a
    for k, sl in enumerate(factors.column_slices().values()):
        out[:, k + 1] = a
        out[:, k + 1, sl] = b[:, sl]
    out[:, g + 1] = b
    return out.reshape(n * (g + 2), d)


def salib_design(factors: FactorSet, n: int, seed: int) -> np.ndarray:
    """The same design from :func:`SALib.sample.sobol.sample` itself (slow; for checks)."""
    n = _check_n(n)
    return salib_sample.sample(
        factors.problem(), n, calc_second_order=False, scramble=True, seed=_salib_seed(seed)
    )


#: Smallest analysis (output values in all) whose outputs are analysed in worker processes.
SOBOL_PARALLEL_MIN_CELLS = 5_000_000


def _indices_of_output(y: np.ndarray, g: int, z: float, boot_seed: int, num_resamples: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """S1, S1_conf, ST, ST_conf ``(4, G, units)`` and the variance ``(units,)`` of one output.

    The steps of :func:`SALib.analyze.sobol.analyze` on every column at once: columns that do
    not vary get NaN indices and variance 0; the others are standardised (mean 0, sd 1) and
    passed to SALib's estimators; bootstrap rows from ``default_rng(boot_seed).integers``.
    """
    n = y.shape[0] // (g + 2)
    u = y.shape[1]
    out = np.full((4, g, u), np.nan)
    s1, s1c, st, stc = out
    var = y.var(axis=0)
    # max / min once: the range (np.ptp) and the largest magnitude, without an |y| copy
    ymax, ymin = y.max(axis=0), y.min(axis=0)
    scale = np.maximum(1.0, np.maximum(np.abs(ymax), np.abs(ymin)))
    live = (ymax - ymin) > np.finfo(float).eps * scale
    if live.any():
        # the column copy fixes the memory order, hence the summation order, of the reductions
        yl = y[:, live]
        mean, sd = yl.mean(axis=0), yl.std(axis=0)
        np.subtract(yl, mean, out=yl)                 # (yl - mean) / sd, without temporaries
        np.divide(yl, sd, out=yl)
        y3 = yl.reshape(n, g + 2, -1)
        a, b, ab = y3[:, 0], y3[:, g + 1], y3[:, 1:g + 1]
        if num_resamples:
            r = np.random.default_rng(boot_seed).integers(n, size=(n, num_resamples))
            ar, br = a[r], b[r]
        for j in range(g):
            s1[j, live] = salib_analyze.first_order(a, ab[:, j], b)
            st[j, live] = salib_analyze.total_order(a, ab[:, j], b)
            if num_resamples:
                abr = ab[:, j][r]
                s1c[j, live] = z * salib_analyze.first_order(ar, abr, br).std(axis=0, ddof=1)
                stc[j, live] = z * salib_analyze.total_order(ar, abr, br).std(axis=0, ddof=1)
    return out, np.where(live, var, 0.0)


def analyse_sobol(
    factors: FactorSet,
    outputs: Mapping[str, np.ndarray],
    units: Sequence[str] | None = None,
    seed: int = 0,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Sobol' indices of every column of every output, from outputs on a :func:`sobol_design`.

    The estimators are SALib's own (:func:`SALib.analyze.sobol.first_order`, Saltelli et al.
    2010, and :func:`SALib.analyze.sobol.total_order`, Jansen), applied to all units (regions) at
    once; the steps around them follow :func:`SALib.analyze.sobol.analyze` exactly (each output
    standardised to mean 0 and sd 1; bootstrap rows drawn by ``default_rng(seed).integers``;
    half-width ``z * sd`` of the bootstrap estimates), so each column's numbers equal
    ``SALib.analyze.sobol.analyze(problem, y, calc_second_order=False, seed=...)`` (tested).

    Parameters
    ----------
    factors : FactorSet
        The factors the design was drawn for.
    outputs : mapping
        Output name (e.g. ``"rank"``, ``"score"``) -> array ``(n * (G + 2), n_units)`` (or 1-D for
        one unit), rows in design order.
    units : sequence of str, optional
        Names of the columns (region codes); ``0 .. n_units-1`` by default.
    seed : int
        Seed of the bootstrap resampling (confidence intervals).
    num_resamples : int
        Bootstrap resamples for the confidence intervals; 0 skips them (``*_conf`` = NaN).
    conf_level : float
        Confidence level of the intervals (0.95 gives 95 % half-widths in ``*_conf``).

    Returns
    -------
    DataFrame
        Tidy: ``output, unit, factor, S1, S1_conf, ST, ST_conf, variance`` (``*_conf`` are
        half-widths; ``variance`` is the output's variance over the design; indices are NaN
        where it is 0).
    """
    from scipy.stats import norm

    g = len(factors)
    if not 0 < conf_level < 1:
        raise SensitivityError(f"conf_level must be between 0 and 1, got {conf_level}")
    z = norm.ppf(0.5 + conf_level / 2)
    boot_seed = _salib_seed(seed)
    ys, names_of = [], []
    for out_name, y in outputs.items():
        y = np.asarray(y, dtype=float)
        if y.ndim == 1:
            y = y[:, None]
        if y.shape[0] % (g + 2):
            raise SensitivityError(
                f"output {out_name!r} has {y.shape[0]} rows, not a multiple of G + 2 = {g + 2}; "
                "evaluate the model on sobol_design(factors, n, seed) for the same factors"
            )
        names = list(units) if units is not None else [str(i) for i in range(y.shape[1])]
        if len(names) != y.shape[1]:
            raise SensitivityError(f"{len(names)} unit names for {y.shape[1]} output columns")
        ys.append(y)
        names_of.append(names)
    # outputs are analysed independently: large ones side by side in worker processes
    from ..method.workers import available_workers, run_chunks, shared_array

    cells = sum(y.size for y in ys)
    n_workers = available_workers() if cells >= SOBOL_PARALLEL_MIN_CELLS else 1
    alloc = shared_array if n_workers > 1 and len(ys) > 1 else np.empty
    results = [(alloc((4, g, y.shape[1])), alloc((y.shape[1],))) for y in ys]

    def analyse_one(i: int) -> None:
        idx, var = results[i]
        idx[...], var[...] = _indices_of_output(ys[i], g, z, boot_seed, num_resamples)

    run_chunks(analyse_one, len(ys), n_workers if alloc is shared_array else 1)
    frames = []
    for out_name, names, (idx, var) in zip(outputs, names_of, results):
        u = var.shape[0]
        s1, s1c, st, stc = (np.array(a) for a in idx)
        frames.append(pd.DataFrame({
            "output": out_name,
            "unit": np.tile(names, g),
            "factor": np.repeat(factors.names, u),
            "S1": s1.ravel(), "S1_conf": s1c.ravel(), "ST": st.ravel(), "ST_conf": stc.ravel(),
            "variance": np.tile(np.array(var), g),
        }))
    out = pd.concat(frames, ignore_index=True)
    # unit-major order: all factors of one unit together
    order = out.assign(_u=out["unit"].map({n: i for i, n in enumerate(pd.unique(out["unit"]))}),
                       _o=out["output"].map({n: i for i, n in enumerate(outputs)}),
                       _f=out["factor"].map({n: i for i, n in enumerate(factors.names)}))
    order = order.sort_values(["_o", "_u", "_f"], kind="stable").index
    return out.loc[order].reset_index(drop=True)


@dataclass(frozen=True)
class SobolResult:
    """Result of :func:`get_sobol_indices`.

    Attributes
    ----------
    indices : DataFrame
        Tidy indices at the full sample size (see :func:`analyse_sobol`).
    convergence : DataFrame or None
        Indices at n / 2**k (see :func:`get_sobol_convergence`).
    n : int
        Base sample size.
    seed : int
    n_runs : int
        Model evaluations used, ``n * (G + 2)``.
    """

    indices: pd.DataFrame
    convergence: pd.DataFrame | None
    n: int
    seed: int
    n_runs: int

    def wide(self, output: str = "rank", index: str = "ST") -> pd.DataFrame:
        """Units x factors table of one index (``"S1"`` or ``"ST"``) for one output."""
        d = self.indices[self.indices["output"] == output]
        return d.pivot(index="unit", columns="factor", values=index).reindex(
            index=pd.unique(d["unit"]), columns=pd.unique(d["factor"])
        )


def evaluate_design(model: Model, factors: FactorSet, design: np.ndarray, n: int
                    ) -> dict[str, np.ndarray]:
    """``model(factors.decode(design))`` for a :func:`sobol_design`, each repeated run run once.

    Row ``AB_k`` of a base point is its row ``A`` with factor ``k``'s columns taken from ``B``.
    Where factor ``k`` decodes to the same setting from both (a choice factor drawing the same
    choice: about a third of the runs of the regional design), the row's settings are ``A``'s,
    so its outputs are ``A``'s: they are copied instead of computed again. The model must compute
    each run from that run's settings alone (every model here does; tested equal to evaluating
    every row).

    Returns
    -------
    dict
        Output name -> ``(n * (G + 2), ...)`` array, as the model returns for the whole design.
    """
    settings = factors.decode(design)
    g, rows = len(factors), design.shape[0]
    if rows != n * (g + 2):
        raise SensitivityError(f"a Saltelli design of N = {n} for {g} factors has {n * (g + 2)} "
                               f"rows, got {rows}")
    a_rows = np.arange(n) * (g + 2)
    source = np.arange(rows)                    # the row whose outputs each row takes
    for k, f in enumerate(factors.factors):
        v = np.asarray(settings[f.name])
        va, vb = v[a_rows], v[a_rows + k + 1]
        same = va == vb if v.ndim == 1 else (va == vb).all(axis=tuple(range(1, v.ndim)))
        source[a_rows[same] + k + 1] = a_rows[same]
    run = source == np.arange(rows)
    if run.all():
        return {k: np.asarray(v) for k, v in model(settings).items()}
    got = model({name: np.asarray(v)[run] for name, v in settings.items()})
    # a row computed here sits at position (number of computed rows before it) of ``got``
    at = np.cumsum(run) - 1
    return {k: np.asarray(v)[at[source]] for k, v in got.items()}


def get_sobol_indices(
    model: Model,
    factors: FactorSet,
    n: int,
    seed: int,
    units: Sequence[str] | None = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    convergence_steps: int = 0,
    outputs: Sequence[str] | None = None,
    convergence_resamples: int | None = None,
) -> SobolResult:
    """Design, evaluate once (all units at once) and analyse: first and total Sobol' indices.

    Parameters
    ----------
    model : callable
        ``model(settings) -> {output name: (runs, n_units) array}`` where ``settings`` is
        ``factors.decode(design)``.
    factors : FactorSet
    n : int
        Base sample size (power of two); ``n * (len(factors) + 2)`` model runs.
    seed : int
        Seeds the design and the bootstrap; equal seeds give equal numbers.
    units : sequence of str, optional
        Column names of the outputs (region codes).
    num_resamples, conf_level :
        Bootstrap settings passed to SALib.
    convergence_steps : int
        If > 0, also analyse the nested designs of size ``n / 2**k``, ``k = 1..steps``, from the
        same runs (no extra model evaluations), see :func:`get_sobol_convergence`.
    outputs : sequence of str, optional
        Analyse only these outputs of the model (e.g. ``("rank",)``); default all of them.
    convergence_resamples : int, optional
        Bootstrap resamples of the convergence analyses (default ``num_resamples``). A check that
        compares S1 and ST between sample sizes (:func:`summarise_convergence`) needs none: 0
        skips them (the S1 and ST are the same numbers).
    """
    n = _check_n(n)
    design = sobol_design(factors, n, seed)
    keep = outputs
    outputs = {k: v for k, v in evaluate_design(model, factors, design, n).items()
               if keep is None or k in keep}
    idx = analyse_sobol(factors, outputs, units, seed, num_resamples, conf_level)
    conv = None
    if convergence_steps:
        conv = get_sobol_convergence(
            factors, outputs, n, units, seed, convergence_steps,
            num_resamples=num_resamples if convergence_resamples is None else convergence_resamples,
            conf_level=conf_level)
    return SobolResult(idx, conv, n, int(seed), design.shape[0])


def get_sobol_convergence(
    factors: FactorSet,
    outputs: Mapping[str, np.ndarray],
    n: int,
    units: Sequence[str] | None = None,
    seed: int = 0,
    steps: int = 3,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Indices at ``n / 2**steps, ..., n / 2, n`` from the nested prefixes of one design.

    Designs from :func:`sobol_design` with one seed are nested, so the first ``m * (G + 2)`` rows
    of the outputs are a valid design of size ``m``: convergence costs no extra model runs.

    Returns
    -------
    DataFrame
        Tidy indices with an extra column ``n``.
    """
    n = _check_n(n)
    g = len(factors)
    frames = []
    for k in range(int(steps), -1, -1):
        m = n >> k
        if m < 2:
            continue
        sub = {name: np.asarray(y)[: m * (g + 2)] for name, y in outputs.items()}
        d = analyse_sobol(factors, sub, units, seed, num_resamples, conf_level)
        d.insert(0, "n", m)
        frames.append(d)
    return pd.concat(frames, ignore_index=True)


def summarise_convergence(convergence: pd.DataFrame, tol: float = 0.05,
                          rel_min_variance: float = 0.05) -> pd.DataFrame:
    """Largest change of S1 and ST between successive doublings of N, per output.

    Indices of a unit whose output hardly varies (e.g. a region that holds the same rank in 98 %
    of methods) apportion a tiny variance made of rare events, and converge slowly without
    mattering. Units whose variance is below ``rel_min_variance`` times the median variance over
    units are therefore left out of the verdict (and counted in ``units_left_out``).

    Parameters
    ----------
    convergence : DataFrame
        From :func:`get_sobol_convergence`.
    tol : float
        Indices are called stable when no S1 or ST moves by more than ``tol`` at that doubling.
    rel_min_variance : float
        Relative variance below which a unit is left out of the verdict (0 keeps every unit).

    Returns
    -------
    DataFrame
        ``output, n_from, n_to, max_abs_change_S1, max_abs_change_ST, stable, units_left_out``.
    """
    rows = []
    ns = sorted(convergence["n"].unique())
    key = ["unit", "factor"]
    for out_name, d in convergence.groupby("output", sort=False):
        full = d[d["n"] == ns[-1]].groupby("unit")["variance"].first()
        keep = full.index[full >= rel_min_variance * full[full > 0].median()] \
            if (full > 0).any() else full.index[:0]
        d = d[d["unit"].isin(keep)]
        for a, b in zip(ns[:-1], ns[1:]):
            da = d[d["n"] == a].set_index(key)
            db = d[d["n"] == b].set_index(key)
            ch1 = float(np.nanmax(np.abs(db["S1"] - da["S1"]).to_numpy(), initial=0.0))
            cht = float(np.nanmax(np.abs(db["ST"] - da["ST"]).to_numpy(), initial=0.0))
            rows.append((out_name, a, b, ch1, cht, max(ch1, cht) <= tol, len(full) - len(keep)))
    return pd.DataFrame(rows, columns=["output", "n_from", "n_to", "max_abs_change_S1",
                                       "max_abs_change_ST", "stable", "units_left_out"])


def rate_impact(st: float, thresholds: Mapping[str, float] = IMPACT_THRESHOLDS) -> str:
    """``"high"``, ``"medium"`` or ``"low"`` for a total index (``"n/a"`` when missing)."""
    hi, med = float(thresholds["high"]), float(thresholds["medium"])
    if not 0 <= med < hi <= 1:
        raise SensitivityError(f"need 0 <= medium < high <= 1, got medium={med}, high={hi}")
    if st is None or not np.isfinite(st):
        return "n/a"
    return "high" if st >= hi else "medium" if st >= med else "low"


def get_assumptions_table(
    indices: pd.DataFrame,
    factors: FactorSet,
    output: str = "rank",
    thresholds: Mapping[str, float] = IMPACT_THRESHOLDS,
    unit_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Assumptions log: each factor with its measured impact and a red/amber/green rating.

    Impact is the largest total Sobol' index of ``output`` across units (regions): how much of the
    variance of the most affected region's rank the assumption accounts for. The rating uses
    :data:`IMPACT_THRESHOLDS`; ``rating_certain`` is False when the 95 % bootstrap interval of that
    index straddles a threshold.

    ``share_of_all_movement`` complements the maximum, which can come from a region whose rank
    barely moves: it is the variance-weighted mean of the total index over regions,
    ``sum_r ST_r var_r / sum_r var_r``, roughly the share of all rank movement in the table that
    involves the assumption.

    Returns
    -------
    DataFrame
        ``factor, label, distribution, nominal, max_ST, max_ST_conf, most_affected, mean_ST,
        share_of_all_movement, max_S1, impact, rag, rating_certain``, sorted by ``max_ST``
        descending.
    """
    d = indices[indices["output"] == output]
    if d.empty:
        raise SensitivityError(
            f"no indices for output {output!r}; available: {sorted(indices['output'].unique())}"
        )
    ftab = factors.table().set_index("factor")
    rows = []
    for f in factors.names:
        df = d[(d["factor"] == f) & d["ST"].notna()]
        if df.empty:
            rows.append((f, np.nan, np.nan, "", np.nan, np.nan, np.nan, "n/a", "n/a", False))
            continue
        i = df["ST"].to_numpy().argmax()
        st, conf = float(df["ST"].iloc[i]), float(df["ST_conf"].iloc[i])
        unit = str(df["unit"].iloc[i])
        if unit_names is not None:
            unit = unit_names.get(unit, unit)
        impact = rate_impact(st, thresholds)
        certain = impact == rate_impact(st - conf, thresholds) == rate_impact(st + conf, thresholds)
        weighted = float((df["ST"] * df["variance"]).sum() / df["variance"].sum())
        rows.append((f, st, conf, unit, float(df["ST"].mean()), weighted, float(df["S1"].max()),
                     impact, RAG.get(impact, "n/a"), bool(certain)))
    out = pd.DataFrame(rows, columns=["factor", "max_ST", "max_ST_conf", "most_affected", "mean_ST",
                                      "share_of_all_movement", "max_S1", "impact", "rag",
                                      "rating_certain"])
    out = out.join(ftab[["label", "distribution", "nominal"]], on="factor")
    out = out[["factor", "label", "distribution", "nominal", "max_ST", "max_ST_conf",
               "most_affected", "mean_ST", "share_of_all_movement", "max_S1", "impact", "rag",
               "rating_certain"]]
    return out.sort_values("max_ST", ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def ishigami(x1: np.ndarray, x2: np.ndarray, x3: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami test function ``sin x1 + a sin^2 x2 + b x3^4 sin x1`` (inputs on [-pi, pi]).

    Its analytic indices for a = 7, b = 0.1 are S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424,
    0.2437) (Ishigami & Homma 1990; Saltelli et al. 2008).
    """
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def describe_assumptions(table: pd.DataFrame, indices: pd.DataFrame | None = None,
                         output: str = "rank", names: Mapping[str, str] | None = None,
                         unit: str = "region") -> list[str]:
    """Plain-English sentences from :func:`get_assumptions_table` (and the indices, if given).

    ``unit`` is the edition's word for one unit ("region", "country").
    """
    out = []
    top = table.dropna(subset=["max_ST"])
    if top.empty:
        return [f"No {unit}'s rank varies under the sampled methodologies."]
    first = top.iloc[0]
    out.append(f"The assumption that matters most is the {first['label'].lower()}: it accounts "
               f"for up to {first['max_ST']:.0%} of the variation in a {unit}'s rank "
               f"({first['most_affected']}), including its interactions with other choices.")
    broad = top.sort_values("share_of_all_movement", ascending=False).iloc[0]
    out.append(f"Weighting each {unit} by how much its rank actually moves, the "
               f"{broad['label'].lower()} is involved in about {broad['share_of_all_movement']:.0%} "
               "of all rank movement in the table.")
    for level in ("high", "medium", "low"):
        labels = top.loc[top["impact"] == level, "label"].tolist()
        if labels:
            out.append(f"{level.capitalize()} impact ({RAG[level]}): " + "; ".join(labels) + ".")
    if indices is not None:
        d = indices[(indices["output"] == output)]
        still = d.groupby("unit", sort=False)["variance"].max()
        fixed = [names.get(u, u) if names else u for u, v in still.items() if v == 0]
        if fixed:
            out.append("Never moved by any assumption: " + ", ".join(fixed) + ".")
    return out
