"""Warm execution: many parameterised notebooks through a pool of long-lived kernels.

Starting a kernel and importing pandas, matplotlib and the workbench costs each notebook run
several seconds; a batch of hundreds of briefings mostly pays that. A :class:`WarmPool` keeps one
kernel per worker alive and executes notebook after notebook in it. Between two notebooks the
kernel is put back in the state a fresh kernel would be in (user namespace cleared with
``%reset -f``, figures closed, matplotlib rcParams, warning filters, environment, ``sys.path``,
NumPy print options and the working directory restored, the execution counter set back to 1);
imported modules stay loaded, which is the point.

Each executed notebook is written exactly as ``papermill`` writes it: it is loaded with
papermill's loader, parameterised with :func:`papermill.parameterize.parameterize_notebook`, given
papermill's metadata and executed by papermill's own nbclient engine (only the kernel manager is
ours), and on failure the error cell is marked as papermill marks it. A notebook that raises fails
alone; one that runs past the cell timeout or kills its kernel fails alone too, and its kernel is
replaced before the next notebook starts.
"""
from __future__ import annotations

import os
import queue
import sys
import threading
import time
from pathlib import Path

from ..errors import LDIError

#: Modules imported into every kernel of the pool when it starts (what the notebooks import).
WARM_IMPORTS = ("numpy", "pandas", "scipy.stats", "matplotlib.pyplot", "seaborn", "IPython.display",
                "ldi_helpers.data.load", "ldi_helpers.method.index", "ldi_helpers.report.briefing",
                "ldi_helpers.report.display", "ldi_helpers.report.plots", "ldi_helpers.report.formatting",
                "ldi_helpers.analysis.uncertainty", "ldi_helpers.analysis.sensitivity", "ldi_helpers.analysis.scenarios",
                "ldi_helpers.analysis.shared", "ldi_helpers.analysis.whatif", "ldi_helpers.report.local",
                "ldi_helpers.data.provenance", "matplotlib_inline.backend_inline")

#: What a kernel of a run of regional briefings only imports when it starts: the briefing does
#: not need seaborn, SALib or scipy.stats (1.1 s of a kernel's start, on the critical path of a
#: lone ``ldi report``).
REPORT_IMPORTS = ("numpy", "pandas", "matplotlib.pyplot", "IPython.display", "ldi_helpers.data.load",
                  "ldi_helpers.method.index", "ldi_helpers.report.briefing", "ldi_helpers.report.display",
                  "ldi_helpers.report.plots", "ldi_helpers.report.formatting",
                  "ldi_helpers.analysis.uncertainty", "ldi_helpers.analysis.scenarios",
                  "ldi_helpers.analysis.shared", "ldi_helpers.analysis.whatif", "ldi_helpers.report.local",
                  "ldi_helpers.data.provenance", "matplotlib_inline.backend_inline")


def imports_for(notebooks) -> tuple[str, ...]:
    """The modules a pool's kernels import at start for a run of these notebooks (by name)."""
    names = set(notebooks)
    return REPORT_IMPORTS if names and names <= {"regional_report"} else WARM_IMPORTS


#: Seconds allowed for a kernel to start and import :data:`WARM_IMPORTS`.
START_TIMEOUT = 120

# --------------------------------------------------------------------------------------------
# Code run inside the kernels (imported there as ``ldi_helpers.run.warm``).
# --------------------------------------------------------------------------------------------

_BASELINE: dict = {}


def kernel_baseline(imports=WARM_IMPORTS) -> None:
    """Import the warm modules and record the state :func:`kernel_reset` restores (in a kernel)."""
    import importlib
    import warnings

    for name in imports:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional module: the notebook will import what it needs
            pass
    _prewarm_figures()
    _prewarm_editions()
    _freeze_heap()
    _BASELINE.clear()
    _BASELINE.update(environ=dict(os.environ), path=list(sys.path),
                     filters=list(warnings.filters))
    if "matplotlib" in sys.modules:
        import matplotlib

        _BASELINE["rc"] = dict(matplotlib.rcParams)
    if "numpy" in sys.modules:
        import numpy as np

        _BASELINE["np_print"] = np.get_printoptions()
        _BASELINE["np_err"] = np.geterr()


def _prewarm_editions() -> None:
    """Load the run's edition (``$LDI_DATA_DIR``) and the editions a briefing reads beside it
    while the kernel starts (each memoised per process, handed out as copies): the first
    briefing of the kernel then costs what the later ones cost. Only in kernels that import
    the briefing code."""
    folder = os.environ.get("LDI_DATA_DIR")
    if not folder or "ldi_helpers.report.local" not in sys.modules:
        return
    try:
        from ldi_helpers.report.local import prewarm_editions

        prewarm_editions(folder)
    except Exception:  # noqa: BLE001 - only a warm-up: the notebook loads (and reports) itself
        pass


def _freeze_heap() -> None:
    """Move every object alive now (imported modules, warm caches) out of the garbage
    collector's sight (:func:`gc.freeze`): the full collections ``%reset`` runs between two
    notebooks then scan what the last notebook made, not the ~10^6 objects of pandas and
    matplotlib (0.2 s a reset otherwise). Frozen objects are still freed when nothing refers
    to them; only reference cycles among them wait."""
    import gc

    gc.collect()
    gc.freeze()


def _prewarm_figures() -> None:
    """Draw one small throw-away chart: fonts, glyph caches and the default colour map are
    loaded while the kernel starts, not in the first briefing's first chart."""
    if "matplotlib.pyplot" not in sys.modules:
        return
    import io

    import matplotlib
    import matplotlib.pyplot as plt

    try:
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.set_title("Ab 1")
        ax.text(0.5, 0.5, "Ab 1", fontweight="bold")
        fig.colorbar(matplotlib.cm.ScalarMappable(cmap="viridis"), ax=ax)
        fig.savefig(io.BytesIO(), format="png", dpi=100)
        plt.close(fig)
    except Exception:  # noqa: BLE001 - only a warm-up
        pass


def kernel_reset(cwd: str) -> None:
    """Give the next notebook a kernel that looks fresh, imports kept (run inside a kernel).

    Parameters
    ----------
    cwd : str
        Working directory of the next notebook (its folder).
    """
    import warnings

    from IPython import get_ipython

    shell = get_ipython()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    # ``%reset -f`` with a new history session: execution counter back to 1 without clashing
    # with the history database
    shell.reset(new_session=True)
    _freeze_heap()  # what survives the reset (module state, per-kernel caches) is long-lived
    if "rc" in _BASELINE:
        import matplotlib

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.clear()
            matplotlib.rcParams.update(_BASELINE["rc"])
    if "np_print" in _BASELINE:
        import numpy as np

        np.set_printoptions(**_BASELINE["np_print"])
        np.seterr(**_BASELINE["np_err"])
    os.environ.clear()
    os.environ.update(_BASELINE.get("environ", {}))
    sys.path[:] = _BASELINE.get("path", sys.path)
    warnings.filters[:] = _BASELINE.get("filters", warnings.filters)
    warnings._filters_mutated()  # forget which warnings were already shown ("once" per notebook)
    os.chdir(cwd)


# --------------------------------------------------------------------------------------------
# The pool (in the process that runs ``ldi``).
# --------------------------------------------------------------------------------------------


def _engine():
    """papermill's nbclient engine, driving a kernel that outlives the notebook."""
    from nbclient.util import run_sync
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    import logging

    logger = logging.getLogger("ldi_helpers.run.warm.nbclient")
    logger.setLevel(logging.CRITICAL)  # failures are reported once, by the run

    class WarmClient(PapermillNotebookClient):
        """papermill's client that first puts the kernel back to a fresh state
        (:func:`kernel_reset`) over its own connection: one connection per notebook, not two."""

        reset_code: str | None = None

        async def async_start_new_kernel_client(self):
            from nbclient.util import ensure_async, run_hook

            if not self.reset_code:
                return await super().async_start_new_kernel_client()
            # nbclient's steps, with the reset standing in for jupyter_client's wait_for_ready
            # (which waits 0.2 s on IOPub after every kernel-info reply: 0.2 s per notebook).
            # The reset's reply and its IOPub messages prove the kernel answers on both
            # channels; if they do not come within a few seconds, wait_for_ready as usual and
            # reset again (the reset is idempotent).
            try:
                self.kc = self.km.client()
                await ensure_async(self.kc.start_channels())
                try:
                    reply = await self._reset(timeout=5)
                except TimeoutError:
                    await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))
                    reply = await self._reset(timeout=60)
            except LDIError:
                raise
            except Exception:
                await self._async_cleanup_kernel()
                raise
            c = reply["content"]
            if c.get("status") != "ok":
                raise LDIError(f"a warm kernel failed to reset between notebooks "
                               f"({c.get('ename')}: {c.get('evalue')}); run with "
                               "--executor process")
            self.kc.allow_stdin = False
            await run_hook(self.on_notebook_start, notebook=self.nb)
            return self.kc

        async def _reset(self, timeout: float):
            try:
                return await self.kc.execute_interactive(
                    self.reset_code, silent=True, store_history=False, timeout=timeout,
                    output_hook=lambda msg: None)
            except RuntimeError as exc:
                raise LDIError(f"a warm kernel failed to reset between notebooks ({exc}); "
                               "run with --executor process") from None

        # papermill calls the blocking form, which nbclient binds to its own coroutine
        start_new_kernel_client = run_sync(async_start_new_kernel_client)

    class WarmEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, km=None, holder=None,
                                     execution_timeout=None, start_timeout=60, reset_code=None,
                                     **kwargs):
            holder["nb_man"] = nb_man
            client = WarmClient(nb_man, km=km, timeout=execution_timeout,
                                             startup_timeout=start_timeout,
                                             kernel_name=kernel_name, log=logger,
                                             log_output=False, stdout_file=None,
                                             stderr_file=None)
            client.reset_code = reset_code
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    return WarmEngine


class WarmKernel:
    """One long-lived kernel that executes notebook after notebook.

    Parameters
    ----------
    env : dict
        Environment of the kernel (complete, not extra variables).
    kernel_name : str
        Jupyter kernel to start.
    """

    def __init__(self, env: dict, kernel_name: str = "python3", imports=None):
        self.env = env
        self.kernel_name = kernel_name
        self.imports = tuple(imports) if imports is not None else WARM_IMPORTS
        self.km = None
        self.runs = 0

    def start(self, cwd: str | None = None) -> None:
        """Start the kernel and import the warm modules (:data:`WARM_IMPORTS`)."""
        from jupyter_client import AsyncKernelManager
        from jupyter_core.utils import run_sync

        # nbclient needs an asynchronous manager: a blocking one stalls its timeout handling
        km = AsyncKernelManager(kernel_name=self.kernel_name)
        import subprocess

        # the kernel's own chatter (e.g. ipykernel's transport warning) must not reach the
        # terminal; what a notebook prints goes into the notebook, as with papermill
        run_sync(km.start_kernel)(env=self.env, cwd=cwd or os.getcwd(),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.km = km
        self._run(f"import ldi_helpers.run.warm as _w; _w.kernel_baseline({self.imports!r}); del _w",
                  START_TIMEOUT, "start")

    @property
    def pid(self) -> int | None:
        """PID of the kernel process (None when not started)."""
        try:
            return self.km.provisioner.process.pid
        except AttributeError:
            return None

    def alive(self) -> bool:
        """True while the kernel process is running."""
        from jupyter_core.utils import run_sync

        km = self.km
        return km is not None and bool(run_sync(km.is_alive)())

    def _run(self, code: str, timeout: float, what: str) -> None:
        from jupyter_client import BlockingKernelClient

        kc = BlockingKernelClient()
        kc.load_connection_info(self.km.get_connection_info())
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=timeout)
            reply = kc.execute_interactive(code, silent=True, store_history=False,
                                           timeout=timeout, output_hook=lambda msg: None)
        except (TimeoutError, RuntimeError) as exc:
            raise LDIError(f"a warm kernel failed to {what} ({exc}); run with "
                           "--executor process") from None
        finally:
            kc.stop_channels()
        if reply["content"].get("status") != "ok":
            c = reply["content"]
            raise LDIError(f"a warm kernel failed to {what} ({c.get('ename')}: "
                           f"{c.get('evalue')}); run with --executor process")

    def shutdown(self) -> None:
        """End the kernel process (and anything it started) at once."""
        km, self.km = self.km, None
        if km is None:
            return
        from jupyter_core.utils import run_sync

        _kill_tree(_pid_of(km))
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - already dead is fine
            pass

    def execute(self, source: Path, output: Path, parameters: dict | None = None,
                timeout: int = 600):
        """Execute one notebook in this kernel and write it as papermill would.

        Parameters
        ----------
        source : Path
            Notebook to run; its folder is the working directory.
        output : Path
            Where the executed notebook is written.
        parameters : dict, optional
            Values injected after the ``parameters`` cell.
        timeout : int
            Seconds allowed per cell.

        Returns
        -------
        (RunResult, healthy)
            ``healthy`` is False when the kernel must be replaced (timeout, death, lost contact).
        """
        from nbclient.exceptions import CellTimeoutError, DeadKernelError
        from papermill.exceptions import PapermillExecutionError
        from papermill.execute import (prepare_notebook_metadata, raise_for_execution_errors,
                                       remove_error_markers)
        from papermill.iorw import load_notebook_node, write_ipynb
        from papermill.parameterize import parameterize_notebook

        from .notebooks import RunResult, _first_error, _stderr_outputs

        start = time.perf_counter()
        source, output = Path(source), Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        nb = load_notebook_node(str(source))
        if parameters:
            nb = parameterize_notebook(nb, parameters, False, kernel_name=self.kernel_name,
                                       language="python")
        nb = prepare_notebook_metadata(nb, str(source), str(output))
        nb = remove_error_markers(nb)
        result = RunResult(notebook=source.name, output=output, ok=False)
        healthy = True
        holder: dict = {}
        try:
            reset = f"import ldi_helpers.run.warm as _w; _w.kernel_reset({str(source.parent)!r})"
            nb = _engine().execute_notebook(
                nb, self.kernel_name, output_path=None, progress_bar=False, log_output=False,
                km=self.km, holder=holder, execution_timeout=timeout, start_timeout=60,
                reset_code=reset)
            self.runs += 1
            raise_for_execution_errors(nb, str(output))
            write_ipynb(nb, str(output))
            result.ok = True
            result.warnings = _stderr_outputs(output)
        except PapermillExecutionError:
            result.failed_cell, result.error = _first_error(output)
            result.error = result.error or "a cell failed"
        except (CellTimeoutError, DeadKernelError, LDIError, TimeoutError, RuntimeError) as exc:
            healthy = False
            cell = _running_cell(holder)
            where = f"code cell {cell}" if cell else "start-up"
            if isinstance(exc, CellTimeoutError):
                result.error = (f"{where} ran longer than {timeout} s (the cell timeout); "
                                "the kernel was replaced")
            elif isinstance(exc, DeadKernelError) or not self.alive():
                result.error = (f"the kernel died in {where} (the notebook ended its process); "
                                "the kernel was replaced")
            else:
                result.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            result.failed_cell = cell
            if "nb_man" in holder:
                write_ipynb(holder["nb_man"].nb, str(output))
        result.seconds = time.perf_counter() - start
        return result, healthy and self.alive()


def _running_cell(holder: dict) -> int | None:
    """1-based code-cell number of the cell papermill marked as running, if any."""
    nb_man = holder.get("nb_man")
    if nb_man is None:
        return None
    n, found = 0, None
    for cell in nb_man.nb.cells:
        if cell.cell_type != "code":
            continue
        n += 1
        if cell.metadata.get("papermill", {}).get("start_time"):
            found = n
    return found


def _pid_of(km) -> int | None:
    try:
        return km.provisioner.process.pid
    except AttributeError:
        return None


def _kill_tree(pid: int | None, grace: float = 3.0) -> None:
    """SIGTERM a process and its descendants, SIGKILL whatever survives ``grace`` seconds."""
    if pid is None:
        return
    from .notebooks import end_process_trees

    end_process_trees([pid], grace)


class WarmPool:
    """A pool of :class:`WarmKernel` objects, one per worker thread.

    Parameters
    ----------
    size : int
        Kernels kept alive (notebooks executed at the same time).
    env : dict, optional
        Extra environment variables for the kernels (e.g. ``LDI_CACHE_DIR``).
    kernel_name : str
        Jupyter kernel to start.
    imports : sequence of str, optional
        Modules each kernel imports when it starts (default :data:`WARM_IMPORTS`; see
        :func:`imports_for`).

    Notes
    -----
    Kernels start in the background as soon as the pool is made. :meth:`execute` is thread-safe:
    each call borrows an idle kernel (a dead or unhealthy one is replaced first) and gives it back.
    :meth:`stop` ends every kernel at once (used on SIGINT/SIGTERM); no kernel starts after it.
    """

    def __init__(self, size: int, env: dict | None = None, kernel_name: str = "python3",
                 imports=None):
        if size < 1:
            raise LDIError(f"a warm pool needs at least 1 kernel, got {size}; pass --jobs 1 or "
                           "more")
        full = dict(os.environ, PYTHONHASHSEED="0", **(env or {}))
        full.pop("MPLBACKEND", None)  # the kernel's inline backend stores the figures
        self.env = full
        self.kernel_name = kernel_name
        self.imports = imports
        self.size = size
        self._idle: queue.Queue = queue.Queue()
        self._all: set[WarmKernel] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.replaced = 0
        self._starters = [threading.Thread(target=self._start_one, daemon=True)
                          for _ in range(size)]
        for t in self._starters:
            t.start()

    def _new_kernel(self) -> WarmKernel:
        with self._lock:
            if self._stopping.is_set():
                raise LDIError("the run was stopped; no kernel is started")
            k = WarmKernel(self.env, self.kernel_name, self.imports)
            self._all.add(k)
        try:
            k.start()
        except BaseException:
            self._discard(k)
            raise
        if self._stopping.is_set():
            self._discard(k)
            raise LDIError("the run was stopped; no kernel is started")
        return k

    def _start_one(self) -> None:
        try:
            self._idle.put(self._new_kernel())
        except BaseException as exc:  # noqa: BLE001 - handed to the next execute()
            self._idle.put(exc)

    def _discard(self, k: WarmKernel) -> None:
        with self._lock:
            self._all.discard(k)
        k.shutdown()

    def execute(self, source: Path, output: Path, parameters: dict | None = None,
                timeout: int = 600):
        """Execute one notebook in a warm kernel; returns a :class:`~ldi_helpers.run.notebooks.RunResult`.

        A kernel that timed out or died is replaced; the notebook fails alone.
        """
        from .notebooks import check_parameters

        parameters = dict(parameters or {})
        check_parameters(Path(source), parameters)
        if self._stopping.is_set():
            raise LDIError(f"{Path(source).name} was not started: the run was stopped")
        k = self._idle.get()
        if isinstance(k, BaseException):  # its start failed: try once more, here
            k = self._new_kernel()
        if not k.alive():
            self._discard(k)
            self.replaced += 1
            k = self._new_kernel()
        try:
            result, healthy = k.execute(source, output, parameters, timeout)
        except BaseException:
            self._discard(k)
            self._idle.put(LDIError("kernel discarded"))
            raise
        if self._stopping.is_set() and not result.ok:
            result.error = "stopped: the run was interrupted"
        if healthy:
            self._idle.put(k)
        else:
            self._discard(k)
            self.replaced += 1
            threading.Thread(target=self._start_one, daemon=True).start()
        return result

    def pids(self) -> list[int]:
        """PIDs of the pool's kernel processes."""
        with self._lock:
            return [p for p in (k.pid for k in self._all) if p is not None]

    def stop(self) -> None:
        """End every kernel of the pool now (running notebooks fail); no new kernel starts."""
        self._stopping.set()
        with self._lock:
            kernels = list(self._all)
        threads = [threading.Thread(target=k.shutdown, daemon=True) for k in kernels]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)

    def close(self) -> None:
        """Shut the pool down after a run (same as :meth:`stop`)."""
        self.stop()
        for t in self._starters:
            t.join(1)
        with self._lock:
            rest = list(self._all)
        for k in rest:
            self._discard(k)

    def __enter__(self) -> "WarmPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
