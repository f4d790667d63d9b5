"""``ldi``: the workbench's command line.

Every user error ends in one line ``ldi: error: <problem and fix>`` on stderr and exit code 2;
a run in which a notebook failed exits 1 after finishing the others. SIGINT, SIGTERM and SIGHUP
all stop a run the same way: its notebook processes and kernels are ended, nothing is published,
and ``ldi`` exits with 128 + the signal number after one line saying so.
"""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

# jsonschema (imported by nbformat) compiles an RFC 3987 grammar when it is imported, to check
# "iri" formats: 1.3 s of every `ldi` start, for a format that no schema validated in this
# process uses (nbformat's notebook schemas have none). Leave that optional checker out.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from ..errors import Interrupted, LDIError
from ..data.load import REPO_ROOT

DEFAULT_RAW = REPO_ROOT.parent / "shared" / "data" / "raw"
DEFAULT_OUTPUTS = REPO_ROOT / "outputs"


def _cmd_data_build(args) -> int:
    raw = Path(args.raw)
    if not raw.is_dir():
        raise LDIError(f"raw data folder {raw} not found; pass --raw PATH pointing at "
                       "shared/data/raw (the unchanged public source files)")
    from ..data.curate import build_data

    written = build_data(raw, Path(args.out))
    print(f"built {len(written)} curated files in {args.out}")
    return 0


def _cmd_data_check(args) -> int:
    from ..data.load import load_data

    data = load_data(args.data_dir)
    meta = data.indicators
    print(f"data OK: {len(data.values)} indicator values, {len(meta)} indicators, "
          f"{0 if data.sources is None else len(data.sources)} sources in {data.data_dir}")
    return 0


def _cmd_data_coverage(args) -> int:
    from ..data.load import coverage, load_data

    data = load_data(args.data_dir)
    table = coverage(data, default_period_only=not args.all_periods)
    print(f"Indicators with a value, per component (rows) and {data.edition['unit_word']} "
          "(columns)"
          + ("" if args.all_periods else ", at each indicator's default period") + ":")
    print(table.to_string())
    empty = table.index[table["indicators"] == 0].tolist()
    if empty:
        print("\nComponents with no real data: " + ", ".join(empty))
    return 0


def _cmd_list(args) -> int:
    what = args.what
    if what == "areas":
        from ..data.geography import _BY_CODE, units_of
        from ..data.load import load_data

        for u in units_of(load_data(args.data_dir)):
            alias = f"  (also: {', '.join(u.aliases)})" if u.aliases else ""
            gss = f"{_BY_CODE[u.code].gss_code}  " if u.code in _BY_CODE else ""
            print(f"{u.code}  {gss}{u.name}{alias}")
    elif what == "components":
        from ..data.load import load_data

        for cid, name in load_data(args.data_dir).components.items():
            print(f"{cid:28s} {name}")
    elif what == "indicators":
        from ..data.load import load_data

        meta = load_data(args.data_dir).indicators
        for row in meta.sort_values(["component", "indicator_id"]).itertuples():
            proxy = " [proxy]" if row.is_proxy == "true" else ""
            print(f"{row.component:28s} {row.indicator_id:40s} {row.unit} "
                  f"({row.default_period}){proxy}")
    elif what == "notebooks":
        from .notebooks import NOTEBOOKS, notebook_parameters

        for nb in NOTEBOOKS.values():
            if nb.path.exists():
                params = ", ".join(notebook_parameters(nb.path))
                print(f"{nb.name:16s} {nb.filename:28s} {nb.title}  [parameters: {params}]")
    return 0


def _report_outcome(results, manifest) -> int:
    failed = [r for r in results if not r.ok]
    unchanged = sum(r.ok and r.error == "unchanged" for r in results)
    kept = f" ({unchanged} unchanged, not rerun; --force reruns them)" if unchanged else ""
    print(f"{len(results) - len(failed)} of {len(results)} notebooks succeeded{kept}; "
          f"index: {manifest.parent / 'index.html'}; manifest: {manifest}")
    for r in failed:
        cell = f", code cell {r.failed_cell}" if r.failed_cell else ""
        print(f"FAILED {r.notebook}{cell}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def _load_edition(data_dir):
    """The edition named by --edition/--data-dir (default data/), validated once."""
    from ..data.load import default_data_dir, load_data

    path = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    if not path.is_dir():
        raise LDIError(f"data folder {path} not found; pass --edition (or --data-dir) an "
                       "edition folder of tables (see docs/EDITIONS.md)")
    return load_data(path)


def _engine_args(args) -> dict:
    """Issue 12: the execution engine options of ``run`` and ``report``."""
    return {"executor": args.executor, "scheduler": args.scheduler, "force": args.force}


def _cmd_run(args) -> int:
    from .runner import load_params, plan_jobs, run_jobs

    params = load_params(args.params)
    data = _load_edition(args.data_dir)
    jobs = plan_jobs(params, None if not args.no_reports else [], include_analysis=True,
                     data_dir=args.data_dir, data=data)
    results, manifest = run_jobs(jobs, Path(args.output_dir), args.jobs,
                                 progress=not args.quiet, params=params, data_dir=args.data_dir,
                                 data=data, **_engine_args(args))
    return _report_outcome(results, manifest)


def _cmd_report(args) -> int:
    from .runner import load_params, plan_jobs, resolve_areas, run_jobs

    params = load_params(args.params)
    data = _load_edition(args.data_dir)
    areas = resolve_areas(args.area, args.all, data)
    jobs = plan_jobs(params, areas, include_analysis=False, data_dir=args.data_dir, data=data)
    if not jobs:
        raise LDIError("the regional report notebook notebooks/50_regional_report.ipynb is missing")
    results, manifest = run_jobs(jobs, Path(args.output_dir), args.jobs,
                                 progress=not args.quiet, params=params, data_dir=args.data_dir,
                                 data=data, **_engine_args(args))
    return _report_outcome(results, manifest)


def _cmd_refresh(args) -> int:
    from .notebooks import NOTEBOOKS, VARIANTS, refresh_notebook, refresh_variant

    names = args.names or ([n for n, nb in NOTEBOOKS.items() if nb.path.exists()]
                           + list(VARIANTS))
    for name in names:
        if name not in NOTEBOOKS and name not in VARIANTS:
            raise LDIError(f"unknown notebook {name!r}; valid names: "
                           f"{', '.join([*NOTEBOOKS, *VARIANTS])}")
    for name in names:
        if name in VARIANTS:
            v = VARIANTS[name]
            print(f"executing {v.filename} (a copy of {NOTEBOOKS[v.source].filename} with "
                  f"{', '.join(f'{k}={val!r}' for k, val in v.parameters.items())}) in place")
            refresh_variant(v)
            continue
        print(f"executing {NOTEBOOKS[name].filename} in place with its default parameters")
        refresh_notebook(NOTEBOOKS[name].path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (every command has ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="ldi", description="Open, reproducible workbench for techUK's Local Digital Index.")
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="build, check and summarise the curated data")
    dsub = data.add_subparsers(dest="data_command", required=True)
    b = dsub.add_parser("build", help="rebuild data/ from the raw public files")
    b.add_argument("--raw", default=str(DEFAULT_RAW),
                   help="folder of unchanged raw files (default: ../shared/data/raw)")
    b.add_argument("--out", default=str(REPO_ROOT / "data"), help="output folder (default data/)")
    b.set_defaults(func=_cmd_data_build)
    c = dsub.add_parser("check", help="validate the curated tables")
    c.add_argument("--data-dir", default=None, help="folder to check (default data/)")
    c.set_defaults(func=_cmd_data_check)
    cov = dsub.add_parser("coverage", help="print indicator coverage per component and region")
    cov.add_argument("--data-dir", default=None, help="folder to read (default data/)")
    cov.add_argument("--all-periods", action="store_true",
                     help="count an indicator if any period has a value")
    cov.set_defaults(func=_cmd_data_coverage)

    ls = sub.add_parser("list", help="list areas, components, indicators or notebooks")
    ls.add_argument("what", choices=["areas", "components", "indicators", "notebooks"])
    ls.add_argument("--edition", "--data-dir", dest="data_dir", default=None,
                    help="edition folder (docs/EDITIONS.md) whose areas, components or "
                         "indicators to list (default data/; --data-dir is a synonym)")
    ls.set_defaults(func=_cmd_list)

    def common(p):
        p.add_argument("--output-dir", default=str(DEFAULT_OUTPUTS),
                       help="where results go (default outputs/)")
        p.add_argument("--params", default=None,
                       help="YAML file with 'spec:' and/or 'scenario:' overrides")
        p.add_argument("--jobs", type=int, default=2, help="notebooks run in parallel (default 2)")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        p.add_argument("--edition", "--data-dir", dest="data_dir", default=None,
                       help="edition folder (docs/EDITIONS.md), validated first and passed to "
                            "every notebook as data_dir (default data/, or $LDI_DATA_DIR; "
                            "--data-dir is a synonym)")
        # issue 12: execution engine
        p.add_argument("--executor", choices=["warm", "process"], default="warm",
                       help="warm: a pool of long-lived kernels, one per job slot (default); "
                            "process: one papermill process per notebook")
        p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run the notebooks on a Dask cluster: a scheduler address "
                            "(tcp://host:8786) or 'local' for a LocalCluster of --jobs workers")
        p.add_argument("--force", action="store_true",
                       help="rerun every notebook (default: skip those whose notebook, "
                            "parameters, data and package are unchanged since last published)")

    run = sub.add_parser("run", help="the main job: every notebook and regional report to HTML")
    common(run)
    run.add_argument("--no-reports", action="store_true", help="skip the regional reports")
    run.set_defaults(func=_cmd_run)

    rep = sub.add_parser("report", help="briefing(s) of one or more units as HTML")
    rep.add_argument("--area", action="append",
                     help="name, code or alias of a unit of the edition (repeatable)")
    rep.add_argument("--all", action="store_true", help="every unit of the edition")
    common(rep)
    rep.set_defaults(func=_cmd_report)

    nb = sub.add_parser("notebooks", help="maintain the committed notebooks")
    nsub = nb.add_subparsers(dest="nb_command", required=True)
    rf = nsub.add_parser("refresh", help="re-execute committed notebooks in place (for nbval)")
    rf.add_argument("names", nargs="*", help="notebook names, or variants such as "
                    "district_briefing (default: all)")
    rf.set_defaults(func=_cmd_refresh)
    return parser


#: Signals that stop ``ldi`` like Ctrl-C does (SIGINT keeps Python's own KeyboardInterrupt).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _on_stop_signal(signum, frame):
    # Later signals must not interrupt the cleanup the first one started.
    for sig in (*STOP_SIGNALS, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ldi`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = {}
    try:
        for sig in STOP_SIGNALS:
            previous[sig] = signal.signal(sig, _on_stop_signal)
    except ValueError:  # not the main thread (embedded use): leave the signals alone
        previous = {}
    try:
        if getattr(args, "jobs", 1) < 1:
            raise LDIError(f"--jobs must be at least 1, got {args.jobs}")
        return args.func(args)
    except LDIError as exc:
        print(f"ldi: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        print(f"ldi: stopped by {signal.Signals(signum).name}; running notebooks were ended "
              "and no partial output was published", file=sys.stderr)
        # everything is cleaned up by now; an event loop of an ended kernel client may still be
        # collected at interpreter exit and print an "Exception ignored" traceback: keep the
        # stop message the last word
        sys.unraisablehook = lambda unraisable: None
        return 128 + int(signum)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if previous:
            signal.signal(signal.SIGINT, signal.default_int_handler)


if __name__ == "__main__":
    sys.exit(main())
