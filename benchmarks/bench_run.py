"""Benchmark of the headless main job (issues 6 and 12). Run on demand, never from the tests:

    .venv/bin/python benchmarks/bench_run.py [--jobs 2] [--batches 10,50] [--skip-full]
                                            [--skip-dask] [--skip-process] [--lone-only]

In one run it measures, side by side:

1. the floor: papermill executing an *empty* notebook in its own process (kernel start-up and
   papermill overhead, which every notebook pays);
2. a lone cold ``ldi report --area "North East"`` (computes its rank uncertainty; starts its
   kernel), with the default warm executor, alternating with the floor (``--pair-repeats``
   pairs; the verdict is the median of the paired ratios, so that a slow spell of a shared
   machine hits both sides), and with ``--executor process``;
3. briefing batches of N reports (``--batches``) through ``run_jobs`` with the warm pool: total
   time and the amortised per-report cost ((t_big - t_small) / (big - small): what one more
   report costs once the kernels are warm and the shared uncertainty is computed);
4. the largest batch through ``--scheduler local`` (a Dask LocalCluster of --jobs workers) and
   through ``--executor process``;
5. ``ldi run`` for everything (all analysis notebooks and the 12 regional reports), warm;
6. a lone ``ldi report`` whose shared results (the rank uncertainty) are already in the cross-run
   store (``$LDI_SHARED_CACHE``, :mod:`ldi_helpers.analysis.shared`), e.g. the second briefing
   a user asks for on the same data and spec.

Every measure but the last runs with the cross-run store switched off, so each run computes its
shared stage (cold).

Every batch publishes into a fresh folder (so nothing is skipped as unchanged). The batches
brief districts of the district edition (``data/editions/lad``), the first N in the edition's
order, each publishing its index page too (``--batch-edition data`` briefs the twelve regions
over and over instead). The 361-district batch is exactly ``ldi run --edition data/editions/lad``
without its analysis pages.

Targets on a 2-core machine: warm per-report <= 0.5x the floor; everything <= 45 s;
361 briefings <= 5 minutes; a lone report <= 2x the floor.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from ldi_helpers.data.geography import REGIONS, resolve_area  # noqa: F401
from ldi_helpers.run.cli import main as ldi
from ldi_helpers.run.notebooks import NOTEBOOKS, execute_notebook, render_html  # noqa: F401
from ldi_helpers.run.runner import Job, plan_jobs, run_jobs


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


def _batch(n: int, edition: Path | None = None) -> list[Job]:
    """N briefings: the first N units of ``edition`` (every one at most once), or with no
    edition the twelve regions over and over under distinct names."""
    if edition is not None:
        jobs = plan_jobs({}, None, include_analysis=False, data_dir=edition)
        if n > len(jobs):
            raise SystemExit(f"--batches: {edition} has {len(jobs)} units, asked for {n}")
        return jobs[:n]
    return [Job("regional_report", f"report_{i:03d}", {"area": REGIONS[i % len(REGIONS)].name},
                "report", REGIONS[i % len(REGIONS)].name) for i in range(n)]


def _timed_run(jobs, out: Path, n_jobs: int, **kw) -> float:
    t0 = time.perf_counter()
    results, _ = run_jobs(jobs, out, n_jobs, progress=False, **kw)
    seconds = time.perf_counter() - t0
    failed = [r.notebook for r in results if not r.ok]
    if failed:
        raise SystemExit(f"notebooks failed: {failed[:5]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pair-repeats", type=int, default=7,
                        help="alternating floor / lone-report pairs (their median ratio)")
    parser.add_argument("--batches", default="10,50", help="batch sizes, e.g. 10,50,361")
    parser.add_argument("--skip-full", action="store_true", help="skip the full `ldi run`")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--skip-process", action="store_true")
    parser.add_argument("--lone-only", action="store_true",
                        help="only the floor and the lone reports (no batches, no full run)")
    parser.add_argument("--batch-edition", default="data/editions/lad",
                        help="edition whose units the batches brief ('data': the regions, repeated)")
    args = parser.parse_args()
    edition = None if args.batch_edition.rstrip("/") == "data" else Path(args.batch_edition)
    kw_edition = {"data_dir": edition} if edition is not None else {}
    sizes = [] if args.lone_only else sorted(int(s) for s in args.batches.split(","))
    if args.lone_only:
        args.skip_dask = args.skip_process = args.skip_full = True
    rows = []
    os.environ["LDI_SHARED_CACHE"] = "off"  # cold: every run computes its shared stage
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        empty = _empty_notebook(tmp / "empty.ipynb")

        def run_empty():
            res = execute_notebook(empty, tmp / "empty_out.ipynb")
            assert res.ok, res.error

        def verdict(ok, target):
            return "PASS" if ok else f"MISS (target {target})"

        k = iter(range(10_000))  # a fresh output folder for every report: none is skipped

        def lone_of(executor):
            def lone():
                code = ldi(["report", "--area", "North East", "--quiet", "--executor", executor,
                            "--output-dir", str(tmp / f"lone-{executor}-{next(k)}")])
                assert code == 0
            return lone

        # the floor and the lone report alternate, so that a slow spell of the machine hits
        # both; the verdict is the median of the paired ratios
        run_empty()  # first use of the kernel spec and of papermill's imports
        floors, lones = [], []
        for _ in range(args.pair_repeats):
            floors.append(_median_time(run_empty, 1))
            lones.append(_median_time(lone_of("warm"), 1))
        floor = sorted(floors)[len(floors) // 2]
        rows.append((f"empty notebook under papermill (floor, median of {len(floors)})", floor,
                     f"{min(floors):.2f}-{max(floors):.2f} s", ""))
        ratios = sorted(t / f for t, f in zip(lones, floors))
        ratio = ratios[len(ratios) // 2]
        t = sorted(lones)[len(lones) // 2]
        rows.append((f"lone cold `ldi report` (--executor warm, median of {len(lones)})", t,
                     f"{ratio:4.2f}x floor", verdict(ratio <= 2, "<= 2x floor")
                     + f" (paired ratios {ratios[0]:.2f}-{ratios[-1]:.2f})"))
        if not args.skip_process:
            t = _median_time(lone_of("process"), args.repeats)
            rows.append(("lone cold `ldi report` (--executor process)", t,
                         f"{t / floor:4.2f}x floor", ""))
        times = {}
        for n in sizes:
            times[n] = _timed_run(_batch(n, edition), tmp / f"batch-{n}", args.jobs, **kw_edition)
            rows.append((f"{n} {'district ' if edition else ''}briefings, warm pool, "
                         f"--jobs {args.jobs}", times[n],
                         f"{times[n] / n:5.2f} s each", ""))
        if len(sizes) > 1:
            lo, hi = sizes[0], sizes[-1]
            per = (times[hi] - times[lo]) / (hi - lo)
            rows.append((f"warm: one more briefing (amortised, {lo}->{hi})", per,
                         f"{per / floor:4.2f}x floor", verdict(per <= 0.5 * floor,
                                                               "<= 0.5x floor")))
            est = times[hi] + per * (361 - hi)
            rows.append(("361 briefings (extrapolated from the above)" if hi < 361
                         else "361 briefings", est if hi < 361 else times[hi], "",
                         verdict((est if hi < 361 else times[hi]) <= 300, "<= 300 s")))
        big = sizes[-1] if sizes else 0
        if not args.skip_dask:
            t = _timed_run(_batch(big, edition), tmp / "batch-dask", args.jobs, scheduler="local",
                           **kw_edition)
            rows.append((f"{big} briefings, --scheduler local ({args.jobs} workers)", t,
                         f"{t / big:5.2f} s each", "(includes starting the cluster)"))
        if not args.skip_process and sizes:
            n = sizes[0]
            t = _timed_run(_batch(n, edition), tmp / "batch-process", args.jobs, executor="process",
                           **kw_edition)
            rows.append((f"{n} briefings, --executor process", t, f"{t / n:5.2f} s each", ""))
        if not args.skip_full:
            t = _timed_run(plan_jobs({}, None), tmp / "site", args.jobs)
            rows.append((f"ldi run, everything (24 notebooks), warm, --jobs {args.jobs}", t, "",
                         verdict(t <= 45, "<= 45 s")))
        os.environ["LDI_SHARED_CACHE"] = str(tmp / "store")
        k2 = iter(range(100))

        def lone_stored():
            code = ldi(["report", "--area", "North East", "--quiet",
                        "--output-dir", str(tmp / f"lone-stored-{next(k2)}")])
            assert code == 0

        lone_stored()  # fills the store
        t = _median_time(lone_stored, args.repeats)
        rows.append(("lone `ldi report`, shared results in the store (warm)", t,
                     f"{t / floor:4.2f}x floor", verdict(t <= 2 * floor, "<= 2x floor")))
        os.environ["LDI_SHARED_CACHE"] = "off"
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':{width}}  {'seconds':>8}  {'ratio':>14}  target")
    for name, t, r, v in rows:
        print(f"{name:{width}}  {t:8.2f}  {r:>14}  {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
