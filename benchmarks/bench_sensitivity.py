"""Benchmark of the uncertainty and sensitivity engine (issue 5). Run on demand, never from tests:

    .venv/bin/python benchmarks/bench_sensitivity.py [--samples 100000] [--baseline 200]
                                                     [--sobol-n 4096] [--seed 1]

In one run it measures, side by side, on the SAME sampled methodologies of the real data:

1. the vectorised engine (:func:`ldi_helpers.analysis.uncertainty.make_batch_model`, array arithmetic over
   samples x areas x indicators) on ``--samples`` Monte Carlo methodologies;
2. the straightforward per-sample rebuild (:func:`ldi_helpers.analysis.uncertainty.make_rebuild_model`:
   one ``build_index`` with DataFrames per sample) on the first ``--baseline`` of those samples,
   extrapolated per sample to the full count;
3. that both give the same ranks (exactly) and scores (to 1e-9) on the baseline samples;
4. Sobol' indices of every region's rank and score with base size ``--sobol-n``: design,
   evaluation, SALib estimators (all regions at once), then separately the bootstrap confidence
   intervals and the convergence check.

Both factor sets are reported: the full default set (all 19 factors, including the coverage
threshold and the period, which need a separate engine preparation each) and the "methods and
weights" set (factors the engine varies inside one preparation).

Targets on a 2-core machine: 100,000 samples for 12 regions in under 1 s and at least 100x the
per-sample baseline; Sobol' indices for every region with N = 4096 in under 5 s.
Timings are wall-clock medians of ``--repeats`` runs; one-off preparation is reported apart.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

from ldi_helpers.analysis.factors import default_factors
from ldi_helpers.data.geography import ITL1_CODES
from ldi_helpers.data.load import load_data
from ldi_helpers.analysis.sensitivity import (
    analyse_sobol, get_sobol_convergence, sobol_design, summarise_convergence,
)
from ldi_helpers.analysis.uncertainty import make_batch_model, make_rebuild_model

METHOD_FACTORS = ["normalisation", "composite_aggregation", "component_aggregation",
                  "component_weights", "indicator_weights", "imputation", "treatment"]


def _median_time(fn, repeats: int):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def bench_monte_carlo(data, factors, label, n, n_base, seed, repeats):
    model = make_batch_model(data, factors)
    t0 = time.perf_counter()
    n_prep = model.prepare_all()
    t_prep = time.perf_counter() - t0
    settings = factors.decode(factors.sample(n, seed))
    t_fast, fast = _median_time(lambda: model(settings), repeats)
    sub = {k: np.asarray(v)[:n_base] for k, v in settings.items()}
    rebuild = make_rebuild_model(data, factors)
    t0 = time.perf_counter()
    slow = rebuild(sub)
    t_slow = time.perf_counter() - t0
    per_slow = t_slow / n_base
    per_fast = t_fast / n
    same_rank = bool(np.array_equal(fast["rank"][:n_base], slow["rank"]))
    max_diff = float(np.abs(fast["score"][:n_base] - slow["score"]).max())
    ratio = per_slow / per_fast
    print(f"\n== Monte Carlo, factor set '{label}' ({len(factors)} factors, D = "
          f"{factors.dimension}) ==")
    print(f"engine preparation (one-off, {n_prep} selection settings): {t_prep:8.3f} s")
    print(f"{'':28s}{'samples':>10s}{'seconds':>12s}{'samples/s':>14s}{'s/sample':>12s}")
    print(f"{'vectorised engine':28s}{n:>10d}{t_fast:>12.3f}{n / t_fast:>14,.0f}{per_fast:>12.2e}")
    print(f"{'per-sample rebuild':28s}{n_base:>10d}{t_slow:>12.3f}{1 / per_slow:>14,.1f}"
          f"{per_slow:>12.2e}")
    print(f"{'rebuild extrapolated':28s}{n:>10d}{per_slow * n:>12.1f}")
    print(f"speed-up (per sample): {ratio:,.0f}x")
    print(f"agreement on {n_base} samples: ranks identical = {same_rank}; "
          f"max |score difference| = {max_diff:.1e}")
    return t_fast, ratio, same_rank and max_diff < 1e-9


def bench_sobol(data, factors, n, seed, repeats):
    model = make_batch_model(data, factors)
    model.prepare_all()

    def point():
        design = sobol_design(factors, n, seed)
        out = model(factors.decode(design))
        idx = analyse_sobol(factors, out, ITL1_CODES, seed, num_resamples=0)
        return out, idx

    t_point, (out, idx) = _median_time(point, repeats)
    t0 = time.perf_counter()
    analyse_sobol(factors, out, ITL1_CODES, seed, num_resamples=100)
    t_ci = time.perf_counter() - t0
    t0 = time.perf_counter()
    conv = summarise_convergence(get_sobol_convergence(factors, out, n, ITL1_CODES, seed, steps=3,
                                                       num_resamples=0))
    t_conv = time.perf_counter() - t0
    runs = n * (len(factors) + 2)
    print(f"\n== Sobol' indices, N = {n}, {len(factors)} factors, {runs:,} model runs, "
          f"12 regions x (rank, score) ==")
    print(f"design + evaluation + S1/ST for every region: {t_point:8.3f} s")
    print(f"bootstrap 95% intervals (100 resamples)     : {t_ci:8.3f} s  (extra)")
    print(f"convergence N/8 .. N (no new model runs)    : {t_conv:8.3f} s  (extra)")
    print(conv.round(3).to_string(index=False))
    return t_point


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=100_000, help="Monte Carlo methodologies")
    ap.add_argument("--baseline", type=int, default=200, help="samples for the per-sample rebuild")
    ap.add_argument("--sobol-n", type=int, default=4096, help="Sobol' base sample (power of 2)")
    ap.add_argument("--seed", type=int, default=1, help="seed of every design")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats (median reported)")
    args = ap.parse_args(argv)
    print(f"cpu cores: {os.cpu_count()}; numpy {np.__version__}")
    data = load_data()
    full = default_factors(data)
    methods = full.select(METHOD_FACTORS)
    t_full, r_full, ok_full = bench_monte_carlo(data, full, "full default", args.samples,
                                                args.baseline, args.seed, args.repeats)
    t_meth, r_meth, ok_meth = bench_monte_carlo(data, methods, "methods and weights",
                                                args.samples, args.baseline, args.seed,
                                                args.repeats)
    t_sobol = bench_sobol(data, full, args.sobol_n, args.seed, args.repeats)
    print("\n== Targets ==")
    for label, t, r, ok in (("full default", t_full, r_full, ok_full),
                            ("methods and weights", t_meth, r_meth, ok_meth)):
        print(f"[{_verdict(t < 1.0)}] {args.samples:,} samples ({label}) in {t:.3f} s (target < 1 s)")
        print(f"[{_verdict(r >= 100)}] speed-up ({label}) {r:,.0f}x (target >= 100x)")
        print(f"[{_verdict(ok)}] vectorised and per-sample rebuild agree ({label})")
    print(f"[{_verdict(t_sobol < 5.0)}] Sobol' indices, every region, N = {args.sobol_n}: "
          f"{t_sobol:.3f} s (target < 5 s; bootstrap intervals timed apart above)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
