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

District section (issue 11; ``--district``, or ``--district-only`` to skip the regions): the same
analyses on the district edition (``data/editions/lad``, 360 ranked districts; the Isles of Scilly
is outside the default build's area set, see ``uncertainty.fixed_area_data``), each in its own
subprocess so that its peak resident memory (``resource.getrusage``, ``ru_maxrss``) is its own:
Monte Carlo of ``--district-samples`` methods (target < 15 s; the time includes the rank
intervals), Sobol' N = ``--sobol-n`` for every district (target < 15 s; design, evaluation and
S1/ST without bootstrap), both next to the per-sample rebuild baseline (``--district-baseline``
``build_index`` rebuilds, scaled per sample), and peak memory of the largest (target < 4 GB).

Worker processes: large evaluations are spread over forked workers (one per CPU,
``ldi_helpers.method.workers``; ``LDI_WORKERS=1`` in the environment measures one process). The
reported peak memory is then the analysis process's peak plus its largest worker's peak, an
upper bound (pages they share count twice). On a machine shared with other jobs the times vary
from run to run; the regional section reports medians of ``--repeats`` runs.
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
from ldi_helpers.method.workers import available_workers

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


LAD = "data/editions/lad"


def _district_worker(kind: str, n: int, seed: int, n_base: int) -> dict:
    """One district analysis in this process; returns timings and peak resident memory."""
    import resource
    import warnings

    warnings.simplefilter("default", RuntimeWarning)
    data = load_data(LAD)
    fs = default_factors(data)
    model = make_batch_model(data, fs)
    t0 = time.perf_counter()
    model.prepare_all()
    t_prep = time.perf_counter() - t0
    out = {"kind": kind, "areas": len(model.areas), "prep": t_prep, "factors": len(fs)}
    if kind == "mc":
        from ldi_helpers.analysis.uncertainty import run_monte_carlo
        t0 = time.perf_counter()
        mc = run_monte_carlo(model, fs, n, seed, model.areas)
        iv = mc.intervals()
        out["seconds"] = time.perf_counter() - t0
        out["runs"] = n
        out["intervals"] = int(iv["rank_lo"].notna().sum())
    else:
        t0 = time.perf_counter()
        design = sobol_design(fs, n, seed)
        res = model(fs.decode(design))
        idx = analyse_sobol(fs, res, model.areas, seed, num_resamples=0)
        out["seconds"] = time.perf_counter() - t0
        out["runs"] = int(design.shape[0])
        out["intervals"] = int(idx["unit"].nunique())
    sub = fs.decode(fs.sample(n_base, seed))
    rebuild = make_rebuild_model(data, fs)
    t0 = time.perf_counter()
    rebuild(sub)
    out["rebuild_per_sample"] = (time.perf_counter() - t0) / n_base
    out["self_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    # the engine's forked worker processes (ldi_helpers.method.workers): the largest of them
    out["worker_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    # upper bound of the memory in use at once: this process plus its largest worker (pages
    # they share, such as the prepared data and the shared output arrays, count twice)
    out["peak_rss_mb"] = out["self_rss_mb"] + out["worker_rss_mb"]
    out["workers"] = available_workers()
    return out


def bench_district(args) -> list[tuple[str, bool]]:
    """Run the district analyses in subprocesses and print the table with the targets."""
    import json
    import subprocess
    import sys

    rows = []
    for kind, n in (("mc", args.district_samples), ("sobol", args.sobol_n)):
        cmd = [sys.executable, __file__, "--district-worker", kind, "--worker-n", str(n),
               "--seed", str(args.seed), "--district-baseline", str(args.district_baseline)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"\n== Districts ({rows[0]['areas']} ranked, {rows[0]['factors']} factors; "
          f"preparation {rows[0]['prep']:.1f} s one-off, not timed below) ==")
    print(f"{'analysis':34s}{'runs':>9s}{'seconds':>9s}{'target':>8s}{'rebuild est.':>14s}"
          f"{'ratio':>8s}{'peak RSS':>11s}  verdict")
    verdicts = []
    for r in rows:
        label = ("Monte Carlo, every district" if r["kind"] == "mc"
                 else "Sobol' S1/ST, every district")
        est = r["rebuild_per_sample"] * r["runs"]
        ok = r["seconds"] < 15.0
        print(f"{label:34s}{r['runs']:>9,d}{r['seconds']:>9.1f}{'< 15 s':>8s}{est:>13,.0f}s"
              f"{est / r['seconds']:>7,.0f}x{r['peak_rss_mb']:>9,.0f} MB  {_verdict(ok)}")
        verdicts.append((f"{label} in {r['seconds']:.1f} s (target < 15 s)", ok))
    peak = max(r["peak_rss_mb"] for r in rows)
    verdicts.append((f"peak resident memory of the largest district analysis {peak:,.0f} MB "
                     "(target < 4 GB)", peak < 4096))
    print(f"rebuild baseline: {args.district_baseline} build_index rebuilds per analysis, "
          f"{rows[0]['rebuild_per_sample']:.3f} s each, scaled to the run count")
    print(f"worker processes: {rows[0]['workers']}; peak RSS = the analysis process "
          + " / ".join(f"{r['self_rss_mb']:,.0f}" for r in rows) + " MB + its largest worker "
          + " / ".join(f"{r['worker_rss_mb']:,.0f}" for r in rows)
          + " MB (shared pages counted twice: an upper bound)")
    return verdicts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=100_000, help="Monte Carlo methodologies")
    ap.add_argument("--baseline", type=int, default=200, help="samples for the per-sample rebuild")
    ap.add_argument("--sobol-n", type=int, default=4096, help="Sobol' base sample (power of 2)")
    ap.add_argument("--seed", type=int, default=1, help="seed of every design")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats (median reported)")
    ap.add_argument("--district", action="store_true", help="add the district section")
    ap.add_argument("--district-only", action="store_true", help="only the district section")
    ap.add_argument("--district-samples", type=int, default=100_000,
                    help="Monte Carlo methodologies over the districts")
    ap.add_argument("--district-baseline", type=int, default=20,
                    help="build_index rebuilds timed for the district baseline")
    ap.add_argument("--district-worker", choices=["mc", "sobol"], help=argparse.SUPPRESS)
    ap.add_argument("--worker-n", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.district_worker:
        import json
        print(json.dumps(_district_worker(args.district_worker, args.worker_n, args.seed,
                                          args.district_baseline)))
        return 0
    print(f"cpu cores: {os.cpu_count()}; numpy {np.__version__}")
    if args.district_only:
        verdicts = bench_district(args)
        print("\n== Targets (districts) ==")
        for text, ok in verdicts:
            print(f"[{_verdict(ok)}] {text}")
        return 0
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
    if args.district:
        for text, ok in bench_district(args):
            print(f"[{_verdict(ok)}] {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
