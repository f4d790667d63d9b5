"""The distributed engine: ``ldi run --scheduler ADDRESS`` sends the notebooks to a Dask cluster.

Each job is one Dask task. A worker executes it in a warm kernel it keeps for the run (see
:mod:`ldi_helpers.run.warm`; one kernel per worker thread) and sends back the executed notebook,
which the run then renders and publishes atomically as for a local run. The notebook itself
travels with the task, so a worker needs only the package (``pip install -e .`` of the same
commit) and the data edition at the same path as on the machine running ``ldi``. A worker that
dies loses only the jobs it was running; each is retried once on another worker.
``--scheduler local`` starts a :class:`distributed.LocalCluster` on this machine instead.
"""
from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

from ..errors import LDIError

#: Seconds allowed to reach a scheduler.
CONNECT_TIMEOUT = 20

_WORKER_POOL = None
_WORKER_KEY = None
_WORKER_LOCK = threading.Lock()


def _worker_pool(env: dict, size: int):
    """The warm pool of this worker process (made again when the run's environment changes)."""
    global _WORKER_POOL, _WORKER_KEY
    from .warm import WarmPool

    key = (tuple(sorted(env.items())), size)
    with _WORKER_LOCK:
        if _WORKER_POOL is None or _WORKER_KEY != key:
            if _WORKER_POOL is not None:
                _WORKER_POOL.close()
            _WORKER_POOL = WarmPool(size, env)
            _WORKER_KEY = key
            import atexit

            atexit.register(_WORKER_POOL.close)
        return _WORKER_POOL


def run_on_worker(source_path: str, notebook_text: str, parameters: dict, env: dict,
                  timeout: int, shared_files: dict | None = None) -> dict:
    """Execute one notebook on a Dask worker (the task function).

    Parameters
    ----------
    source_path : str
        Path of the notebook on the submitting machine (used when the same file is here).
    notebook_text : str
        The notebook itself (written to a temporary folder when the path differs here).
    parameters : dict
        Its parameters.
    env : dict
        ``LDI_CACHE_DIR`` and ``LDI_DATA_DIR`` of the run.
    timeout : int
        Seconds allowed per cell.
    shared_files : dict, optional
        The run's shared stage results (cache file name -> bytes), written into the worker's
        cache when the run's cache folder is not on this machine, so the notebook only reads them.

    Returns
    -------
    dict
        ``result`` (RunResult fields), ``notebook`` (bytes of the executed notebook or None),
        ``cache`` (files of a worker-local uncertainty cache, name -> bytes), ``host``.
    """
    env = dict(env)
    data_dir = env.get("LDI_DATA_DIR")
    if data_dir and not Path(data_dir).is_dir():
        raise LDIError(f"data folder {data_dir} not found on worker {socket.gethostname()}; "
                       "copy the data edition to the same path on every worker")
    src = Path(source_path)
    digest = hashlib.sha256(notebook_text.encode()).hexdigest()[:16]
    base = Path(tempfile.gettempdir()) / f"ldi-worker-{os.getpid()}"
    if not (src.is_file() and src.read_text(encoding="utf-8") == notebook_text):
        src = base / "notebooks" / digest / src.name
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(notebook_text, encoding="utf-8")
    cache = env.get("LDI_CACHE_DIR")
    local_cache = bool(cache) and not Path(cache).parent.is_dir()
    if local_cache:
        env["LDI_CACHE_DIR"] = str(base / "cache" / hashlib.sha256(cache.encode()).hexdigest()[:16])
        here = Path(env["LDI_CACHE_DIR"])
        for name, blob in (shared_files or {}).items():
            if not (here / name).is_file():
                here.mkdir(parents=True, exist_ok=True)
                tmp = here / f".{name}.{os.getpid()}"
                tmp.write_bytes(blob)
                os.replace(tmp, here / name)
    try:
        from distributed import get_worker

        size = max(1, get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        size = 1
    out = base / "out" / f"{digest}-{os.urandom(4).hex()}.ipynb"
    result = _worker_pool(env, size).execute(src, out, parameters, timeout=timeout)
    payload = {"result": {k: v for k, v in asdict(result).items() if k != "output"},
               "notebook": out.read_bytes() if out.is_file() else None, "cache": {},
               "host": socket.gethostname()}
    out.unlink(missing_ok=True)
    if local_cache and Path(env["LDI_CACHE_DIR"]).is_dir():
        payload["cache"] = {p.name: p.read_bytes()
                            for p in Path(env["LDI_CACHE_DIR"]).glob("uncertainty-*.pkl")
                            if p.name not in (shared_files or {})}
    return payload


class DaskExecutor:
    """Runs each notebook as a task on a Dask cluster (see the module docstring).

    Parameters
    ----------
    address : str
        ``local`` (start a LocalCluster here) or a scheduler address, e.g. ``tcp://10.0.0.5:8786``.
    env : dict
        ``LDI_CACHE_DIR`` and ``LDI_DATA_DIR`` of the run.
    local_workers : int
        Workers of a ``local`` cluster (one thread, so one kernel, each).
    """

    def __init__(self, address: str, env: dict, local_workers: int = 2):
        import logging

        import dask
        from distributed import Client, LocalCluster

        self.env = dict(env)
        self.cluster = None
        self._futures: set = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        if address == "local":
            # a worker dying fails its task at once (KilledWorker); execute() retries it once
            with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                self.cluster = LocalCluster(n_workers=local_workers, threads_per_worker=1,
                                            processes=True, dashboard_address=None,
                                            silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(address, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                raise LDIError(f"cannot reach the Dask scheduler at {address} ({exc}); start one "
                               "with `dask scheduler` and workers with `dask worker ADDRESS`, "
                               "or use --scheduler local") from None
        threads = sum(self.client.nthreads().values())
        if threads < 1:
            self.close()
            raise LDIError(f"the Dask scheduler at {address} has no workers; start some with "
                           f"`dask worker {address}`")
        self.slots = threads
        self._shared = None
        self._shared_names: tuple = ()

    def _shared_files(self):
        """The run's shared stage results, sent to the cluster once (a scattered future)."""
        cache = self.env.get("LDI_CACHE_DIR")
        files = sorted(Path(cache).glob("*.pkl")) if cache and Path(cache).is_dir() else []
        names = tuple(p.name for p in files)
        with self._lock:
            if names != self._shared_names:
                blobs = {p.name: p.read_bytes() for p in files}
                self._shared = (self.client.scatter([blobs], broadcast=True, hash=False)[0]
                                if blobs else None)
                self._shared_names = names
            return self._shared

    def _submit(self, source: Path, text: str, parameters: dict, timeout: int):
        fut = self.client.submit(run_on_worker, str(source), text, parameters, self.env,
                                 timeout, self._shared_files(), pure=False,
                                 key=f"ldi-{Path(source).stem}-{os.urandom(6).hex()}")
        with self._lock:
            self._futures.add(fut)
        return fut

    def execute(self, source: Path, output: Path, parameters: dict | None = None,
                timeout: int | None = None):
        """Execute one notebook on the cluster; a job whose worker died is retried once."""
        from distributed.scheduler import KilledWorker

        from .notebooks import CELL_TIMEOUT, RunResult, check_parameters

        parameters = dict(parameters or {})
        check_parameters(Path(source), parameters)
        text = Path(source).read_text(encoding="utf-8")
        timeout = timeout or CELL_TIMEOUT
        payload, error = None, ""
        for attempt in (1, 2):
            if self._stopped.is_set():
                break
            fut = self._submit(source, text, parameters, timeout)
            try:
                payload = fut.result()
                break
            except KilledWorker:
                error = ("the Dask worker running it died twice; check the workers' logs "
                         "(memory?) and run again")
            except LDIError as exc:
                error = str(exc)
                break
            except Exception as exc:  # noqa: BLE001 - one line per failed job, the run goes on
                error = f"{type(exc).__name__}: {exc}".splitlines()[0]
                if self._stopped.is_set():
                    error = "stopped: the run was interrupted"
                break
            finally:
                with self._lock:
                    self._futures.discard(fut)
        if payload is None:
            return RunResult(Path(source).name, Path(output), False,
                             error=error or "stopped: the run was interrupted")
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        if payload["notebook"] is not None:
            output.write_bytes(payload["notebook"])
        cache = self.env.get("LDI_CACHE_DIR")
        for name, blob in payload["cache"].items():
            if cache and not (Path(cache) / name).exists():
                Path(cache).mkdir(parents=True, exist_ok=True)
                (Path(cache) / name).write_bytes(blob)
        return RunResult(output=output, **payload["result"])

    def stop(self) -> None:
        """Cancel every job of the run and close the connection (and a local cluster)."""
        self._stopped.set()
        with self._lock:
            futures = list(self._futures)
        try:
            self.client.cancel(futures, force=True)
        except Exception:  # noqa: BLE001 - best effort while stopping
            pass
        self.close()

    def close(self) -> None:
        """Close the client, and the cluster when this run started it."""
        try:
            self.client.close()
        except Exception:  # noqa: BLE001
            pass
        if self.cluster is not None:
            try:
                self.cluster.close()
            except Exception:  # noqa: BLE001
                pass
            self.cluster = None
