"""End to end: `ldi report` on one region, the HTML a reader gets, and the run's failure handling.

The browser checks open the pages in headless Chromium (Debian's package; CI installs it).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from browser import dump_dom, screenshot
from ldi_helpers.run import notebooks as nbmod
from ldi_helpers.run.cli import main
from ldi_helpers.data.load import REPO_ROOT
from ldi_helpers.run.runner import Job, run_jobs
from ldi_helpers.report.site import write_index_page


#: What a visible code cell looks like in nbconvert's HTML (editor area or highlighted source).
CODE_INPUT = re.compile(r'class="[^"]*(jp-InputArea-editor|jp-CodeMirrorEditor|highlight)[^"]*"')


@pytest.fixture(scope="module")
def report_run(full_run):
    """The session's full run (conftest), which includes the North East briefing."""
    return full_run


def test_report_command_succeeds_and_publishes(report_run):
    code, out = report_run
    assert code == 0
    assert (out / "index.html").is_file()
    assert (out / "reports" / "report_north-east.html").is_file()
    assert (out / "notebooks" / "report_north-east.ipynb").is_file()
    assert not list(out.glob(".staging-*")), "staging folder must be gone after a run"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Likely range (5th-95th percentile)" in index
    # issue 9: the index page says how the ranges were made and how often ranks tie
    assert "Likely range: the ranks that hold 90% of the 4,096 methods sampled" in index
    assert "share a rank in" in index and "tied regions share the better rank" in index
    assert ".cache" not in [p.name for p in out.iterdir()]


def test_report_html_has_headline_rank_and_no_code(report_run):
    _, out = report_run
    page = (out / "reports" / "report_north-east.html").read_text(encoding="utf-8")
    executed = nbformat.read(out / "notebooks" / "report_north-east.ipynb", as_version=4)
    headline = next(o["text"] for c in executed.cells if c.cell_type == "code"
                    for o in c.get("outputs", []) if o.get("name") == "stdout"
                    and "ranks" in o.get("text", ""))
    rank = re.search(r"ranks (\d+\w\w) of 12", headline).group(1)
    interval = re.search(r"between (\d+)\w\w and (\d+)\w\w", headline).groups()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"<td>{interval[0]} to {interval[1]}</td>" in index, "index page range = report range"
    assert "North East ranks" in page and f"ranks {rank} of 12" in page
    for code_sign in ("build_briefing(", "import matplotlib", "plt.show()", "In&nbsp;[",
                      "Traceback", "Warning:",
                      'data-mime-type="application/vnd.jupyter.stderr"'):
        assert code_sign not in page, code_sign
    assert not CODE_INPUT.search(page), "a code cell's input is visible"
    assert "Open Government Licence v3.0" in page


def test_manifest_records_the_run(report_run):
    _, out = report_run
    man = json.loads((out / "manifest.json").read_text())
    ne = next(j for j in man["jobs"] if j["kind"] == "report"
              and j["parameters"]["area"] == "North East")
    assert ne["ok"] is True and ne["parameters"] == {"area": "North East"}
    assert set(man["data_sha256"]) >= {"indicator_values.csv", "indicators.csv", "areas.csv"}
    assert all(len(h) == 64 for h in man["data_sha256"].values())
    assert man["packages"]["pandas"] and man["git_commit"]


def test_pages_in_a_real_browser(report_run):
    _, out = report_run
    index_dom = dump_dom(out / "index.html")
    assert "Local Digital Index workbench" in index_dom and "North East" in index_dom
    hrefs = re.findall(r'href="([^"#]+)"', index_dom)
    local = [h for h in hrefs if not h.startswith(("http:", "https:", "data:"))]
    assert "reports/report_north-east.html" in local
    for h in local:
        assert (out / h).is_file(), f"broken link {h}"
    report_dom = dump_dom(out / "reports" / "report_north-east.html")
    assert "North East ranks" in report_dom
    assert not CODE_INPUT.search(report_dom)
    shots = REPO_ROOT / "outputs" / "screenshots"
    assert screenshot(out / "index.html", shots / "index.png").stat().st_size > 10_000
    assert screenshot(out / "reports" / "report_north-east.html",
                      shots / "report_north-east.png").stat().st_size > 10_000


def _notebook(path: Path, source: str) -> Path:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell("area = 'x'")
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell("y = 1"), nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def test_failing_notebook_is_reported_and_others_finish(tmp_path, monkeypatch):
    good = _notebook(tmp_path / "good.ipynb", "print('fine')")
    bad = _notebook(tmp_path / "bad.ipynb", "raise ValueError('no data for <b>this</b>')")
    reg = dict(nbmod.NOTEBOOKS)
    for name, path in (("good", good), ("bad", bad)):
        reg[name] = nbmod.NotebookInfo(name, path.name, name.title())
    monkeypatch.setattr(nbmod.NotebookInfo, "path",
                        property(lambda self: tmp_path / self.filename
                                 if self.name in ("good", "bad") else
                                 nbmod.NOTEBOOK_DIR / self.filename))
    monkeypatch.setattr(nbmod, "NOTEBOOKS", reg)
    import ldi_helpers.run.runner as runner
    monkeypatch.setattr(runner, "NOTEBOOKS", reg)
    out = tmp_path / "site"
    results, manifest = run_jobs([Job("bad", "bad", {}), Job("good", "good", {})], out, 2,
                                 progress=False)
    by = {r.notebook: r for r in results}
    assert by["good.ipynb"].ok and not by["bad.ipynb"].ok
    assert by["bad.ipynb"].failed_cell == 3
    assert "ValueError: no data for <b>this</b>" in by["bad.ipynb"].error
    page = (out / "index.html").read_text()
    assert "Reports that failed" in page and "(code cell 3)" in page
    assert "&lt;b&gt;this&lt;/b&gt;" in page and "<b>this</b>" not in page
    assert (out / "analysis" / "good.html").is_file()
    assert not (out / "analysis" / "bad.html").exists()


@pytest.mark.parametrize("executor", ["process", "warm"])
def test_failure_while_publishing_leaves_no_half_output(tmp_path, monkeypatch, executor):
    import ldi_helpers.run.notebooks as nbmod
    import ldi_helpers.run.warm as warm

    def boom(*a, **k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(nbmod, "execute_notebook", boom)
    monkeypatch.setattr(warm.WarmPool, "execute", boom)
    out = tmp_path / "site"
    with pytest.raises(RuntimeError, match="disk full"):
        run_jobs([Job("data_overview", "x", {})], out, 1, progress=False, executor=executor)
    assert list(out.iterdir()) == [], "a failed run must leave nothing behind"


def test_index_page_escapes_markup(tmp_path):
    manifest = {"run_id": "r<1>", "git_commit": "abc", "jobs": [
        {"notebook": "50_regional_report.ipynb", "output": "report_<x>", "kind": "report",
         "parameters": {"area": "North East"}, "ok": False, "failed_cell": 2,
         "error": "KeyError: '<script>alert(1)</script>'", "html": None}]}
    page = write_index_page(tmp_path / "index.html", manifest).read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "r&lt;1&gt;" in page
