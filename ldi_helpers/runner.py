"""The main job: run every notebook and regional report headlessly and publish them atomically.

Everything is first written to a hidden staging folder inside the output directory; only when all
runs have finished (successfully or not) are the results moved into place, the index page and the
manifest last. An interrupted run therefore never leaves a half report that looks finished, and two
runs into different output directories never touch each other's files.
"""
from __future__ import annotations

import os
import platform
import shutil
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import yaml

from .errors import LDIError
from .geography import REGIONS, Region, resolve_area
from .load import REPO_ROOT, data_fingerprint, default_data_dir
from .notebooks import (NOTEBOOKS, RunResult, check_parameters, default_runs, dump_json,
                        execute_notebook, notebook_parameters, render_html)

#: Top-level keys a ``--params`` YAML file may hold, and the notebook parameter each feeds.
PARAM_SECTIONS = {"spec": "spec_overrides", "scenario": "scenario_overrides"}

_PACKAGES = ("numpy", "pandas", "scipy", "statsmodels", "SALib", "matplotlib", "seaborn",
             "papermill", "nbconvert", "nbclient", "pandera", "ldi-workbench")


#: Start order of the notebooks in a run (longest-running first).
_EXPECTED_ORDER = {"sensitivity": 0, "data_overview": 1, "growth": 2, "index": 3,
                   "regional_report": 4, "component": 5}


@dataclass(frozen=True)
class Job:
    """One notebook execution: which notebook, the output stem, its parameters, its kind."""

    notebook: str
    stem: str
    parameters: dict
    kind: str = "analysis"  # or "report"
    title: str = ""


def slugify(text: str) -> str:
    """File-name-safe lower-case slug (``"Yorkshire and The Humber"`` -> ``yorkshire-and-the-humber``)."""
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def load_params(path: Path | None) -> dict:
    """Read and check a ``--params`` YAML file: ``{spec: {...}, scenario: {...}}``.

    Spec and scenario fields are validated by the index engine and the scenario engine, so a
    misspelt field fails here, before any notebook runs.
    """
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise LDIError(f"params file {path} not found; pass an existing YAML file to --params")
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LDIError(f"params file {path} is not valid YAML: {exc}") from None
    if not isinstance(params, dict):
        raise LDIError(f"params file {path} must be a mapping with keys "
                       f"{', '.join(PARAM_SECTIONS)}")
    unknown = sorted(set(params) - set(PARAM_SECTIONS))
    if unknown:
        raise LDIError(f"unknown section(s) {', '.join(unknown)} in {path}; valid sections: "
                       f"{', '.join(PARAM_SECTIONS)}")
    for section, value in params.items():
        if not isinstance(value, dict):
            raise LDIError(f"section {section!r} in {path} must be a mapping of field: value")
    if "spec" in params:
        from .spec import coerce_spec

        coerce_spec(params["spec"])  # raises SpecError naming bad fields
    if "scenario" in params:
        from .scenarios import Scenario

        Scenario.from_dict(params["scenario"])  # raises an LDIError naming bad fields
    return params


def _inject(notebook: str, params: dict, base: dict) -> dict:
    """Add the params-file sections to a run's parameters when the notebook declares them."""
    declared = notebook_parameters(NOTEBOOKS[notebook].path)
    out = dict(base)
    for section, pname in PARAM_SECTIONS.items():
        if section in params and pname in declared:
            out[pname] = params[section]
    return out


def plan_jobs(params: dict, areas: list[Region] | None, include_analysis: bool = True) -> list[Job]:
    """The list of notebook runs for ``ldi run`` (``areas=None`` means every region)."""
    jobs: list[Job] = []
    if include_analysis:
        for nb, stem, base in default_runs():
            title = NOTEBOOKS[nb].title
            if nb == "component":
                from .components import COMPONENTS

                title = f"Component: {COMPONENTS[base['component']]}"
            jobs.append(Job(nb, stem, _inject(nb, params, base), "analysis", title))
    if NOTEBOOKS["regional_report"].path.exists():
        for region in areas if areas is not None else list(REGIONS):
            jobs.append(Job("regional_report", f"report_{slugify(region.name)}",
                            _inject("regional_report", params, {"area": region.name}),
                            "report", region.name))
    return jobs


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                             text=True, check=False)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=False).stdout.strip()
        return out.stdout.strip() + ("+uncommitted-changes" if dirty else "") or "unknown"
    except OSError:
        return "unknown"


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for pkg in _PACKAGES:
        try:
            found[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            found[pkg] = "not installed"
    return found


def _cached_intervals(cache_dir: Path, params: dict):
    """Rank intervals the run's regional reports computed (default report settings), if any."""
    from .briefing import rank_uncertainty
    from .load import load_data
    from .spec import coerce_spec

    d = notebook_parameters(NOTEBOOKS["regional_report"].path)
    found = rank_uncertainty(load_data(), coerce_spec(params.get("spec") or {}), d["n_samples"],
                             d["sobol_n"], d["seed"], cache_dir=cache_dir, cached_only=True)
    return None if found is None else found["intervals"]


def _publish(staging: Path, output_dir: Path, last: tuple[str, ...]) -> None:
    """Move staged items into output_dir, replacing older ones; ``last`` items move at the end."""
    items = sorted(staging.iterdir(), key=lambda p: (p.name in last, p.name))
    for item in items:
        dest = output_dir / item.name
        if dest.exists():
            trash = output_dir / f".old-{uuid.uuid4().hex[:8]}-{item.name}"
            os.replace(dest, trash)
            os.replace(item, dest)
            shutil.rmtree(trash) if trash.is_dir() else trash.unlink()
        else:
            os.replace(item, dest)
    staging.rmdir()


def run_jobs(jobs: list[Job], output_dir: Path, jobs_in_parallel: int = 2,
             progress: bool = True, params: dict | None = None) -> tuple[list[RunResult], Path]:
    """Execute jobs (in parallel processes), render HTML, write the index page and manifest.

    Parameters
    ----------
    jobs : list of Job
    output_dir : Path
        Destination; results appear there only when the whole run is finished.
    jobs_in_parallel : int
        Notebooks executed at the same time (each in its own process).
    progress : bool
        Show a progress bar on stderr.
    params : dict, optional
        The params-file content, recorded in the manifest.

    Returns
    -------
    (results, manifest_path)
    """
    from tqdm import tqdm

    from .site import write_index_page

    if jobs_in_parallel < 1:
        raise LDIError(f"--jobs must be at least 1, got {jobs_in_parallel}")
    for job in jobs:
        check_parameters(NOTEBOOKS[job.notebook].path, job.parameters)
    output_dir = Path(output_dir).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    for old in output_dir.glob(".staging-*"):
        if old.is_dir() and time.time() - old.stat().st_mtime > 6 * 3600:
            shutil.rmtree(old, ignore_errors=True)  # left by an interrupted run long ago
    staging = output_dir / f".staging-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    started = time.time()
    results: dict[str, RunResult] = {}
    try:
        def one(job: Job) -> RunResult:
            src = NOTEBOOKS[job.notebook].path
            sub = "reports" if job.kind == "report" else "analysis"
            executed = staging / "notebooks" / f"{job.stem}.ipynb"
            res = execute_notebook(src, executed, job.parameters,
                                   env={"LDI_CACHE_DIR": str(staging / ".cache")})
            if res.ok:
                render_html(executed, staging / sub / f"{job.stem}.html", job.title)
            return res

        # Longest first (sensitivity, then the other analyses, then reports), so that no long
        # notebook starts last and leaves the other workers idle.
        order = sorted(jobs, key=lambda j: _EXPECTED_ORDER.get(j.notebook, 9))
        with ThreadPoolExecutor(max_workers=jobs_in_parallel) as pool:
            futures = {pool.submit(one, job): job for job in order}
            bar = tqdm(total=len(jobs), desc="ldi run", unit="notebook", disable=not progress)
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    results[job.stem] = fut.result()
                except LDIError as exc:
                    results[job.stem] = RunResult(job.stem, Path(), False, error=str(exc))
                bar.update(1)
            bar.close()
        ordered = [results[j.stem] for j in jobs]
        manifest = {
            "run_id": staging.name.removeprefix(".staging-"),
            "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            "seconds": round(time.time() - started, 2),
            "git_commit": _git_commit(),
            "packages": _versions(),
            "data_dir": str(default_data_dir()),
            "data_sha256": data_fingerprint(),
            "params": params or {},
            "jobs": [
                {"notebook": NOTEBOOKS[j.notebook].filename, "output": j.stem, "kind": j.kind,
                 "title": j.title or NOTEBOOKS[j.notebook].title,
                 "parameters": j.parameters, "ok": r.ok, "seconds": round(r.seconds, 2),
                 "failed_cell": r.failed_cell, "error": r.error, "warnings": r.warnings,
                 "html": f"{'reports' if j.kind == 'report' else 'analysis'}/{j.stem}.html"
                 if r.ok else None}
                for j, r in zip(jobs, ordered)
            ],
        }
        write_index_page(staging / "index.html", manifest,
                         intervals=_cached_intervals(staging / ".cache", params or {}))
        shutil.rmtree(staging / ".cache", ignore_errors=True)  # private to this run
        dump_json(manifest, staging / "manifest.json")
        _publish(staging, output_dir, last=("index.html", "manifest.json"))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [results[j.stem] for j in jobs], output_dir / "manifest.json"


def resolve_areas(names: list[str] | None, all_areas: bool) -> list[Region]:
    """Regions named on the command line (``--area``, repeatable) or all of them (``--all``)."""
    if all_areas:
        return list(REGIONS)
    if not names:
        raise LDIError("say which region: --area \"North East\" (repeatable) or --all")
    return [resolve_area(n) for n in names]
