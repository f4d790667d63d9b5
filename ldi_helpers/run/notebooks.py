"""Headless execution of the notebooks: papermill runs, HTML rendering, in-place refresh.

Each notebook run is a separate operating-system process (``python -m papermill``), as papermill's
own issue tracker recommends, with an execution timeout. A failed run is reported with the notebook,
the cell number and the error message, never a traceback. Reader-facing HTML hides all code and
prompts and drops anything written to stderr (warnings), which is logged in the run manifest instead.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from ..data.components import COMPONENTS
from ..errors import LDIError
from ..data.load import REPO_ROOT

NOTEBOOK_DIR = REPO_ROOT / "notebooks"

#: Seconds a single cell may run before the notebook is failed.
CELL_TIMEOUT = 600


@dataclass(frozen=True)
class NotebookInfo:
    """A notebook of the workbench.

    Attributes
    ----------
    name : str
        Short name used on the command line (``index``, ``component``, ...).
    filename : str
        File under ``notebooks/``.
    title : str
        Plain-English title for the index page.
    audience : str
        Who it is written for.
    """

    name: str
    filename: str
    title: str
    audience: str = "researchers and policy readers"

    @property
    def path(self) -> Path:
        """Absolute path of the committed notebook."""
        return NOTEBOOK_DIR / self.filename


NOTEBOOKS: dict[str, NotebookInfo] = {
    nb.name: nb
    for nb in (
        NotebookInfo("data_overview", "00_data_overview.ipynb", "What data the index uses"),
        NotebookInfo("component", "10_component.ipynb", "One component in depth"),
        NotebookInfo("index", "20_index.ipynb", "The composite index and ranks"),
        NotebookInfo("sensitivity", "30_sensitivity.ipynb", "How robust are the rankings?"),
        NotebookInfo("growth", "40_growth_scenarios.ipynb",
                     "Digital GVA per person and growth scenarios"),
        NotebookInfo("regional_report", "50_regional_report.ipynb", "Regional briefing",
                     "policy managers and MPs"),
        # interactive (ipywidgets): never one of `ldi run`'s jobs (see default_runs)
        NotebookInfo("methodology_explorer", "60_methodology_explorer.ipynb",
                     "Methodology explorer", "researchers in JupyterLab"),
    )
}


@dataclass(frozen=True)
class NotebookVariant:
    """A committed copy of a notebook executed with other parameters (checked by nbval).

    Attributes
    ----------
    name : str
        Name on the command line (``ldi notebooks refresh district_briefing``).
    source : str
        Name of the notebook it copies (a key of :data:`NOTEBOOKS`).
    filename : str
        Path under ``notebooks/``.
    parameters : dict
        Values that replace the source's defaults (paths relative to the variant's folder).
    """

    name: str
    source: str
    filename: str
    parameters: dict

    @property
    def path(self) -> Path:
        """Absolute path of the committed variant."""
        return NOTEBOOK_DIR / self.filename


#: The district edition, seen from ``notebooks/districts/``.
_LAD_FROM_VARIANTS = "../../data/editions/lad"

#: Committed variants: the district edition's briefing of one district and its index page, with
#: small samples so that nbval stays quick.
VARIANTS: dict[str, NotebookVariant] = {
    v.name: v
    for v in (
        NotebookVariant("district_briefing", "regional_report",
                        "districts/50_newcastle_upon_tyne.ipynb",
                        {"area": "Newcastle upon Tyne", "data_dir": _LAD_FROM_VARIANTS,
                         "n_samples": 64, "sobol_n": 0}),
        NotebookVariant("district_index", "index", "districts/20_index.ipynb",
                        {"data_dir": _LAD_FROM_VARIANTS}),
    )
}


def write_variant(variant: NotebookVariant) -> Path:
    """Copy the variant's source notebook to its path with its parameters injected (unexecuted).

    The parameters go in a cell tagged ``injected-parameters`` right after the ``parameters``
    cell, as papermill does, so the source's defaults stay visible.
    """
    source = NOTEBOOKS[variant.source].path
    check_parameters(source, variant.parameters)
    nb = nbformat.read(source, as_version=4)
    lines = [f"{k} = {v!r}" for k, v in variant.parameters.items()]
    cell = nbformat.v4.new_code_cell("# Parameters of this variant (run/notebooks.py VARIANTS)\n"
                                     + "\n".join(lines),
                                     metadata={"tags": ["injected-parameters"]})
    if nb.nbformat_minor >= 5:
        cell["id"] = "injected-parameters"  # stable: a refresh changes nothing else
    else:
        cell.pop("id", None)
    at = next(i for i, c in enumerate(nb.cells)
              if "parameters" in c.metadata.get("tags", [])) + 1
    nb.cells.insert(at, cell)
    if "area" in variant.parameters:  # a briefing's h1 names its unit, as `ldi run` does
        _set_heading(nb, f"{variant.parameters['area']}: digital ecosystem briefing")
    variant.path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, variant.path)
    return variant.path


def refresh_variant(variant: NotebookVariant, timeout: int = CELL_TIMEOUT) -> None:
    """Rewrite a variant from its source notebook and execute it in place (for nbval)."""
    write_variant(variant)
    refresh_notebook(variant.path, timeout)


def notebook_parameters(path: Path) -> dict[str, object]:
    """Names and default values of a notebook's ``parameters`` cell.

    The cell is executed in an empty namespace (it holds only literal assignments by convention).
    """
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            ns: dict[str, object] = {}
            exec(compile(cell.source, str(path), "exec"), {}, ns)  # noqa: S102 - our own file
            return {k: v for k, v in ns.items() if not k.startswith("_")}
    return {}


def check_parameters(path: Path, parameters: dict) -> None:
    """Raise :class:`LDIError` if a parameter is not declared in the notebook or has a wrong type."""
    declared = notebook_parameters(path)
    for key, value in parameters.items():
        if key not in declared:
            raise LDIError(
                f"unknown parameter {key!r} for {path.name}; valid parameters: "
                f"{', '.join(sorted(declared)) or '(none)'}"
            )
        default = declared[key]
        if default is not None and value is not None:
            ok = isinstance(value, type(default)) or (
                isinstance(default, float) and isinstance(value, int)
                and not isinstance(value, bool)
            )
            if not ok:
                raise LDIError(
                    f"parameter {key!r} of {path.name} must be {type(default).__name__}, "
                    f"got {type(value).__name__} {value!r}"
                )


@dataclass
class RunResult:
    """Outcome of one headless notebook run."""

    notebook: str
    output: Path
    ok: bool
    seconds: float = 0.0
    error: str = ""
    failed_cell: int | None = None
    warnings: list[str] = field(default_factory=list)


def _first_error(nb_path: Path) -> tuple[int | None, str]:
    try:
        nb = nbformat.read(nb_path, as_version=4)
    except Exception:  # noqa: BLE001 - the notebook may not have been written at all
        return None, ""
    code_index = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code_index += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return code_index, f"{out.get('ename')}: {out.get('evalue')}"
    return None, ""


def _stderr_outputs(nb_path: Path) -> list[str]:
    nb = nbformat.read(nb_path, as_version=4)
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                found.append(out.get("text", "").strip()[:300])
    return found


#: papermill processes currently running (each with its kernel below it), for :func:`stop_all`.
_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()
_STOPPING = threading.Event()


def allow_new_runs() -> None:
    """Let :func:`execute_notebook` start processes again after a :func:`stop_all`."""
    _STOPPING.clear()


def stop_all(grace: float = 5.0) -> int:
    """End every running notebook process and everything it started (kernels included).

    Used when ``ldi`` is interrupted (SIGINT, SIGTERM, SIGHUP): each papermill process and all its
    descendants get SIGTERM, and whatever is still alive after ``grace`` seconds gets SIGKILL.
    No new notebook process starts until :func:`allow_new_runs` is called.

    Parameters
    ----------
    grace : float
        Seconds to wait for the processes to end after SIGTERM.

    Returns
    -------
    int
        Number of processes that were ended.
    """
    _STOPPING.set()
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    n = end_process_trees([popen.pid for popen in running], grace)
    for popen in running:
        try:
            popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    return n


def end_process_trees(pids, grace: float = 3.0) -> int:
    """SIGTERM each process and all its descendants, SIGKILL whatever survives ``grace`` seconds.

    Returns the number of processes signalled (processes already gone are skipped).
    """
    import psutil

    procs: list = []
    for pid in pids:
        try:
            top = psutil.Process(pid)
            procs += top.children(recursive=True) + [top]
        except psutil.NoSuchProcess:
            continue
    for proc in procs:
        try:
            proc.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=grace)
    return len(procs)


def execute_notebook(
    source: Path, output: Path, parameters: dict | None = None, timeout: int = CELL_TIMEOUT,
    env: dict | None = None,
) -> RunResult:
    """Execute a notebook headlessly with papermill in its own process.

    Parameters
    ----------
    source : Path
        The notebook to run (its folder is the working directory).
    output : Path
        Where the executed notebook is written.
    parameters : dict, optional
        Values injected after the ``parameters`` cell (checked against its declared names).
    timeout : int
        Seconds allowed per cell.
    env : dict, optional
        Extra environment variables for the notebook's process (e.g. ``LDI_CACHE_DIR``).

    Returns
    -------
    RunResult
        ``ok`` is False when a cell raised; ``failed_cell`` (1-based code-cell number) and
        ``error`` then say where and what.
    """
    import time

    parameters = dict(parameters or {})
    check_parameters(source, parameters)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
        yaml.safe_dump(parameters, fh)
        param_file = fh.name
    cmd = [
        sys.executable, "-m", "papermill", str(source), str(output),
        "-f", param_file, "--cwd", str(source.parent), "--execution-timeout", str(timeout),
        "--no-progress-bar", "--log-level", "ERROR", "-k", "python3",
    ]
    env = dict(os.environ, PYTHONHASHSEED="0", **(env or {}))
    env.pop("MPLBACKEND", None)  # the kernel's inline backend stores the figures
    start = time.perf_counter()
    try:
        with _RUNNING_LOCK:
            if _STOPPING.is_set():
                raise LDIError(f"{source.name} was not started: the run was stopped")
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=env)
            _RUNNING.add(proc)
        try:
            _, stderr = proc.communicate()
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(proc)
    finally:
        os.unlink(param_file)
    seconds = time.perf_counter() - start
    result = RunResult(notebook=source.name, output=output, ok=proc.returncode == 0,
                       seconds=seconds)
    if _STOPPING.is_set() and not result.ok:
        result.error = f"stopped: the run was interrupted (exit code {proc.returncode})"
    elif not result.ok:
        cell, message = _first_error(output)
        if not message:
            tail = [ln for ln in stderr.strip().splitlines() if ln.strip()]
            message = tail[-1] if tail else f"papermill exited with {proc.returncode}"
        result.failed_cell, result.error = cell, message
    elif output.exists():
        result.warnings = _stderr_outputs(output)
    return result


def inert_markdown(text: str) -> str:
    """Markdown with every raw HTML tag made inert (``<`` written as ``&lt;``).

    Markdown outputs of the notebooks are built from data (indicator names, publishers, caveats)
    and nbconvert passes raw HTML in Markdown through to the page. None of the workbench's own
    Markdown uses HTML, so escaping ``<`` turns an injected ``<script>`` or ``<img onerror=...>``
    into visible text without changing anything else (``&amp;`` and other entities still render).
    """
    return text.replace("<", "&lt;")


#: nbconvert templates of the workbench (``ldi_reader``: no external scripts, a site header).
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "report" / "templates"


def _set_heading(nb, heading: str) -> None:
    """Make ``heading`` the page's h1: the first ``# `` line of the first Markdown cell."""
    from html import escape

    line = "# " + inert_markdown(escape(heading, quote=False))
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            lines = cell.source.splitlines()
            for i, text in enumerate(lines):
                if text.startswith("# "):
                    lines[i] = line
                    cell.source = "\n".join(lines)
                    return
            cell.source = line + "\n\n" + cell.source
            return


_EXPORTERS = threading.local()


#: An ``<img`` tag without an ``alt`` attribute (the exporter gives it nbconvert's default text,
#: which the reader checks then flag: every chart of ours carries its own).
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)", re.IGNORECASE)


def _reader_exporter_class():
    """nbconvert's HTML exporter without its last step: it re-parses the whole page with
    BeautifulSoup's pure-Python parser (about a third of ``ldi run``'s own CPU time on pages
    with large charts) only to add nbconvert's default alt text to images without one (done
    here by a regular expression) and ``tabindex`` to code cells and outputs (pages show no
    code; outputs are not interactive)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReaderHTMLExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            body, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            body = _IMG_WITHOUT_ALT.sub(
                '<img alt="No description has been provided for this image"', body)
            return body, resources

    return ReaderHTMLExporter


def _reader_exporter():
    """The reader-facing HTML exporter of this thread, made once (its templates compiled once:
    a run renders hundreds of pages)."""
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:
        from nbconvert.preprocessors import TagRemovePreprocessor

        exporter = _reader_exporter_class()(exclude_input=True, exclude_input_prompt=True,
                                exclude_output_prompt=True, template_name="ldi_reader",
                                extra_template_basedirs=[str(TEMPLATE_DIR)])
        # Cells tagged "remove-cell" (plain-text copies that nbval regression-checks) are for
        # tests, not readers.
        exporter.register_preprocessor(
            TagRemovePreprocessor(remove_cell_tags={"remove-cell"}, enabled=True), enabled=True)
        _EXPORTERS.html = exporter
    return exporter


def render_html(executed: Path, html_path: Path, title: str | None = None,
                heading: str | None = None, nav: str = "", page: str | None = None) -> Path:
    """Render an executed notebook to reader-facing HTML: no code, no prompts, no stderr.

    Markdown outputs are made inert with :func:`inert_markdown` (HTML outputs are escaped tables
    already, see :mod:`ldi_helpers.report.display`), so no text from the data can become a live element.
    Text printed by a cell is shown as a paragraph, not in a monospace box. The page loads nothing
    from outside (template ``ldi_reader``: no require.js, MathJax or fonts), carries a viewport meta
    tag, the site header ``nav`` (built by :func:`ldi_helpers.report.site.site_nav`) and, on the first use
    of each term of art, a link to the glossary. The file is written to a temporary name and moved
    into place, so a reader never sees a half written page.

    Parameters
    ----------
    title : str, optional
        The page's ``<title>``.
    heading : str, optional
        Replaces the notebook's h1 (e.g. the region's name on a briefing).
    nav : str
        HTML of the site header (trusted: built with every text escaped).
    page : str, optional
        The page's path relative to the output folder (for the glossary links); default: the
        HTML file's folder name and file name.
    """
    from html import escape

    from ..report.site import READER_CSS, link_glossary_terms

    page = page or f"{html_path.parent.name}/{html_path.name}"
    prefix = "../" * page.count("/")
    seen: set[str] = set()
    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = link_glossary_terms(cell.source, prefix, seen)
        if cell.cell_type == "code":
            outputs = []
            for o in cell.get("outputs", []):
                if o.get("output_type") == "stream":
                    if o.get("name") == "stderr":
                        continue
                    text = escape(o.get("text", "").strip()).replace("\n", "<br>")
                    o = nbformat.v4.new_output("display_data", data={
                        "text/html": f"<p class='ldi-text'>{text}</p>"})
                outputs.append(o)
            cell.outputs = outputs
            for o in cell.outputs:
                data = o.get("data") or {}
                if isinstance(data.get("text/markdown"), str):
                    data["text/markdown"] = link_glossary_terms(
                        inert_markdown(data["text/markdown"]), prefix, seen)
    if heading:
        _set_heading(nb, heading)
    if title:
        nb.metadata["title"] = title
    exporter = _reader_exporter()
    body, _ = exporter.from_notebook_node(
        nb, resources={"ldi_css": READER_CSS, "ldi_nav": nav, "ldi_nav_bottom": ""})
    html_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = html_path.with_name(f".{html_path.name}.tmp-{os.getpid()}")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, html_path)
    return html_path


def refresh_notebook(path: Path, timeout: int = CELL_TIMEOUT) -> None:
    """Execute a committed notebook in place with its default parameters (for nbval).

    Volatile metadata (execution timestamps, papermill records) is stripped so that a refresh of
    unchanged inputs gives an unchanged file apart from image bytes.
    """
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    # The kernel must use the inline backend so figures are stored in the notebook.
    env_backup = os.environ.pop("MPLBACKEND", None)
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if env_backup is not None:
            os.environ["MPLBACKEND"] = env_backup
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    nb.metadata.pop("papermill", None)
    tmp = path.with_name(f".{path.name}.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)


#: Notebooks that need the LDI edition's own tables (``LDIData.has_ldi_tables``), and why.
LDI_ONLY: dict[str, str] = {
    "growth": "needs the LDI's own tables (techUK's published figures, the ICT GVA panel and "
              "population), which this edition does not have",
}


def default_runs(data=None) -> list[tuple[str, str, dict]]:
    """The analysis notebook runs of ``ldi run``: (notebook name, output stem, parameters).

    The component notebook runs once per component of the edition's framework; notebooks of
    :data:`LDI_ONLY` run only when the edition has the LDI's tables (see
    :func:`skipped_notebooks`). Regional reports are added by the caller.

    Parameters
    ----------
    data : LDIData, optional
        The edition (default: the LDI's eight components, every notebook).
    """
    comps = COMPONENTS if data is None else data.components
    runs: list[tuple[str, str, dict]] = [("data_overview", "00_data_overview", {})]
    for cid in comps:
        runs.append(("component", f"10_component_{cid}", {"component": cid}))
    runs += [("index", "20_index", {}), ("sensitivity", "30_sensitivity", {}),
             ("growth", "40_growth_scenarios", {})]
    skipped = {n for n, _ in skipped_notebooks(data)}
    return [r for r in runs if NOTEBOOKS[r[0]].path.exists() and r[0] not in skipped]


def skipped_notebooks(data=None) -> list[tuple[str, str]]:
    """Notebooks ``ldi run`` leaves out for this edition: (notebook name, reason)."""
    if data is None or data.has_ldi_tables:
        return []
    return [(n, why) for n, why in LDI_ONLY.items() if NOTEBOOKS[n].path.exists()]


def dump_json(obj, path: Path) -> None:
    """Write JSON atomically (temporary file, then rename), sorted keys, UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str), encoding="utf-8")
    os.replace(tmp, path)
