"""Benchmark of the headless main job (issue 6). Run on demand, never from the tests:

    .venv/bin/python benchmarks/bench_run.py [--jobs 2] [--skip-full]

In one run it measures, side by side:

1. the floor: papermill executing an *empty* notebook in its own process (kernel start-up and
   papermill overhead, which every notebook pays);
2. one regional report (``ldi report --area "North East"`` path: execute + render HTML), cold
   (computing its rank uncertainty) and warm (reusing the run's uncertainty cache, as the
   reports inside ``ldi run`` do);
3. ``ldi run`` for everything (all analysis notebooks and the 12 regional reports).

Targets on a 2-core machine: everything in under 90 s; one report under 2x the empty floor.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from ldi_helpers.data.geography import resolve_area
from ldi_helpers.run.notebooks import NOTEBOOKS, execute_notebook, render_html
from ldi_helpers.run.runner import plan_jobs, run_jobs


def _empty_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-full", action="store_true", help="skip the full `ldi run`")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        empty = _empty_notebook(tmp / "empty.ipynb")

        def run_empty():
            res = execute_notebook(empty, tmp / "empty_out.ipynb")
            assert res.ok, res.error

        floor = _median_time(run_empty, args.repeats)
        report_nb = NOTEBOOKS["regional_report"].path

        def run_report(env=None):
            out = tmp / "report.ipynb"
            res = execute_notebook(report_nb, out, {"area": resolve_area("North East").name},
                                   env=env)
            assert res.ok, res.error
            render_html(out, tmp / "report.html")

        # cold: the report computes its rank uncertainty itself (a lone `ldi report`)
        one = _median_time(run_report, args.repeats)
        # warm: as inside `ldi run`, where the reports share the run's uncertainty cache
        cache = {"LDI_CACHE_DIR": str(tmp / "cache")}
        run_report(cache)
        warm = _median_time(lambda: run_report(cache), args.repeats)
        full = None
        if not args.skip_full:
            t0 = time.perf_counter()
            results, _ = run_jobs(plan_jobs({}, None), tmp / "site", args.jobs, progress=False)
            full = time.perf_counter() - t0
            failed = [r.notebook for r in results if not r.ok]
            if failed:
                print(f"notebooks failed: {failed}", file=sys.stderr)
                return 1
    ratio = one / floor
    rows = [
        ("empty notebook under papermill (floor)", f"{floor:6.2f} s", "", ""),
        ("one regional report, cold (execute + HTML)", f"{one:6.2f} s", f"{ratio:4.2f}x floor",
         "PASS" if ratio < 2 else "MISS (target < 2x)"),
        ("one regional report, warm cache (in ldi run)", f"{warm:6.2f} s",
         f"{warm / floor:4.2f}x floor", "PASS" if warm / floor < 2 else "MISS (target < 2x)"),
    ]
    if full is not None:
        rows.append((f"ldi run, everything, --jobs {args.jobs}", f"{full:6.2f} s", "",
                     "PASS" if full < 90 else "MISS (target < 90 s)"))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':{width}}  {'median':>8}  {'ratio':>10}  target")
    for name, t, r, verdict in rows:
        print(f"{name:{width}}  {t:>8}  {r:>10}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
