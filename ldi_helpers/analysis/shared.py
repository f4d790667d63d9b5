"""Shared work of a run: the rank uncertainty every briefing (and the sensitivity page) needs.

Every regional briefing shows its unit's 5-95% rank range from one seeded Monte Carlo sample of
methods and the Sobol' indices of its rank from one seeded Saltelli design, both computed for
ALL units at once; the sensitivity page (``30_sensitivity``) shows the same sample. The result
depends only on the data, the spec, the sample sizes and the seed, so ``ldi run`` computes it once
per run, before any briefing starts (:class:`SharedStage`), into the run's cache folder
(``$LDI_CACHE_DIR``), keyed by the data's hashes, the spec and the sample settings; every report
and the sensitivity page then only read it. A lone notebook (no cache, or a cache without the
entry) computes the same numbers itself.

Two cache entries:

``uncertainty-<key>.pkl``
    What a briefing reads (:func:`report_uncertainty`): rank intervals, the Monte Carlo ranks,
    the Sobol' indices of the ranks, the factor labels.
``sensitivity-<key>.pkl``
    What the sensitivity page reads (:func:`sensitivity_results`): the full
    :class:`~ldi_helpers.analysis.uncertainty.MonteCarloResult` and
    :class:`~ldi_helpers.analysis.sensitivity.SobolResult` (scores too, bootstrap confidence
    intervals, convergence).

While the stage computes a briefings' entry, a marker ``uncertainty-<key>.pkl.pending`` sits
beside it (:func:`pending_marker`): a briefing that reaches its uncertainty meanwhile waits for the
entry (:func:`report_uncertainty`), so that ``ldi run`` may start a briefing before the stage ends
and the briefing's other work overlaps the stage's. The marker goes when the stage ends, also
when it fails or its process dies; a reader then computes the numbers itself, as it does after
waiting :data:`PENDING_WAIT_LIMIT` seconds.

When a run holds both (same spec, sample sizes and seed, the page's default factor set), both
entries come from ONE computation: the briefings' numbers are columns of the page's. A briefing
needs neither the score indices nor the bootstrap intervals, so a run of briefings only computes
the rank indices without the bootstrap (their S1 and ST are the same numbers either way).
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import threading
from pathlib import Path

import numpy as np

#: Bump when the content or meaning of a cache entry changes.
CACHE_VERSION = 5

#: Environment variable naming a file to which every computation appends one line (tests).
COUNT_ENV = "LDI_SHARED_COUNT_FILE"

#: Environment variable: folder of the cross-run store of shared results (``off`` switches the
#: store off). Default ``$XDG_CACHE_HOME/ldi-workbench/shared`` (``~/.cache/...``).
STORE_ENV = "LDI_SHARED_CACHE"
#: Entries kept in the store (the least recently used go first).
STORE_KEEP = 24

#: Seconds a reader waits for an entry the run's shared stage is computing (its marker exists)
#: before computing the numbers itself (well under the notebooks' cell timeout).
PENDING_WAIT_LIMIT = 300.0


def store_dir() -> Path | None:
    """The cross-run store of shared results, or None when switched off (``LDI_SHARED_CACHE=off``).

    A run's shared stage looks there before computing and leaves its results there, so the next
    run (a lone ``ldi report`` for another unit, say) on the same data, spec, sample settings and
    code only reads them. Entries are keyed by the data's hashes, the spec, the sample settings,
    and the source of the engine with the versions of the numerical libraries
    (:func:`code_hash`): any change there is a different entry, never a stale one.
    """
    value = os.environ.get(STORE_ENV)
    if value is not None and value.strip().lower() in ("", "off", "0", "no", "false"):
        return None
    if value:
        return Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ldi-workbench" / "shared"


_CODE_HASH: list[str] = []


def code_hash() -> str:
    """SHA-256 of the code behind the numbers: the method and analysis sources and the versions
    of the numerical libraries."""
    if not _CODE_HASH:
        from importlib import metadata

        h = hashlib.sha256()
        pkg = Path(__file__).resolve().parent.parent
        for sub in ("method", "analysis", "data"):
            for p in sorted((pkg / sub).glob("*.py")):
                h.update(f"{sub}/{p.name}".encode())
                h.update(p.read_bytes())
        for name in ("numpy", "pandas", "scipy", "SALib"):
            try:
                h.update(f"{name}={metadata.version(name)}".encode())
            except metadata.PackageNotFoundError:
                pass
        _CODE_HASH.append(h.hexdigest())
    return _CODE_HASH[0]


def _store_path(path: Path) -> Path | None:
    folder = store_dir()
    return None if folder is None else folder / f"{code_hash()[:16]}-{path.name}"


def _from_store(path: Path) -> bool:
    """Copy ``path``'s entry from the store into the run's cache; True when it was there."""
    import shutil

    stored = _store_path(path)
    if stored is None or not stored.is_file():
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        shutil.copyfile(stored, tmp)
        os.replace(tmp, path)
        os.utime(stored)  # recently used
    except OSError:
        return False
    return _read(path) is not None


def _to_store(path: Path) -> None:
    """Keep a copy of the run's cache entry ``path`` in the store (best effort), pruning it."""
    import shutil

    stored = _store_path(path)
    if stored is None:
        return
    try:
        stored.parent.mkdir(parents=True, exist_ok=True)
        tmp = stored.with_name(f".{stored.name}.{os.getpid()}.{threading.get_ident()}")
        shutil.copyfile(path, tmp)
        os.replace(tmp, stored)
        entries = sorted((p for p in stored.parent.glob("*.pkl")),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[STORE_KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


_ROLE = threading.local()


def _note_computation(kind: str) -> None:
    """Append ``<pid> <kind> <who>`` to ``$LDI_SHARED_COUNT_FILE`` (tests count computations):
    ``who`` is ``stage`` inside a run's :class:`SharedStage`, else ``reader`` (a notebook that
    computed the numbers itself)."""
    path = os.environ.get(COUNT_ENV)
    if path:
        who = "stage" if getattr(_ROLE, "stage", False) else "reader"
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {kind} {who}\n")


def _key(data, spec, n_samples: int, sobol_n: int, seed: int, **extra) -> str:
    from ..data.load import data_fingerprint

    blob = json.dumps({"data": data_fingerprint(data.data_dir), "spec": spec.to_dict(),
                       "n": n_samples, "sobol_n": sobol_n, "seed": seed, "v": CACHE_VERSION,
                       **extra}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def report_path(cache_dir, data, spec, n_samples, sobol_n, seed) -> Path:
    """Cache file of the briefings' entry."""
    return Path(cache_dir) / f"uncertainty-{_key(data, spec, n_samples, sobol_n, seed)}.pkl"


def sensitivity_path(cache_dir, data, spec, n_samples, sobol_n, seed, factors="all",
                     weight_spread=None, bootstrap=50, convergence_steps=3) -> Path:
    """Cache file of the sensitivity page's entry."""
    from .factors import DEFAULT_WEIGHT_SPREAD

    ws = DEFAULT_WEIGHT_SPREAD if weight_spread is None else float(weight_spread)
    key = _key(data, spec, n_samples, sobol_n, seed, factors=_factor_names(factors),
               weight_spread=ws, bootstrap=int(bootstrap), conv=int(convergence_steps))
    return Path(cache_dir) / f"sensitivity-{key}.pkl"


def _factor_names(factors) -> list[str] | None:
    """The page's ``factors`` parameter as a list of names (None for "all")."""
    if factors is None or str(factors).strip().lower() == "all":
        return None
    return [f.strip() for f in str(factors).split(",") if f.strip()]


def _read(path: Path):
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)  # noqa: S301 - written by this run, in its own folder
    except (OSError, EOFError, pickle.UnpicklingError):
        return None


def _write(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    with tmp.open("wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def pending_marker(path: Path) -> Path:
    """The marker that says the run's shared stage is computing the entry ``path``."""
    path = Path(path)
    return path.with_name(path.name + ".pending")


def wait_for_entry(path: Path, limit: float | None = None) -> bool:
    """Wait while the shared stage is computing ``path`` (its :func:`pending_marker` exists), at
    most ``limit`` seconds (default :data:`PENDING_WAIT_LIMIT`); True when the entry is there."""
    import time

    path = Path(path)
    marker = pending_marker(path)
    deadline = time.monotonic() + (PENDING_WAIT_LIMIT if limit is None else float(limit))
    delay = 0.005
    while not path.is_file() and marker.exists() and time.monotonic() < deadline:
        time.sleep(delay)
        delay = min(delay * 1.5, 0.05)
    return path.is_file()


def report_units(data, spec) -> list[str]:
    """The units a briefing's uncertainty covers: the edition's units the spec ranks (its order)."""
    from ..method.index import build_index

    ranked = build_index(data, spec).ranks.dropna()
    return [c for c in data.area_codes if c in ranked.index]


def _report_entry(factors, units, mc_ranks, intervals, sobol_indices, sobol_runs) -> dict:
    """The briefings' dict (see :func:`ldi_helpers.report.briefing.rank_uncertainty`)."""
    sob = None
    if sobol_indices is not None:
        sob = sobol_indices[sobol_indices["output"] == "rank"]
        sob = sob[sob["unit"].isin(units)].reset_index(drop=True)
    return {"intervals": intervals, "sobol": sob,
            "ranks": None if mc_ranks is None else mc_ranks.astype(np.float32),
            "units": list(units), "labels": {f.name: f.label for f in factors},
            "sobol_runs": sobol_runs}


def compute(data, spec, n_samples: int, sobol_n: int, seed: int, *, sensitivity: dict | None = None,
            report: bool = True) -> tuple[dict | None, tuple | None]:
    """Compute the shared uncertainty once: (briefings' entry or None, (mc, sobol) or None).

    Parameters
    ----------
    sensitivity : dict, optional
        The sensitivity page's settings (``factors``, ``weight_spread``, ``bootstrap``,
        ``convergence_steps``): also return its full results. When its factor set is the
        briefings' (the default one) and it covers the same units, the briefings' entry is taken
        from the same computation. None: the briefings' entry only (rank indices, no bootstrap).
    report : bool
        Return the briefings' entry (False: None in its place).
    """
    from .factors import DEFAULT_WEIGHT_SPREAD, default_factors
    from .sensitivity import get_sobol_indices
    from .uncertainty import get_rank_intervals, make_batch_model, run_monte_carlo

    _note_computation(("report" if report else "") + ("+sensitivity" if sensitivity else ""))
    units = report_units(data, spec) if report else None
    page = None
    if sensitivity is not None:
        names = _factor_names(sensitivity.get("factors", "all"))
        ws = float(sensitivity.get("weight_spread", DEFAULT_WEIGHT_SPREAD))
        pfactors = default_factors(data, spec, weight_spread=ws, names=names)
        pmodel = make_batch_model(data, pfactors, spec)
        punits = list(pmodel.areas)
        mc = run_monte_carlo(pmodel, pfactors, n_samples, seed, punits)
        # the page's convergence check compares S1 and ST between sample sizes only: no
        # bootstrap there (its confidence intervals are those of the full sample)
        sob = get_sobol_indices(pmodel, pfactors, sobol_n, seed, units=punits,
                                num_resamples=int(sensitivity.get("bootstrap", 50)),
                                convergence_steps=int(sensitivity.get("convergence_steps", 3)),
                                convergence_resamples=0)
        page = (mc, sob)
        if not report:
            return None, page
        if names is None and ws == DEFAULT_WEIGHT_SPREAD and set(units) == set(punits):
            # the briefings' numbers are columns of the page's, taken in the briefings' unit
            # order (a unit's ranks and indices do not depend on the order of the columns)
            cols = [punits.index(u) for u in units]
            ranks = mc.ranks[:, cols]
            intervals = get_rank_intervals(ranks, mc.nominal_ranks[cols], units)
            entry = _report_entry(pfactors, units, ranks if n_samples else None,
                                  intervals if n_samples else None,
                                  sob.indices if sobol_n else None,
                                  sob.n_runs if sobol_n else None)
            return entry, page
    factors = default_factors(data, spec)
    model = make_batch_model(data, factors, spec, units=units)
    mc_ranks = intervals = sob_idx = sob_runs = None
    if n_samples:
        mc = run_monte_carlo(model, factors, n_samples, seed, units)
        intervals, mc_ranks = mc.intervals(), mc.ranks
    if sobol_n:
        # the briefings read the rank indices only: no score indices, no bootstrap (S1 and ST
        # are the same numbers with or without it)
        sob = get_sobol_indices(model, factors, sobol_n, seed, units, num_resamples=0,
                                outputs=("rank",))
        sob_idx, sob_runs = sob.indices, sob.n_runs
    return _report_entry(factors, units, mc_ranks, intervals, sob_idx, sob_runs), page


def report_uncertainty(data, spec, n_samples: int, sobol_n: int, seed: int, cache_dir=None,
                       cached_only: bool = False) -> dict | None:
    """The briefings' entry: read from ``cache_dir`` (default ``$LDI_CACHE_DIR``) or computed.

    A computed entry is written to the cache when there is one. While the run's shared stage is
    computing the entry (its :func:`pending_marker` exists), this waits for it first
    (:func:`wait_for_entry`). ``cached_only``: None instead of computing on a cache miss.
    """
    cache_dir = cache_dir or os.environ.get("LDI_CACHE_DIR")
    path = report_path(cache_dir, data, spec, n_samples, sobol_n, seed) if cache_dir else None
    if path is not None and wait_for_entry(path):  # the run's stage may be computing it
        found = _read(path)
        if found is not None:
            return found
    if cached_only:
        return None
    entry, _ = compute(data, spec, n_samples, sobol_n, seed)
    if path is not None:
        _write(path, entry)
    return entry


def sensitivity_results(data, spec, n_samples: int, sobol_n: int, seed: int, factors="all",
                        weight_spread=None, bootstrap: int = 50, convergence_steps: int = 3,
                        cache_dir=None):
    """The sensitivity page's (MonteCarloResult, SobolResult): from the run's cache, or computed.

    Computed exactly as the page computed them (its factor set, the batch model over the units
    the default method ranks, ``run_monte_carlo`` and ``get_sobol_indices`` with the bootstrap and
    the convergence check).
    """
    from .factors import DEFAULT_WEIGHT_SPREAD

    ws = DEFAULT_WEIGHT_SPREAD if weight_spread is None else float(weight_spread)
    cache_dir = cache_dir or os.environ.get("LDI_CACHE_DIR")
    path = (sensitivity_path(cache_dir, data, spec, n_samples, sobol_n, seed, factors, ws,
                             bootstrap, convergence_steps) if cache_dir else None)
    if path is not None and path.is_file():
        found = _read(path)
        if found is not None:
            return found
    settings = {"factors": factors, "weight_spread": ws, "bootstrap": bootstrap,
                "convergence_steps": convergence_steps}
    _, page = compute(data, spec, n_samples, sobol_n, seed, sensitivity=settings, report=False)
    if path is not None:
        _write(path, page)
    return page


# --------------------------------------------------------------------------------------------
# The run's shared stage (in the process running ``ldi``)
# --------------------------------------------------------------------------------------------


class SharedStage:
    """Compute a run's shared uncertainty once, in the background, before its reports start.

    Parameters
    ----------
    data : LDIData
    cache_dir : Path
        The run's cache folder (``$LDI_CACHE_DIR`` of its notebooks).
    reports : list of dict
        Settings of the run's briefings: ``spec`` (overrides), ``n_samples``, ``sobol_n``,
        ``seed`` (one computation per distinct setting; normally one).
    sensitivity : dict, optional
        Settings of the run's sensitivity page (``spec``, ``n_samples``, ``sobol_n``, ``seed``,
        ``factors``, ``weight_spread``, ``bootstrap``); computed with the briefings' entry of the
        same spec and sample settings in one go.

    mode : {"auto", "process", "thread"}
        Where the computation runs. ``process``: a forked child process, whose main thread may
        fork the engine's workers (:mod:`ldi_helpers.method.workers`) and which shares no
        interpreter lock with the run's own threads (kernels, page rendering); ``thread``: a
        daemon thread of this process (one core: the engine forks no workers from a secondary
        thread). ``auto`` (default): ``process`` on Linux when this process runs no other thread
        (forking a process with threads could copy a lock another thread holds), else ``thread``.

    Notes
    -----
    :meth:`start` returns at once (kernels start meanwhile, and analysis notebooks that need
    none of it run); :meth:`wait` blocks the jobs that read it until it is done. Results reach
    the readers as files in ``cache_dir``. A failure (also a stage process that dies) is kept in
    :attr:`error`, not raised: the notebooks then compute (and report) it themselves.
    :meth:`stop` ends a stage process (an interrupted run).
    """

    def __init__(self, data, cache_dir, reports: list[dict], sensitivity: dict | None = None,
                 mode: str = "auto"):
        if mode not in ("auto", "process", "thread"):
            from ..errors import LDIError

            raise LDIError(f"shared stage mode must be 'auto', 'process' or 'thread', got {mode!r}")
        self.data = data
        self.cache_dir = Path(cache_dir)
        self.tasks = _unique(reports)
        self.sensitivity = sensitivity
        self.done = threading.Event()
        self.error: str | None = None
        self.seconds = 0.0
        self.reused = 0  # entries taken from the cross-run store (:func:`store_dir`)
        self.mode = mode
        self._thread: threading.Thread | None = None
        self._proc = None
        self._parent: int | None = None  # PID that forked the stage process
        #: Markers of the briefings' entries being computed (:func:`pending_marker`).
        self.markers: list[Path] = []

    @property
    def needed(self) -> bool:
        """True when there is anything to compute."""
        return bool(self.tasks) or self.sensitivity is not None

    def start(self) -> "SharedStage":
        """Start computing in the background (returns at once)."""
        if not self.needed:
            self.done.set()
            return self
        self._mark()
        if self.mode == "auto":
            self.mode = "process" if _may_fork() else "thread"
        if self.mode == "process":
            import multiprocessing as mp

            self._parent = os.getpid()
            ctx = mp.get_context("fork")
            recv, send = ctx.Pipe(duplex=False)
            self._proc = ctx.Process(target=_stage_process, args=(self, send),
                                     name="ldi-shared-stage", daemon=False)
            self._proc.start()
            send.close()  # the child's end: EOF here when the child ends without a word
            self._thread = threading.Thread(target=self._watch, args=(recv,),
                                            name="ldi-shared-stage-watch", daemon=True)
        else:
            self._thread = threading.Thread(target=self._run, name="ldi-shared-stage",
                                            daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the stage is done (True) or ``timeout`` seconds passed (False)."""
        return self.done.wait(timeout)

    def stop(self) -> None:
        """End a stage process that is still running (an interrupted run); its partial files
        are temporary names, never read."""
        proc = self._proc
        if proc is not None and proc.is_alive():
            proc.terminate()
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
        self._unmark()

    def _entry(self, task: dict):
        """``(spec, path)`` of a briefings' task's cache entry, or None when there is nothing to
        compute (no cache folder, or neither sample)."""
        from ..method.spec import coerce_spec

        if (self.cache_dir is None) or (not (task["n_samples"] or task["sobol_n"])):
            return None
        spec = coerce_spec(dict(task.get("spec") or {}))
        return spec, report_path(self.cache_dir, self.data, spec, task["n_samples"],
                                 task["sobol_n"], task["seed"])

    def _mark(self) -> None:
        """Put a pending marker beside every briefings' entry the stage will compute."""
        for task in self.tasks:
            entry = self._entry(task)
            if entry is None:
                continue
            marker = pending_marker(entry[1])
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(f"{os.getpid()}\n", encoding="ascii")
            self.markers.append(marker)

    def _unmark(self) -> None:
        """Remove the markers (the stage ended: readers stop waiting)."""
        for marker in self.markers:
            marker.unlink(missing_ok=True)

    def _watch(self, recv) -> None:
        """(Parent) wait for the stage process's report, then mark the stage done."""
        try:
            self.error, self.seconds, self.reused = recv.recv()
        except (EOFError, OSError):
            self._proc.join()
            self.error = (f"the shared stage process ended (exit code {self._proc.exitcode}) "
                          "before finishing; the notebooks computed their numbers themselves")
        finally:
            recv.close()
            self._proc.join()
            self._unmark()
            self.done.set()

    def _run(self) -> None:
        import time

        from ..method.spec import coerce_spec

        t0 = time.perf_counter()
        _ROLE.stage = True
        try:
            sens = self.sensitivity
            sens_key = None
            if sens is not None:
                sens_key = (json.dumps(sens.get("spec") or {}, sort_keys=True, default=str),
                            sens["n_samples"], sens["sobol_n"], sens["seed"])
            for task in self.tasks:
                entry = self._entry(task)
                if entry is None:
                    continue
                spec, path = entry
                key = (json.dumps(task.get("spec") or {}, sort_keys=True, default=str),
                       task["n_samples"], task["sobol_n"], task["seed"])
                with_page = sens is not None and key == sens_key
                spath = self._sens_path(spec, sens) if with_page else None
                if (path.is_file() or _from_store(path)) and (
                        spath is None or spath.is_file() or _from_store(spath)):
                    self.reused += 1 + (spath is not None)
                    if with_page:
                        sens = None
                    continue
                settings = None
                if with_page:
                    settings = {k: sens[k] for k in ("factors", "weight_spread", "bootstrap",
                                                     "convergence_steps") if k in sens}
                entry, page = compute(self.data, spec, task["n_samples"], task["sobol_n"],
                                      task["seed"], sensitivity=settings)
                _write(path, entry)
                _to_store(path)
                if page is not None:
                    _write(spath, page)
                    _to_store(spath)
                    sens = None  # done
            if sens is not None:
                spec = coerce_spec(dict(sens.get("spec") or {}))
                spath = self._sens_path(spec, sens)
                if spath.is_file() or _from_store(spath):
                    self.reused += 1
                else:
                    sensitivity_results(self.data, spec, sens["n_samples"], sens["sobol_n"],
                                        sens["seed"], sens.get("factors", "all"),
                                        sens.get("weight_spread"), sens.get("bootstrap", 50),
                                        sens.get("convergence_steps", 3), cache_dir=self.cache_dir)
                    _to_store(spath)
        except Exception as exc:  # noqa: BLE001 - the notebooks compute and report it themselves
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            _ROLE.stage = False
            self.seconds = time.perf_counter() - t0
            self._unmark()
            self.done.set()

    def _sens_path(self, spec, sens: dict) -> Path:
        return sensitivity_path(self.cache_dir, self.data, spec, sens["n_samples"],
                                sens["sobol_n"], sens["seed"], sens.get("factors", "all"),
                                sens.get("weight_spread"), sens.get("bootstrap", 50),
                                sens.get("convergence_steps", 3))


def _may_fork() -> bool:
    """True when a stage process may be forked from here: Linux, the main thread of a process
    that runs no other thread and may have children (not a daemonic process)."""
    import multiprocessing as mp
    import sys

    return (sys.platform.startswith("linux") and threading.active_count() == 1
            and threading.current_thread() is threading.main_thread()
            and not mp.current_process().daemon)


def _end_with_parent(sig: int) -> None:
    """(Linux child) have the kernel send ``sig`` to this process when its parent dies (a run
    killed with SIGKILL leaves no stage computing on)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - Linux has prctl
        pass


def _stage_process(stage: SharedStage, conn) -> None:
    """(Child) compute the stage and send ``(error, seconds, reused)`` to the parent."""
    import signal

    # the run's handlers (end kernels, remove the staging folder) belong to the parent
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    _end_with_parent(signal.SIGTERM)
    if os.getppid() != stage._parent:  # the run ended before the line above took effect
        os._exit(1)
    stage._run()
    conn.send((stage.error, stage.seconds, stage.reused))
    conn.close()


def _unique(tasks: list[dict]) -> list[dict]:
    seen, out = set(), []
    for t in tasks:
        key = json.dumps(t, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out
