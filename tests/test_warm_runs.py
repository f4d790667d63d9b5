"""Issue 12: warm kernels, incremental reruns and the Dask engine.

Tiny notebooks (``fake_notebooks`` in conftest.py) keep these fast; one real briefing checks that
warm and one-process execution write the same notebook.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from ldi_helpers.run.notebooks import NOTEBOOKS, execute_notebook
from ldi_helpers.run.runner import Job, run_jobs
from ldi_helpers.run.warm import WarmPool


def _job(nb: str, area: str = "Wales", **extra) -> Job:
    return Job(nb, f"{nb}_{area.lower()}", {"area": area, **extra}, "report", area)


def _entries(out: Path) -> dict:
    man = json.loads((out / "manifest.json").read_text())
    return man, {j["output"]: j for j in man["jobs"]}


def _sanitised(path: Path) -> list:
    """Cells of an executed notebook without timings, paths and other volatile metadata."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    for c in nb.cells:
        outs = []
        for o in c.get("outputs", []):
            o = dict(o)
            if "text" in o:
                o["text"] = re.sub(r"ipykernel_\d+/\d+", "ipykernel", o["text"])
            outs.append(json.dumps(o, sort_keys=True))
        cells.append((c.cell_type, c.source, c.get("execution_count"), outs,
                      sorted(c.metadata.get("tags", []))))
    return cells


def test_pool_isolates_failures_and_replaces_dead_kernels(fake_notebooks, tmp_path):
    ok = fake_notebooks("ok", "leak = 1\nprint(area)")
    clean = fake_notebooks("clean", "assert 'leak' not in globals(), 'namespace leaked'\n"
                           "import os\nprint(os.path.basename(os.getcwd()))")
    raises = fake_notebooks("raises", "raise ValueError('boom')")
    hangs = fake_notebooks("hangs", "import time\ntime.sleep(60)")
    dies = fake_notebooks("dies", "import os\nos._exit(1)")
    out = tmp_path / "out"
    with WarmPool(1) as pool:
        res = {nb.stem: pool.execute(nb, out / f"{nb.stem}.ipynb", {"area": "Wales"}, timeout=3)
               for nb in (ok, raises, clean, hangs, clean, dies, ok)}
        assert pool.replaced == 2
    assert res["ok"].ok and res["clean"].ok, res["clean"].error
    assert not res["raises"].ok and res["raises"].failed_cell == 3
    assert res["raises"].error == "ValueError: boom"
    assert not res["hangs"].ok and "longer than 3 s" in res["hangs"].error
    assert res["hangs"].failed_cell == 3
    assert not res["dies"].ok and "kernel died" in res["dies"].error
    # papermill's own marks: injected parameters cell, metadata, error cells
    failed = nbformat.read(out / "raises.ipynb", as_version=4)
    tags = [t for c in failed.cells for t in c.metadata.get("tags", [])]
    assert "injected-parameters" in tags and "papermill-error-cell-tag" in tags
    assert failed.metadata.papermill["parameters"] == {"area": "Wales"}
    done = nbformat.read(out / "clean.ipynb", as_version=4)
    assert [c.execution_count for c in done.cells if c.cell_type == "code"] == [1, 2, 3]
    assert done.cells[-1].outputs[0]["text"].strip() == "fake_notebooks"


def test_run_goes_on_past_failures_and_counts_them(fake_notebooks, tmp_path, monkeypatch):
    import ldi_helpers.run.notebooks as nbmod

    monkeypatch.setattr(nbmod, "CELL_TIMEOUT", 3)
    fake_notebooks("fine")
    fake_notebooks("raises", "raise ValueError('boom')")
    fake_notebooks("hangs", "import time\ntime.sleep(60)")
    fake_notebooks("dies", "import os\nos._exit(1)")
    jobs = [_job(n) for n in ("fine", "raises", "hangs", "dies")] + [_job("fine", "Scotland")]
    results, manifest = run_jobs(jobs, tmp_path / "site", 2, progress=False)
    ok = {r.notebook for r in results if r.ok}
    assert ok == {"fine.ipynb"} and sum(r.ok for r in results) == 2
    _, by = _entries(tmp_path / "site")
    assert by["fine_scotland"]["ok"] and (tmp_path / "site/reports/fine_scotland.html").is_file()
    assert not by["dies_wales"]["ok"] and not by["hangs_wales"]["ok"]


def test_warm_and_process_write_the_same_notebook(fake_notebooks, tmp_path):
    tiny = fake_notebooks("tiny", "import warnings\nwarnings.warn('careful')\n"
                          "import pandas as pd\ndisplay(pd.DataFrame({'a': [1, 2]}))\nprint(area)")
    report = NOTEBOOKS["regional_report"].path
    params = {"area": "North East", "n_samples": 64, "sobol_n": 64}
    env = {"LDI_CACHE_DIR": str(tmp_path / "cache")}
    for src, p in ((tiny, {"area": "Wales"}), (report, params)):
        cold = execute_notebook(src, tmp_path / "cold" / src.name, p, env=env)
        with WarmPool(1, env) as pool:
            pool.execute(tiny, tmp_path / "first.ipynb", {"area": "Scotland"})  # not fresh
            warm = pool.execute(src, tmp_path / "warm" / src.name, p)
        assert cold.ok and warm.ok, (cold.error, warm.error)
        assert cold.warnings == warm.warnings or [re.sub(r"\d", "", w) for w in cold.warnings] \
            == [re.sub(r"\d", "", w) for w in warm.warnings]
        a = _sanitised(tmp_path / "cold" / src.name)
        b = _sanitised(tmp_path / "warm" / src.name)
        assert a == b, src.name
        meta = nbformat.read(tmp_path / "warm" / src.name, as_version=4).metadata.papermill
        assert meta["parameters"] == p and meta["input_path"] == str(src)


def test_rerun_skips_unchanged_jobs(fake_notebooks, tmp_path, tiny_data_dir):
    fake_notebooks("fine")
    fake_notebooks("flaky", "import os\nassert os.path.exists(os.environ['FLAKY_OK'])")
    marker = tmp_path / "flaky-ok"
    import os

    os.environ["FLAKY_OK"] = str(marker)
    try:
        out = tmp_path / "site"
        jobs = [_job("fine"), _job("fine", "Scotland"), _job("flaky")]
        first, _ = run_jobs(jobs, out, 2, progress=False, data_dir=tiny_data_dir)
        assert [r.ok for r in first] == [True, True, False]
        man1, by1 = _entries(out)
        assert set(by1["fine_wales"]["inputs"]) == {"notebook", "parameters", "data", "package",
                                                   "sha256"}
        marker.write_text("now it works")
        second, _ = run_jobs(jobs, out, 2, progress=False, data_dir=tiny_data_dir)
        man2, by2 = _entries(out)
        assert {r.notebook for r in second if r.error == "unchanged"} == {"fine_wales",
                                                                         "fine_scotland"}
        assert by2["fine_wales"]["run_id"] == man1["run_id"]  # not rerun
        assert by2["flaky_wales"]["ok"] and by2["flaky_wales"]["run_id"] == man2["run_id"]
        # a changed parameter reruns that job only
        third, _ = run_jobs([_job("fine"), _job("fine", "Scotland", data_dir="x")], out, 2,
                            progress=False, data_dir=tiny_data_dir)
        assert {r.notebook: r.error for r in third} == {"fine.ipynb": "",
                                                        "fine_wales": "unchanged"}
        # changed data reruns everything; --force too
        (tiny_data_dir / "sources.csv").write_text(
            (tiny_data_dir / "sources.csv").read_text() + "\n", encoding="utf-8")
        fourth, _ = run_jobs(jobs[:2], out, 2, progress=False, data_dir=tiny_data_dir)
        assert not any(r.error == "unchanged" for r in fourth)
        fifth, _ = run_jobs(jobs[:2], out, 2, progress=False, data_dir=tiny_data_dir, force=True)
        assert not any(r.error == "unchanged" for r in fifth)
        # a page deleted by hand is made again
        (out / "reports" / "fine_wales.html").unlink()
        sixth, _ = run_jobs(jobs[:2], out, 2, progress=False, data_dir=tiny_data_dir)
        assert sorted(r.error for r in sixth) == ["", "unchanged"]
        assert (out / "reports" / "fine_wales.html").is_file()
    finally:
        os.environ.pop("FLAKY_OK", None)


def test_dask_local_cluster_runs_publishes_and_retries_a_dead_worker(fake_notebooks, tmp_path):
    pytest.importorskip("distributed")
    marker = tmp_path / "killed-once"
    fake_notebooks("fine")
    fake_notebooks("raises", "raise ValueError('boom')")
    # kills the Dask worker running it (the kernel's parent) the first time only
    fake_notebooks("killer", f"import os, signal, pathlib\np = pathlib.Path({str(marker)!r})\n"
                   "if not p.exists():\n    p.write_text('x')\n"
                   "    os.kill(os.getppid(), signal.SIGKILL)\nprint('second try')")
    out = tmp_path / "site"
    jobs = [_job("fine"), _job("raises"), _job("killer"), _job("fine", "Scotland")]
    results, manifest = run_jobs(jobs, out, 2, progress=False, scheduler="local")
    by = {r.notebook: r for r in results}
    assert marker.exists()
    assert [r.ok for r in results] == [True, False, True, True], [r.error for r in results]
    assert by["raises.ipynb"].error == "ValueError: boom"
    _, entries = _entries(out)
    assert entries["killer_wales"]["ok"]
    nb = nbformat.read(out / "notebooks" / "killer_wales.ipynb", as_version=4)
    assert "second try" in nb.cells[-1].outputs[0]["text"]
    assert (out / "reports" / "fine_scotland.html").is_file()
    assert not list(out.glob(".staging-*"))


def test_unknown_executor_and_unreachable_scheduler_are_one_line():
    from ldi_helpers.run.executors import make_executor
    from ldi_helpers.errors import LDIError

    with pytest.raises(LDIError, match="unknown executor 'fast'; use --executor warm"):
        make_executor("fast", 1, {})
    with pytest.raises(LDIError, match="cannot reach the Dask scheduler"):
        make_executor("warm", 1, {}, scheduler="tcp://127.0.0.1:9")
