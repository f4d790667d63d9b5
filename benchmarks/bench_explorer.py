"""Benchmark of the methodology explorer's update (issue 15). Run on demand, never from tests:

    .venv/bin/python benchmarks/bench_explorer.py [--samples 300] [--repeats 3] [--baseline-mc 10]

One update is what a widget callback does (``notebooks/60_methodology_explorer.ipynb``):
``Explorer.evaluate`` (ranks, change against the default), ``Explorer.remaining_intervals``
(``--samples`` Monte Carlo methods over the unfixed factors) and the two SVG charts. A scripted
session makes updates of each kind:

- ``method``: a method dropdown (normalisation, aggregation, ...), same selection: cached batch;
- ``weight``: a component weight slider;
- ``fix``: a "fixed" box (changes only the factors sampled);
- ``drop (new)``: an indicator or component left out for the first time: a new batch preparation;
- ``drop (again)``: the same selection revisited: cached;
- ``period (new)``: another period for an indicator (where the edition has several).

Side by side, the baseline: one full ``build_index`` per update (ranks only, no intervals), and
``build_index`` plus the intervals by one ``build_index`` per Monte Carlo sample (timed on
``--baseline-mc`` samples and scaled to ``--samples``).

Targets on 2 cores: every update under 200 ms for the regional edition (``data/``) and under 1 s for
the larger editions: the COINr ASEM example (``tests/editions/coinr_asem``, 51 countries, 49
indicators) and the district edition (``data/editions/lad``, 361 districts, when it exists). Each
repeat starts a fresh explorer, so "new" selections are new each time (the explorer's per-indicator
column cache included). Times are wall-clock; medians and maxima over the updates of each kind.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ldi_helpers.report.explorer import (EXPLORER_FACTORS, Explorer, ExplorerState, svg_hex_map,
                                  svg_ranked)
from ldi_helpers.analysis.factors import default_factors
from ldi_helpers.method.index import build_index
from ldi_helpers.data.load import load_data
from ldi_helpers.analysis.uncertainty import make_rebuild_model, run_monte_carlo

ROOT = Path(__file__).resolve().parent.parent


def _session(ex: Explorer) -> list[tuple[str, ExplorerState]]:
    """A scripted session: (kind, state) in the order a researcher might click."""
    s = ExplorerState(ex.default)
    steps = []
    for norm in ("zscore", "rank", "minmax"):
        s = s.with_choice("normalisation", norm)
        steps.append(("method", s))
    for agg in ("geometric", "copeland", "arithmetic"):
        s = s.with_choice("composite_aggregation", agg)
        steps.append(("method", s))
    s = s.with_choice("treatment", "none")
    steps.append(("method", s))
    comps = list(ex.components)
    weights = ex.component_weights(s.spec)
    for k, c in enumerate(comps[:4]):
        weights = {**weights, c: weights[c] + 0.5 * (k + 1)}
        s = s.with_component_weights(weights)
        steps.append(("weight", s))
    for f in ("imputation", "indicator_weights"):
        s = s.fix(f)
        steps.append(("fix", s))
    by_comp = ex.indicators_by_component()
    firsts = [ids[0] for ids in by_comp.values() if len(ids) > 1][:3]
    for ind in firsts:
        s = s.with_indicator(ind, False)
        steps.append(("drop (new)", s))
        s = s.with_indicator(ind, True)
        steps.append(("drop (again)", s))
    s = s.with_component(comps[-1], False, comps)
    steps.append(("drop (new)", s))
    s = s.with_component(comps[-1], True, comps)
    steps.append(("drop (again)", s))
    for ind, periods in list(ex.periods().items())[:3]:
        other = [p for p in periods if p != ex.default_period(ind)]
        if other:
            s = s.with_period(ind, other[-1])
            steps.append(("period (new)", s))
    return steps


def _update(ex: Explorer, state: ExplorerState, n: int, seed: int):
    frame = ex.evaluate(state)
    iv = ex.remaining_intervals(state, n, seed)
    svg_ranked(frame, iv)
    svg_hex_map(frame, ex.data.areas)
    return frame


def bench(label: str, path, target_ms: float, n: int, repeats: int, n_base: int) -> bool:
    data = load_data(path)
    t0 = time.perf_counter()
    ex = Explorer(data)
    setup = time.perf_counter() - t0
    steps = _session(ex)
    print(f"\n== {label}: {len(data.areas)} units, {len(ex.components)} components, "
          f"{sum(map(len, ex.indicators_by_component().values()))} indicators; "
          f"explorer set-up {setup * 1000:.0f} ms (once); {len(steps)} updates, "
          f"{n} Monte Carlo samples each")
    times: dict[str, list[float]] = {}
    for r in range(repeats):
        ex = Explorer(data) if r else ex                 # fresh caches: "new" stays new
        _update(ex, ExplorerState(ex.default), n, 0)     # the first render of the notebook
        for kind, st in steps:
            t = time.perf_counter()
            _update(ex, st, n, 0)
            times.setdefault(kind, []).append(time.perf_counter() - t)
    # baseline: a full build_index per update, and with intervals by rebuilding per sample
    base_times = []
    for _, st in steps[:6]:
        t = time.perf_counter()
        build_index(data, st.spec)
        base_times.append(time.perf_counter() - t)
    b_one = float(np.median(base_times))
    st = steps[0][1]
    fs = default_factors(data, st.spec, names=[f for f in EXPLORER_FACTORS if f not in st.fixed])
    model = make_rebuild_model(data, fs, st.spec, units=list(data.areas["area_code"]))
    t = time.perf_counter()
    run_monte_carlo(model, fs, n_base, 0, list(data.areas["area_code"]))
    per_sample = (time.perf_counter() - t) / (n_base + 1)
    b_full = b_one + per_sample * n
    ok_all = True
    print(f"{'update kind':<14} {'count':>5} {'median ms':>10} {'max ms':>8}   "
          f"{'baseline build_index ms':>23} {'baseline + rebuilt intervals ms':>31}  target")
    for kind, ts in times.items():
        med, mx = 1000 * float(np.median(ts)), 1000 * max(ts)
        ok = mx < target_ms
        ok_all &= ok
        print(f"{kind:<14} {len(ts):>5} {med:>10.1f} {mx:>8.1f}   {b_one * 1000:>23.1f} "
              f"{b_full * 1000:>31.0f}  {'PASS' if ok else 'MISS'} (< {target_ms:.0f} ms)")
    every = [x for ts in times.values() for x in ts]
    print(f"{'all updates':<14} {len(every):>5} {1000 * np.median(every):>10.1f} "
          f"{1000 * max(every):>8.1f}   speed-up vs build_index + rebuilt intervals: "
          f"{b_full / np.median(every):.0f}x (median)")
    return ok_all


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline-mc", type=int, default=10)
    a = ap.parse_args()
    editions = [("regional (data/)", None, 200.0),
                ("COINr ASEM (51 countries)", ROOT / "tests" / "editions" / "coinr_asem", 1000.0)]
    lad = ROOT / "data" / "editions" / "lad"
    if lad.is_dir():
        editions.append(("local authority districts (data/editions/lad)", lad, 1000.0))
    else:
        print("(data/editions/lad does not exist yet: district edition = COINr ASEM only)")
    results = [bench(label, path, target, a.samples, a.repeats, a.baseline_mc)
               for label, path, target in editions]
    print("\nOVERALL:", "PASS" if all(results) else "MISS (see the rows marked MISS)")


if __name__ == "__main__":
    main()
