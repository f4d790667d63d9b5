"""The main job: run every notebook and regional report headlessly and publish them atomically.

Before any notebook starts, the data are validated and the output folder is checked and locked
(``.ldi.lock``, holding the PID of the run): a second run into the same folder waits, saying so,
until the first has published. Everything is written to a hidden staging folder inside the output
directory; only when all runs have finished (successfully or not) are the results moved into
place file by file (write beside, then rename), the index page and the manifest last. A run
replaces only the files it produced: other files already in the folder (earlier reports, say)
stay, and the new ``manifest.json`` and ``index.html`` describe them too, each job marked with the
run that produced it. If publishing fails half-way, the files already moved are put back as they
were. An interrupted run (SIGINT, SIGTERM, SIGHUP) ends its notebook processes and kernels,
removes its staging folder and publishes nothing; a staging folder left by a run that crashed is
recognised by the dead PID it records and removed by the next run.
"""
from __future__ import annotations

import errno
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path



from ..analysis.params import PARAM_SECTIONS, load_params  # noqa: F401 - re-exported
from ..errors import LDIError
from ..data.geography import Unit, resolve_unit, units_of
from ..data.load import REPO_ROOT, data_fingerprint, default_data_dir
from .notebooks import (NOTEBOOKS, RunResult, allow_new_runs, check_parameters, default_runs,
                        dump_json, notebook_parameters, render_html,
                        skipped_notebooks, stop_all)

#: Lock file inside an output folder, held (``flock``) by the run writing into it.
LOCK_NAME = ".ldi.lock"
#: Prefix of the hidden staging folders; each holds a ``.pid`` file naming its run's process.
STAGING_PREFIX = ".staging-"

#: Top-level keys a ``--params`` YAML file may hold, and the notebook parameter each feeds.

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




def _inject(notebook: str, params: dict, base: dict, data_dir: Path | None = None) -> dict:
    """Add the params-file sections (and ``data_dir``) when the notebook declares them."""
    declared = notebook_parameters(NOTEBOOKS[notebook].path)
    out = dict(base)
    for section, pname in PARAM_SECTIONS.items():
        if section in params and pname in declared:
            out[pname] = params[section]
    if data_dir is not None and "data_dir" in declared:
        out["data_dir"] = str(Path(data_dir).resolve())
    return out


def plan_jobs(params: dict, areas: list[Unit] | None, include_analysis: bool = True,
              data_dir: Path | None = None, data=None) -> list[Job]:
    """The list of notebook runs for ``ldi run`` (``areas=None`` means every unit).

    Parameters
    ----------
    params : dict
        The params-file content (``spec``, ``scenario``).
    areas : list of Unit, optional
        Units to brief (``None``: all of the edition's; ``[]``: none). A unit named twice runs
        once.
    include_analysis : bool
        Include the analysis notebooks: the generic ones, one component page per component of
        the edition's framework, and the LDI-only ones when the edition has the LDI's tables.
    data_dir : Path, optional
        Edition folder, passed to every notebook as its ``data_dir`` parameter.
    data : LDIData, optional
        The loaded edition (loaded from ``data_dir`` when not given).
    """
    if data is None:
        from ..data.load import load_data

        data = load_data(data_dir)
    jobs: list[Job] = []
    if include_analysis:
        for nb, stem, base in default_runs(data):
            title = NOTEBOOKS[nb].title
            if nb == "component":
                title = f"Component: {data.components[base['component']]}"
            jobs.append(Job(nb, stem, _inject(nb, params, base, data_dir), "analysis", title))
    if NOTEBOOKS["regional_report"].path.exists():
        units = areas
        if units is None:   # every unit; one the method does not rank gets a briefing saying why
            units = units_of(data)
        for unit in units:
            jobs.append(Job("regional_report", f"report_{slugify(unit.name) or slugify(unit.code)}",
                            _inject("regional_report", params, {"area": unit.name}, data_dir),
                            "report", unit.name))
    return unique_jobs(jobs)


def unique_jobs(jobs: list[Job]) -> list[Job]:
    """Jobs with duplicate output stems collapsed to the first (they would write one file)."""
    seen: set[str] = set()
    out = []
    for job in jobs:
        if job.stem not in seen:
            seen.add(job.stem)
            out.append(job)
    return out


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


def _cached_intervals(cache_dir: Path, params: dict, data, job: Job | None = None):
    """Rank intervals the run's shared stage computed for a report job's settings (its
    parameters over the notebook's defaults; default report settings without ``job``), if any."""
    from ..report.briefing import rank_uncertainty
    from ..method.spec import coerce_spec

    d = dict(notebook_parameters(NOTEBOOKS["regional_report"].path),
             **(job.parameters if job is not None else {}))
    spec = d.get("spec_overrides") if job is not None else params.get("spec")
    try:
        found = rank_uncertainty(data, coerce_spec(spec or {}), d["n_samples"], d["sobol_n"],
                                 d["seed"], cache_dir=cache_dir, cached_only=True)
    except (KeyError, LDIError):
        return None
    return None if found is None else found["intervals"]


#: Notebooks that read the run's shared uncertainty (they wait for the shared stage).
SHARED_READERS = ("regional_report", "sensitivity")


def shared_stage(jobs: list[Job], data, cache_dir: Path):
    """The run's shared stage (:class:`ldi_helpers.analysis.shared.SharedStage`) for ``jobs``.

    The settings come from each job's parameters over the notebook's defaults: a briefing's spec
    overrides and sample settings; the sensitivity page's too, with its factor set and bootstrap.
    """
    from ..analysis.shared import SharedStage

    reports, sens = [], None
    for job in jobs:
        if job.notebook not in SHARED_READERS:
            continue
        p = dict(notebook_parameters(NOTEBOOKS[job.notebook].path), **job.parameters)
        if not {"n_samples", "sobol_n", "seed"} <= set(p):
            continue  # a notebook without the uncertainty (e.g. a test's stand-in)
        settings = {"spec": p.get("spec_overrides") or {}, "n_samples": p["n_samples"],
                    "sobol_n": p["sobol_n"], "seed": p["seed"]}
        if job.notebook == "regional_report":
            reports.append(settings)
        elif sens is None:
            sens = dict(settings, factors=p.get("factors", "all"),
                        weight_spread=p.get("weight_spread"), bootstrap=p.get("bootstrap", 50),
                        convergence_steps=3)
    return SharedStage(data, cache_dir, reports, sens)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prepare_output_dir(output_dir: Path) -> Path:
    """Create the output folder if needed; one clear :class:`LDIError` if it cannot be used.

    Raises
    ------
    LDIError
        The path is a file, lies inside a file, or cannot be created or written.
    """
    output_dir = Path(output_dir).expanduser().absolute()
    fix = "pass --output-dir a folder you can write to"
    if output_dir.exists() and not output_dir.is_dir():
        raise LDIError(f"output folder {output_dir} is a file, not a folder; {fix}")
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in output_dir.parents if p.exists() and not p.is_dir()), None)
        where = f" ({blocker} is a file)" if blocker else ""
        raise LDIError(f"output folder {output_dir} cannot be created{where}; {fix}") from None
    except OSError as exc:
        raise LDIError(f"output folder {output_dir} cannot be created ({exc.strerror}); "
                       f"{fix}") from None
    if not os.access(output_dir, os.W_OK | os.X_OK):
        raise LDIError(f"output folder {output_dir} is not writable; {fix}")
    return output_dir.resolve()


class OutputLock:
    """Exclusive lock on an output folder (``flock`` on ``.ldi.lock``, which records the PID).

    A second run into the same folder waits until the first has finished, printing one line on
    stderr that says which process it is waiting for. The lock is released when the process ends,
    however it ends, so a crashed run never leaves the folder locked.
    """

    def __init__(self, output_dir: Path):
        self.path = Path(output_dir) / LOCK_NAME
        self.fd: int | None = None

    def __enter__(self) -> "OutputLock":
        import fcntl

        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise LDIError(f"output folder {self.path.parent} is not writable "
                               f"({exc.strerror}); pass --output-dir a folder you can write "
                               "to") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
                print(f"ldi: another run (PID {holder}) is writing into {self.path.parent}; "
                      "waiting for it to finish (both runs' results will be kept)",
                      file=sys.stderr, flush=True)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                except BaseException:
                    os.close(fd)
                    raise
            # The holder may have removed the file before we got the lock: lock the new one.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self.fd = fd
        _LOCK_FDS.add(fd)
        return self

    def release(self, remove: bool = False) -> None:
        """Release the lock (``remove``: also delete the lock file)."""
        if self.fd is None:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        _LOCK_FDS.discard(self.fd)
        os.close(self.fd)  # closing the descriptor releases the flock
        self.fd = None

    def __exit__(self, *exc) -> None:
        self.release()


#: Descriptors of the output locks this process holds. A forked child (the shared stage, the
#: engine's workers) closes its copies at once, so that it never keeps a folder locked after
#: the run that locked it has ended (closing a copy does not release the parent's lock).
_LOCK_FDS: set[int] = set()


def _close_lock_fds_in_child() -> None:
    for fd in list(_LOCK_FDS):
        try:
            os.close(fd)
        except OSError:
            pass
    _LOCK_FDS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_lock_fds_in_child)


def clean_stale_staging(output_dir: Path) -> list[Path]:
    """Remove staging folders left in ``output_dir`` by runs that are no longer alive.

    A staging folder records the PID of its run in ``.pid``; it is stale when that process is
    gone. (A folder without ``.pid``, from an older version of the workbench, is stale after six
    hours.) Call this while holding the folder's :class:`OutputLock`.

    Returns
    -------
    list of Path
        The folders removed.
    """
    removed = []
    for old in Path(output_dir).glob(f"{STAGING_PREFIX}*"):
        if not old.is_dir():
            continue
        pid_file = old / ".pid"
        try:
            pid = int(pid_file.read_text(encoding="ascii").split()[0])
            stale = pid != os.getpid() and not _pid_alive(pid)
        except (OSError, ValueError, IndexError):
            stale = time.time() - old.stat().st_mtime > 6 * 3600
        if stale:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return removed


def _publish(staging: Path, output_dir: Path, last: tuple[str, ...]) -> list[str]:
    """Move every staged file into ``output_dir``, one rename per file; ``last`` files go last.

    Only files this run produced are replaced; nothing else in ``output_dir`` is touched. If a
    move fails, every file already moved is put back as it was (replaced files restored, new files
    removed) and the error is raised.

    Returns
    -------
    list of str
        Published paths relative to ``output_dir``.
    """
    backup = staging / ".replaced"
    skip = {".pid", ".cache", ".replaced"}
    files = [p for p in staging.rglob("*")
             if p.is_file() and p.relative_to(staging).parts[0] not in skip]
    files.sort(key=lambda p: (p.name in last, p.relative_to(staging).parts[0] != "notebooks",
                              str(p)))
    done: list[tuple[Path, Path | None]] = []
    made_dirs: list[Path] = []
    try:
        for src in files:
            rel = src.relative_to(staging)
            dest = output_dir / rel
            for parent in reversed(rel.parents[:-1]):
                d = output_dir / parent
                if not d.is_dir():
                    d.mkdir()
                    made_dirs.append(d)
            if dest.is_dir():
                raise LDIError(f"{dest} is a folder, but the run writes a file there; move "
                               "it away and run again")
            kept = None
            if dest.exists() or dest.is_symlink():
                kept = backup / rel
                kept.parent.mkdir(parents=True, exist_ok=True)
                os.replace(dest, kept)
            done.append((dest, kept))
            os.replace(src, dest)
    except BaseException:
        for dest, kept in reversed(done):
            try:
                if kept is not None:
                    os.replace(kept, dest)
                else:
                    dest.unlink(missing_ok=True)
            except OSError:
                pass
        for d in reversed(made_dirs):
            try:
                d.rmdir()
            except OSError:
                pass
        raise
    return [str(f.relative_to(staging)) for f in files]


def _heading(job: Job, data=None) -> str | None:
    """The h1 of a job's page: the unit on a briefing, the component on a component page."""
    if job.kind == "report":
        ldi_family = data is None or data.has_ldi_tables or (
            data.edition.get("index_name") == "Local Digital Index")
        what = "digital ecosystem briefing" if ldi_family else "briefing"
        return f"{job.parameters.get('area', job.title)}: {what}"
    if job.notebook == "component":
        return job.title
    if data is not None and not data.has_ldi_tables:
        from ..data.geography import unit_words

        w = unit_words(data)
        return {"data_overview": f"What data the {w['index_name']} uses",
                "index": f"The {w['index_name']}: composite scores and ranks",
                "sensitivity": f"How robust are the rankings? Uncertainty and sensitivity per "
                               f"{w['unit']}"}.get(job.notebook)
    return None


def _earlier_jobs(output_dir: Path) -> list[dict]:
    """Jobs of earlier runs whose pages are still in the folder (from its ``manifest.json``)."""
    try:
        old = json.loads((Path(output_dir) / "manifest.json").read_text(encoding="utf-8"))
        jobs = [j for j in old.get("jobs", []) if isinstance(j, dict)]
    except (OSError, ValueError, AttributeError):
        return []
    return [j for j in jobs if j.get("ok") and j.get("html")
            and (Path(output_dir) / j["html"]).is_file()]


def _html_path(job: Job) -> str:
    return f"{'reports' if job.kind == 'report' else 'analysis'}/{job.stem}.html"


def merge_manifest(output_dir: Path, manifest: dict) -> dict:
    """Add to a new run's manifest the jobs of earlier runs whose outputs are still in the folder.

    A job of an earlier run stays listed (with its own ``run_id``) unless this run produced the
    same output or its files are gone; ``runs`` keeps the record of every run still listed.

    Parameters
    ----------
    output_dir : Path
        Folder holding the earlier ``manifest.json`` (if any).
    manifest : dict
        This run's manifest (its jobs carry this run's ``run_id``).

    Returns
    -------
    dict
        The merged manifest: this run's jobs first, then the earlier ones.
    """
    old_path = Path(output_dir) / "manifest.json"
    try:
        old = json.loads(old_path.read_text(encoding="utf-8"))
        old_jobs = list(old.get("jobs", []))
    except (OSError, ValueError, AttributeError):
        old, old_jobs = {}, []
    ours = {j["output"] for j in manifest["jobs"]}
    old_runs = dict(old.get("runs") or {})
    if old.get("run_id") and old["run_id"] not in old_runs:
        old_runs[old["run_id"]] = _run_record(old)
    kept = []
    for job in old_jobs:
        if not isinstance(job, dict) or job.get("output") in ours:
            continue
        job = dict(job)
        job.setdefault("run_id", old.get("run_id", "unknown"))
        present = (job.get("html") and (Path(output_dir) / job["html"]).is_file()) or \
            (Path(output_dir) / "notebooks" / f"{job['output']}.ipynb").is_file()
        if present:
            kept.append(job)
    merged = dict(manifest)
    merged["jobs"] = list(manifest["jobs"]) + kept
    runs = {rid: old_runs[rid] for rid in {j["run_id"] for j in kept} if rid in old_runs}
    runs[manifest["run_id"]] = _run_record(manifest)
    merged["runs"] = runs
    return merged


def _run_record(manifest: dict) -> dict:
    keys = ("started_utc", "seconds", "git_commit", "data_dir", "data_sha256", "params")
    return {k: manifest.get(k) for k in keys}


def _keep_attrs(frame, attrs):
    frame = frame.copy()
    frame.attrs.update(attrs)
    return frame


def _intervals_from_jobs(jobs: list[dict], data):
    """Rank intervals recorded on report jobs, as a frame indexed by unit code (or None)."""
    import pandas as pd

    rows = {}
    for j in jobs:
        iv = j.get("rank_interval")
        if j.get("kind") == "report" and iv:
            try:
                rows[resolve_unit(data, j["parameters"]["area"]).code] = iv
            except LDIError:
                continue
    if not rows:
        return None
    out = pd.DataFrame.from_dict(rows, orient="index")
    # the sample size and tie share of the uncertainty analysis (the same for every report of a
    # run), so the index page can say how the ranges were made and how often ranks tie
    attrs = {}
    if ("n_samples" in out.columns and out["n_samples"].notna().all()
            and out["n_samples"].nunique() == 1 and int(out["n_samples"].iloc[0]) > 0):
        attrs = {"n_samples": int(out["n_samples"].iloc[0]),
                 "any_tie_share": float(out["any_tie_share"].max())}
    return _keep_attrs(out[["rank_lo", "rank_hi"]], attrs)


def run_jobs(jobs: list[Job], output_dir: Path, jobs_in_parallel: int = 2,
             progress: bool = True, params: dict | None = None,
             data_dir: Path | None = None, data=None, executor: str | None = None,
             scheduler: str | None = None,
             force: bool = False) -> tuple[list[RunResult], Path]:
    """Execute jobs (in parallel processes), render HTML, write the index page and manifest.

    Parameters
    ----------
    jobs : list of Job
        Jobs writing the same output run once.
    output_dir : Path
        Destination; results appear there only when the whole run is finished. Files already
        there that this run does not produce are kept and listed on the index page.
    jobs_in_parallel : int
        Notebooks executed at the same time (each in its own process).
    progress : bool
        Show a progress bar on stderr.
    params : dict, optional
        The params-file content, recorded in the manifest.
    data_dir : Path, optional
        Curated data folder (default ``data/`` or ``$LDI_DATA_DIR``); validated before any
        notebook starts and given to every notebook (``$LDI_DATA_DIR`` in its environment).
    data : LDIData, optional
        The edition already loaded from ``data_dir`` (loaded and validated here when not given).
    executor : {"warm", "process"}, optional
        Warm kernel pool (default) or one process per notebook (:mod:`ldi_helpers.run.executors`).
    scheduler : str, optional
        ``local`` or a Dask scheduler address: run the notebooks on a Dask cluster.
    force : bool
        Rerun every job; by default a job already published with the same notebook, parameters,
        data and package (hashes in the manifest) is skipped (:mod:`ldi_helpers.run.incremental`).

    Returns
    -------
    (results, manifest_path)

    Raises
    ------
    LDIError
        Bad parameters, invalid data or an unusable output folder, before any work starts.
    """
    from tqdm import tqdm

    from ..data.load import load_data
    from ..report.site import (GLOSSARY_PAGE, WORKBOOK, site_nav, site_pages, write_glossary_page,
                       write_index_page, write_workbook)

    if jobs_in_parallel < 1:
        raise LDIError(f"--jobs must be at least 1, got {jobs_in_parallel}")
    jobs = unique_jobs(jobs)
    for job in jobs:
        check_parameters(NOTEBOOKS[job.notebook].path, job.parameters)
    data_dir = Path(data_dir).resolve() if data_dir is not None else default_data_dir()
    if not data_dir.is_dir():
        raise LDIError(f"data folder {data_dir} not found; pass --edition (or --data-dir) "
                       "an edition folder of tables (see docs/EDITIONS.md)")
    if data is None or Path(data.data_dir).resolve() != data_dir:
        data = load_data(data_dir)  # every table and cross-table check, before notebooks start
    # --- issue 12 hook: incremental reruns (ldi_helpers.run.incremental) ---
    from .incremental import INPUTS_KEY, split_jobs

    all_jobs = jobs
    jobs, skipped, inputs = split_jobs(
        all_jobs, {j.notebook: NOTEBOOKS[j.notebook].path for j in all_jobs},
        Path(output_dir).expanduser().absolute(), data_dir, force=force)
    # --- end hook ---
    existed = Path(output_dir).expanduser().exists()
    output_dir = prepare_output_dir(output_dir)
    lock = OutputLock(output_dir)
    lock.__enter__()
    staging = None
    published = False
    try:
        clean_stale_staging(output_dir)
        staging = output_dir / f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}"
        staging.mkdir()
        (staging / ".pid").write_text(f"{os.getpid()}\n", encoding="ascii")
        allow_new_runs()
        started = time.time()
        results: dict[str, RunResult] = {}
        env = {"LDI_CACHE_DIR": str(staging / ".cache"), "LDI_DATA_DIR": str(data_dir)}
        # Shared work once per run: the uncertainty every briefing (and the sensitivity page)
        # reads is computed here, in the background while the kernels start and the other
        # analysis notebooks run; the jobs that read it wait for it (analysis/shared.py). It
        # starts before anything else starts a thread, so that it can run in its own process.
        shared = shared_stage(jobs, data, staging / ".cache").start()
        # --- issue 12 hook: warm kernels, one process per notebook, or Dask ---
        from .executors import make_executor

        try:
            ex = (make_executor(executor, jobs_in_parallel, env, scheduler,
                                notebooks={j.notebook for j in jobs}) if jobs else None)
        except BaseException:
            shared.stop()
            raise
        # --- end hook ---
        # the index page's rank map depends only on the data and the spec: drawn in the
        # background once the shared stage is done, while the notebooks run
        rank_map: dict = {}

        def draw_rank_map() -> None:
            from ..report.site import rank_table_and_map

            shared.wait()
            try:
                rank_map["done"] = rank_table_and_map((params or {}).get("spec"), data_dir, data)
            except Exception:  # noqa: BLE001 - write_index_page draws it (and says why not)
                pass

        map_thread = threading.Thread(target=draw_rank_map, name="ldi-rank-map", daemon=True)
        map_thread.start()

        # While the stage runs, the first briefing of each worker starts at once and waits for
        # its entry inside its notebook (analysis/shared.py: pending markers), so that its
        # other work overlaps the stage's; later briefings (and the sensitivity page) wait here.
        # Dask workers may not see this machine's files: they always wait here.
        early_slots = [jobs_in_parallel if (shared.markers and scheduler is None) else 0]
        early_lock = threading.Lock()

        def may_start_early(job: Job) -> bool:
            if job.notebook != "regional_report":
                return False
            with early_lock:
                if early_slots[0] > 0:
                    early_slots[0] -= 1
                    return True
            return False

        def one(job: Job) -> RunResult:
            if job.notebook in SHARED_READERS and not may_start_early(job):
                from .notebooks import _STOPPING

                while not shared.wait(0.2):
                    if _STOPPING.is_set():
                        raise LDIError(f"{job.stem} was not started: the run was stopped")
            src = NOTEBOOKS[job.notebook].path
            executed = staging / "notebooks" / f"{job.stem}.ipynb"
            return ex.execute(src, executed, job.parameters)

        # Longest first (sensitivity, then the other analyses, then reports), so that no long
        # notebook starts last and leaves the other workers idle; while the shared stage runs,
        # the notebooks that do not read it go first.
        order = sorted(jobs, key=lambda j: (shared.needed and j.notebook in SHARED_READERS,
                                            _EXPECTED_ORDER.get(j.notebook, 9)))
        pool = ThreadPoolExecutor(max_workers=max(jobs_in_parallel, ex.slots if ex else 1))
        futures: dict = {}
        try:
            # Pages are rendered while the other notebooks run, each as its notebook finishes,
            # with the site header of a run in which every job succeeds; a page whose header
            # turns out different (a job failed) is rendered again at the end, so each header
            # links only pages that exist (this run's, and earlier runs' still in the folder).
            earlier = _earlier_jobs(output_dir)

            def site_of(ok) -> tuple:
                site_jobs = [{"kind": j.kind, "ok": ok(j), "html": _html_path(j),
                              "title": j.title or NOTEBOOKS[j.notebook].title,
                              "parameters": j.parameters, "output": j.stem} for j in jobs]
                site_jobs += [j for j in earlier
                              if j["html"] not in {k["html"] for k in site_jobs}]
                return site_pages(site_jobs, data)

            hoped = site_of(lambda j: True)
            rendered: dict[str, str] = {}   # stem -> header its page was rendered with

            def render(job: Job, site: tuple) -> None:
                page = _html_path(job)
                nav = site_nav(page, site[0], site[1], data)
                render_html(staging / "notebooks" / f"{job.stem}.ipynb", staging / page,
                            job.title, heading=_heading(job, data), nav=nav, page=page)
                rendered[job.stem] = nav

            early = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ldi-render")
            early_futures = []
            futures = {pool.submit(one, job): job for job in order}
            bar = tqdm(total=len(jobs), desc="ldi run", unit="notebook", disable=not progress)
            failed = 0
            try:
                for fut in as_completed(futures):
                    job = futures[fut]
                    try:
                        results[job.stem] = fut.result()
                    except LDIError as exc:
                        results[job.stem] = RunResult(job.stem, Path(), False, error=str(exc))
                    if not results[job.stem].ok:
                        failed += 1
                        bar.set_postfix(failed=failed)
                    else:
                        early_futures.append(early.submit(render, job, hoped))
                    bar.update(1)
                bar.close()
                if ex is not None:
                    ex.close()
                for fut in early_futures:
                    try:
                        fut.result()
                    except Exception:  # noqa: BLE001 - rendered again below, raising then
                        pass
            finally:
                early.shutdown(wait=True, cancel_futures=True)
            pages, regions = site_of(lambda j: results[j.stem].ok)
            again = [j for j in jobs if results[j.stem].ok and rendered.get(j.stem) !=
                     site_nav(_html_path(j), pages, regions, data)]
            for fut in [pool.submit(render, j, (pages, regions)) for j in again]:
                fut.result()
            write_glossary_page(staging / GLOSSARY_PAGE,
                                nav=site_nav(GLOSSARY_PAGE, pages, regions, data), data=data)
        except BaseException:
            # Interrupted (signal) or failed: end every notebook process and its kernel first,
            # so the worker threads return, then let the cleanup below remove the staging.
            for fut in futures:
                fut.cancel()
            shared.stop()
            stop_all()
            if ex is not None:
                ex.stop()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        ordered = [results[j.stem] for j in jobs]
        run_id = staging.name.removeprefix(STAGING_PREFIX)
        found_intervals: dict = {}

        def intervals_for(job: Job):
            key = json.dumps(job.parameters, sort_keys=True, default=str)
            if key not in found_intervals:
                found_intervals[key] = _cached_intervals(staging / ".cache", params or {}, data,
                                                         job)
            return found_intervals[key]

        manifest = {
            "run_id": run_id,
            "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            "seconds": round(time.time() - started, 2),
            "git_commit": _git_commit(),
            "packages": _versions(),
            "data_dir": str(data_dir),
            "data_sha256": data_fingerprint(data_dir),
            "params": params or {},
            "edition": {k: data.edition.get(k) for k in ("name", "index_name", "unit_word",
                                                          "unit_word_plural")},
            "skipped": [{"notebook": NOTEBOOKS[n].filename, "title": NOTEBOOKS[n].title,
                         "reason": why} for n, why in skipped_notebooks(data)],
            "jobs": [],
        }
        if shared.needed:
            manifest["shared_stage"] = {"seconds": round(shared.seconds, 2),
                                        "error": shared.error,
                                        "reused_from_store": shared.reused}
        for j, r in zip(jobs, ordered):
            entry = {"notebook": NOTEBOOKS[j.notebook].filename, "output": j.stem,
                     "kind": j.kind, "title": j.title or NOTEBOOKS[j.notebook].title,
                     "parameters": j.parameters, "ok": r.ok, "seconds": round(r.seconds, 2),
                     "failed_cell": r.failed_cell, "error": r.error, "warnings": r.warnings,
                     "html": _html_path(j) if r.ok else None, "run_id": run_id,
                     INPUTS_KEY: inputs[j.stem]}
            intervals = intervals_for(j) if j.kind == "report" and r.ok else None
            if intervals is not None:
                code = resolve_unit(data, j.parameters["area"]).code
                if code in intervals.index:
                    entry["rank_interval"] = {
                        "rank_lo": int(intervals.loc[code, "rank_lo"]),
                        "rank_hi": int(intervals.loc[code, "rank_hi"]),
                        # the sample behind it, for the index page's note on ties
                        "n_samples": int(intervals.attrs.get("n_samples", 0)),
                        "any_tie_share": float(intervals.attrs.get("any_tie_share", 0.0))}
            manifest["jobs"].append(entry)
        shutil.rmtree(staging / ".cache", ignore_errors=True)  # private to this run
        # the workbook holds every table; with more briefings than MANY_UNITS (hundreds of
        # districts) it holds the analysis pages only, and each briefing keeps its CSV downloads
        from ..report.site import MANY_UNITS

        book = ([(j, staging / "notebooks" / f"{j.stem}.ipynb")
                 for j, r in zip(jobs, ordered) if r.ok]
                + [(j, output_dir / "notebooks" / f"{j.stem}.ipynb") for j in skipped])
        n_reports = sum(j.kind == "report" for j, _ in book)
        scope = "all" if n_reports <= MANY_UNITS else "analysis"
        if write_workbook([(j.title or NOTEBOOKS[j.notebook].title, path) for j, path in book
                           if scope == "all" or j.kind != "report"], staging / WORKBOOK):
            manifest["workbook"] = WORKBOOK
            manifest["workbook_scope"] = scope
        merged = merge_manifest(output_dir, manifest)
        map_thread.join()
        write_index_page(staging / "index.html", merged,
                         intervals=_intervals_from_jobs(merged["jobs"], data), data=data,
                         rank_map=rank_map.get("done"))
        dump_json(merged, staging / "manifest.json")
        _publish(staging, output_dir, last=("index.html", "manifest.json"))
        published = True
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        # A folder this run created and published nothing into is left empty (no lock file).
        empty = not published and not existed and \
            {p.name for p in output_dir.iterdir()} <= {LOCK_NAME}
        lock.release(remove=empty)
    # jobs skipped as up to date (incremental rerun) count as succeeded, marked "unchanged"
    ordered += [RunResult(j.stem, output_dir / "notebooks" / f"{j.stem}.ipynb", True,
                          error="unchanged") for j in skipped]
    return ordered, output_dir / "manifest.json"


def resolve_areas(names: list[str] | None, all_areas: bool, data=None) -> list[Unit]:
    """Units named on the command line (``--area``, repeatable) or all of them (``--all``).

    A unit named twice (``--area tlc --area "North East"``) is briefed once.

    Parameters
    ----------
    names : list of str, optional
        Codes, names or aliases of the edition's units.
    all_areas : bool
        Every unit of the edition.
    data : LDIData, optional
        The edition (default: the shipped ``data/``).
    """
    if data is None:
        from ..data.load import load_data

        data = load_data()
    if all_areas:
        return units_of(data)
    if not names:
        first = units_of(data)[0].name
        raise LDIError(f"say which {data.edition.get('unit_word') or 'area'}: --area "
                       f"\"{first}\" (repeatable) or --all")
    out: list[Unit] = []
    for name in names:
        unit = resolve_unit(data, name)
        if unit not in out:
            out.append(unit)
    return out
