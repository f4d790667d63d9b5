"""How ``ldi run`` executes its notebooks: one process each, a warm kernel pool, or Dask.

Every executor has ``slots`` (notebooks in flight at once), ``execute(source, output,
parameters)`` returning a :class:`~ldi_helpers.run.notebooks.RunResult` (thread-safe, blocking),
``stop()`` (end everything now: SIGINT/SIGTERM) and ``close()`` (after the run).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import LDIError

#: Values of ``ldi run --executor``.
EXECUTORS = ("warm", "process")
#: The default executor (measured faster; see benchmarks/bench_run.py).
DEFAULT_EXECUTOR = "warm"


class ProcessExecutor:
    """One ``python -m papermill`` process (and kernel) per notebook, as before issue 12."""

    def __init__(self, slots: int, env: dict):
        self.slots = slots
        self.env = env

    def execute(self, source: Path, output: Path, parameters: dict | None = None):
        """Execute one notebook in its own process (see :func:`~ldi_helpers.run.notebooks.execute_notebook`)."""
        from .notebooks import execute_notebook

        return execute_notebook(source, output, parameters, env=self.env)

    def stop(self) -> None:
        """End every notebook process and kernel."""
        from .notebooks import stop_all

        stop_all()

    def close(self) -> None:
        """Nothing to release."""


class WarmExecutor:
    """A :class:`~ldi_helpers.run.warm.WarmPool` of ``slots`` kernels."""

    def __init__(self, slots: int, env: dict, imports=None):
        from .warm import WarmPool

        self.slots = slots
        self.pool = WarmPool(slots, env, imports=imports)

    def execute(self, source: Path, output: Path, parameters: dict | None = None):
        """Execute one notebook in a warm kernel."""
        from .notebooks import CELL_TIMEOUT

        return self.pool.execute(source, output, parameters, timeout=CELL_TIMEOUT)

    def stop(self) -> None:
        """End every kernel of the pool."""
        self.pool.stop()

    def close(self) -> None:
        """Shut the pool's kernels down."""
        self.pool.close()


def make_executor(kind: str | None, slots: int, env: dict, scheduler: str | None = None,
                  notebooks=()):
    """The executor for a run.

    Parameters
    ----------
    kind : {"warm", "process"}, optional
        Local execution mode (default :data:`DEFAULT_EXECUTOR`); ignored with ``scheduler``.
    slots : int
        Notebooks executed at the same time (local executors).
    env : dict
        Extra environment variables for the notebooks (``LDI_CACHE_DIR``, ``LDI_DATA_DIR``).
    scheduler : str, optional
        ``local`` or a Dask scheduler address: run the jobs on a Dask cluster.
    notebooks : iterable of str
        Names of the run's notebooks: warm kernels import what they need when they start
        (:func:`ldi_helpers.run.warm.imports_for`).
    """
    if scheduler:
        from .distributed import DaskExecutor

        return DaskExecutor(scheduler, env, local_workers=slots)
    kind = kind or DEFAULT_EXECUTOR
    if kind == "warm":
        from .warm import imports_for

        return WarmExecutor(slots, env, imports_for(notebooks))
    if kind == "process":
        return ProcessExecutor(slots, env)
    raise LDIError(f"unknown executor {kind!r}; use --executor warm or --executor process")
