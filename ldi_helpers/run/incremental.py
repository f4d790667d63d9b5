"""Incremental reruns: redo only the jobs whose inputs changed since they were last published.

Each job of a run records in ``manifest.json`` the SHA-256 of what determines its output: the
notebook file, its parameters, the curated data (every file of the data folder) and the package
(the source of ``ldi_helpers`` and the versions of the libraries the notebooks use). A rerun into
the same folder skips a job when the manifest lists it as successful with the same hashes and its
executed notebook and HTML page are still there; everything else (changed, new, failed, missing)
runs. ``ldi run --force`` runs everything.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

#: Key of the per-job input hashes in a manifest entry.
INPUTS_KEY = "inputs"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package_hash() -> str:
    """SHA-256 of the workbench's source files and the versions of the libraries it runs on."""
    from importlib import metadata

    h = hashlib.sha256()
    pkg = Path(__file__).parent
    for p in sorted(pkg.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".j2", ".css", ".tpl", ".json") \
                and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(pkg)).encode())
            h.update(p.read_bytes())
    for name in ("numpy", "pandas", "scipy", "statsmodels", "SALib", "matplotlib", "seaborn",
                 "papermill", "nbconvert", "nbclient", "ipykernel"):
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            pass
    return h.hexdigest()


def data_hash(data_dir: Path) -> str:
    """SHA-256 over the SHA-256 of every file in the data folder (names included)."""
    from ..data.load import data_fingerprint

    return _sha(json.dumps(data_fingerprint(data_dir), sort_keys=True).encode())


def job_inputs(notebook_path: Path, parameters: dict, data: str, package: str) -> dict:
    """The input hashes of one job (``sha256`` combines the four).

    Parameters
    ----------
    notebook_path : Path
        The notebook the job executes.
    parameters : dict
        Its parameters (JSON-serialisable).
    data, package : str
        :func:`data_hash` and :func:`package_hash` of the run.
    """
    out = {"notebook": _sha(Path(notebook_path).read_bytes()),
           "parameters": _sha(json.dumps(parameters, sort_keys=True, default=str).encode()),
           "data": data, "package": package}
    out["sha256"] = _sha(json.dumps(out, sort_keys=True).encode())
    return out


def previous_jobs(output_dir: Path) -> dict[str, dict]:
    """Manifest entries of the jobs already published in ``output_dir``, by output stem."""
    try:
        old = json.loads((Path(output_dir) / "manifest.json").read_text(encoding="utf-8"))
        return {j["output"]: j for j in old.get("jobs", [])
                if isinstance(j, dict) and "output" in j}
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        return {}


def up_to_date(entry: dict | None, inputs: dict, output_dir: Path) -> bool:
    """True when a published job has the same inputs, succeeded and its files are all there."""
    if not entry or not entry.get("ok") or not entry.get("html"):
        return False
    if (entry.get(INPUTS_KEY) or {}).get("sha256") != inputs["sha256"]:
        return False
    out = Path(output_dir)
    return (out / entry["html"]).is_file() and \
        (out / "notebooks" / f"{entry['output']}.ipynb").is_file()


def split_jobs(jobs: list, paths: dict, output_dir: Path, data_dir: Path,
               force: bool = False) -> tuple[list, list, dict]:
    """Split a run's jobs into those to run and those already up to date.

    Parameters
    ----------
    jobs : list of Job
        The planned jobs.
    paths : dict
        Notebook name -> path of the notebook file.
    output_dir : Path
        Folder of the earlier runs (its ``manifest.json``).
    data_dir : Path
        The run's data folder.
    force : bool
        Run every job (nothing is skipped; hashes are still recorded).

    Returns
    -------
    (to_run, skipped, inputs)
        ``inputs`` maps each job's output stem to its :func:`job_inputs`.
    """
    data, package = data_hash(data_dir), package_hash()
    old = {} if force else previous_jobs(output_dir)
    to_run, skipped, inputs = [], [], {}
    for job in jobs:
        inputs[job.stem] = job_inputs(paths[job.notebook], job.parameters, data, package)
        if not force and up_to_date(old.get(job.stem), inputs[job.stem], output_dir):
            skipped.append(job)
        else:
            to_run.append(job)
    return to_run, skipped, inputs
