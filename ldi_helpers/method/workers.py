"""Spread independent chunks of a batch evaluation over worker processes (forked, shared outputs).

Used by :func:`ldi_helpers.method.batch.evaluate_batch` for large jobs (many samples x areas).
The caller splits a job into chunks whose boundaries do NOT depend on the number of workers and
gives a function that evaluates one chunk and writes its results into arrays from
:func:`shared_array`. :func:`run_chunks` runs chunk ``i`` in worker ``i % workers`` (the calling
process is worker 0; the others are forked, so they see every input without copying or
pickling it). Every chunk is computed by the same function on the same inputs whatever the
number of workers, so results are identical, bit for bit, with 1 or many workers.

Where ``fork`` is not available (not Linux), inside a worker or a daemonic process (such as a
dask worker), from any thread but the main one (a process with other threads running, such as
``ldi run`` while it renders pages, may hold locks a forked child would wait on), or with one
worker, the chunks run one after the other in the calling process.
``LDI_WORKERS`` (environment) caps the number of workers (``LDI_WORKERS=1``: never fork; useful
when several analyses already run side by side, e.g. one per warm kernel).
"""
from __future__ import annotations

import mmap
import os
import sys
import traceback
from typing import Callable

import numpy as np

from ..errors import LDIError

#: True inside a forked worker (a worker never forks again).
_IN_WORKER = False


class WorkerError(LDIError):
    """A worker process failed; the message holds its traceback."""


def available_workers() -> int:
    """Worker processes to use: the CPUs this process may run on, capped by ``LDI_WORKERS``;
    1 where forking is not used (not Linux, inside a worker, or in a daemonic process, which
    multiprocessing forbids to have children)."""
    if _IN_WORKER or not sys.platform.startswith("linux"):
        return 1
    import multiprocessing as mp

    if mp.current_process().daemon:      # e.g. a dask worker process: may not have children
        return 1
    import threading

    if threading.current_thread() is not threading.main_thread():
        return 1    # forking from a secondary thread (ldi run's shared stage) is not safe
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - Linux always has it
        n = os.cpu_count() or 1
    cap = os.environ.get("LDI_WORKERS", "").strip()
    if cap:
        try:
            n = min(n, max(1, int(cap)))
        except ValueError:
            raise WorkerError(f"LDI_WORKERS must be a whole number, got {cap!r}") from None
    return max(1, n)


def shared_array(shape, dtype=float) -> np.ndarray:
    """A zero-filled array in anonymous shared memory: writes by forked workers are seen by the
    parent. Freed when the array (and every view of it) is garbage collected."""
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    buf = mmap.mmap(-1, max(n, 1))       # MAP_SHARED | MAP_ANONYMOUS on Linux
    return np.frombuffer(buf, dtype=dtype, count=int(np.prod(shape, dtype=np.int64))
                         ).reshape(shape)


def is_shared(a: np.ndarray) -> bool:
    """Whether ``a`` (or the array it is a view of) lives in memory from :func:`shared_array`."""
    base = a
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return isinstance(base, mmap.mmap)


def run_chunks(fn: Callable[[int], None], n_chunks: int, workers: int) -> None:
    """Call ``fn(i)`` for ``i = 0 .. n_chunks - 1``, chunk ``i`` in worker ``i % workers``.

    Parameters
    ----------
    fn : callable
        Evaluates one chunk; it must write its results into :func:`shared_array` arrays (what a
        forked worker returns or changes otherwise is lost).
    n_chunks : int
    workers : int
        Processes, the calling one included (capped by the number of chunks). With 1, or where
        forking is not used, every chunk runs here in order.

    Raises
    ------
    WorkerError
        A worker failed (its traceback is in the message). An error in the calling process's
        own chunks propagates after the workers are stopped.
    """
    workers = max(1, min(int(workers), int(n_chunks), available_workers()))
    if workers == 1:
        for i in range(n_chunks):
            fn(i)
        return
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    procs = []
    for w in range(1, workers):
        recv, send = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_worker, args=(fn, range(w, n_chunks, workers), send),
                        daemon=True, name=f"ldi-batch-worker-{w}")
        p.start()
        send.close()
        procs.append((p, recv))
    try:
        for i in range(0, n_chunks, workers):
            fn(i)
    except BaseException:
        for p, _ in procs:
            p.terminate()
        for p, recv in procs:
            p.join()
            recv.close()
        raise
    errors = []
    for p, recv in procs:
        try:
            msg = recv.recv() if recv.poll(None) else None
        except EOFError:
            msg = None
        p.join()
        recv.close()
        if msg is not None or p.exitcode != 0:
            errors.append(f"{p.name} (exit code {p.exitcode}):\n{msg or 'no message'}")
    if errors:
        raise WorkerError("a batch worker process failed:\n" + "\n".join(errors))


def _worker(fn, chunks, send) -> None:
    """Body of a forked worker: evaluate its chunks, report a traceback on failure."""
    global _IN_WORKER
    _IN_WORKER = True
    try:
        for i in chunks:
            fn(i)
    except BaseException:
        send.send(traceback.format_exc())
        send.close()
        os._exit(1)
    send.close()
