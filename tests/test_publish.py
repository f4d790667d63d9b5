"""Issue 14: nothing lost, nothing injected. Publishing, locking, output-folder checks, signals.

The runs here use tiny notebooks (``fake_notebooks`` in conftest.py) so that they take seconds;
the signal test runs the real ``ldi report`` and stops it once its kernel is running.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import psutil
import pytest

from ldi_helpers.run.cli import main
from ldi_helpers.errors import LDIError
from ldi_helpers.data.load import REPO_ROOT
from ldi_helpers.run.runner import (LOCK_NAME, Job, OutputLock, clean_stale_staging, plan_jobs,
                                resolve_areas, run_jobs)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href"]


def _links(page: Path) -> list[str]:
    p = _Links()
    p.feed(page.read_text(encoding="utf-8"))
    return p.hrefs


def _report(area: str, nb: str = "fakereport") -> Job:
    return Job(nb, f"report_{area.lower()}", {"area": area}, "report", area)


# Case 1: a second run into a folder keeps what the first published.
def test_second_run_keeps_earlier_outputs_and_lists_them(fake_notebooks, tmp_path):
    fake_notebooks("fakereport")
    out = tmp_path / "site"
    run_jobs([_report("Wales"), _report("Scotland")], out, 2, progress=False)
    first = json.loads((out / "manifest.json").read_text())["run_id"]
    (out / "notes.txt").write_text("mine")  # a file no run wrote
    run_jobs([_report("London")], out, 1, progress=False)
    for stem in ("report_wales", "report_scotland", "report_london"):
        assert (out / "reports" / f"{stem}.html").is_file(), stem
        assert (out / "notebooks" / f"{stem}.ipynb").is_file(), stem
    assert (out / "notes.txt").read_text() == "mine"
    man = json.loads((out / "manifest.json").read_text())
    by = {j["output"]: j for j in man["jobs"]}
    assert set(by) == {"report_wales", "report_scotland", "report_london"}
    assert by["report_wales"]["run_id"] == first == by["report_scotland"]["run_id"]
    assert by["report_london"]["run_id"] == man["run_id"] != first
    assert set(man["runs"]) == {first, man["run_id"]}
    links = _links(out / "index.html")
    assert {"reports/report_wales.html", "reports/report_scotland.html",
            "reports/report_london.html"} <= set(links)
    assert f"(run {first})" in (out / "index.html").read_text()


def test_concurrent_runs_into_one_folder_lose_nothing(fake_notebooks, tmp_path):
    fake_notebooks("fakereport")
    out = tmp_path / "site"
    errors = []

    def go(area):
        try:
            run_jobs([_report(area)], out, 1, progress=False)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=go, args=(a,)) for a in ("Wales", "London")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert (out / "reports" / "report_wales.html").is_file()
    assert (out / "reports" / "report_london.html").is_file()
    man = json.loads((out / "manifest.json").read_text())
    assert {j["output"] for j in man["jobs"]} == {"report_wales", "report_london"}
    assert not list(out.glob(".staging-*"))


def test_lock_makes_a_second_run_wait_and_says_so(tmp_path, capfd):
    first = OutputLock(tmp_path).__enter__()
    assert (tmp_path / LOCK_NAME).read_text().strip() == str(os.getpid())
    got = threading.Event()

    def second():
        with OutputLock(tmp_path):
            got.set()
    t = threading.Thread(target=second)
    t.start()
    for _ in range(200):  # until the waiting message is out (not a timing assert)
        if "waiting for it to finish" in capfd.readouterr().err:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the second lock did not say it was waiting")
    assert not got.is_set(), "the second run must wait for the first"
    first.release()
    t.join()
    assert got.is_set()


def test_duplicate_areas_collapse_to_one_job():
    regions = resolve_areas(["tlc", "North East", "E12000001"], False)
    assert [r.name for r in regions] == ["North East"]
    jobs = plan_jobs({}, regions, include_analysis=False)
    assert [j.stem for j in jobs] == ["report_north-east"]


def test_run_jobs_runs_a_repeated_job_once(fake_notebooks, tmp_path):
    fake_notebooks("fakereport")
    results, _ = run_jobs([_report("Wales"), _report("Wales")], tmp_path / "o", 2,
                          progress=False)
    assert len(results) == 1


# Case 4: output-folder problems are one line and exit 2, before any work; failed publishing
# puts everything back.
def test_output_dir_is_a_file(capsys, tmp_path):
    target = tmp_path / "out.html"
    target.write_text("x")
    code = main(["report", "--area", "Wales", "--output-dir", str(target), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "is a file, not a folder" in err and "--output-dir" in err
    assert target.read_text() == "x"


def test_output_dir_inside_a_file(capsys, tmp_path):
    (tmp_path / "f").write_text("x")
    code = main(["report", "--area", "Wales", "--output-dir", str(tmp_path / "f" / "out"),
                 "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "cannot be created" in err
    assert "is a file" in err and "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_output_dir_not_writable(capsys, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    code = main(["report", "--area", "Wales", "--output-dir", str(ro), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "not writable" in err


def test_failed_publish_restores_the_previous_outputs(fake_notebooks, tmp_path, monkeypatch):
    fake_notebooks("fakereport")
    out = tmp_path / "site"
    run_jobs([_report("Wales")], out, 1, progress=False)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*")
              if p.is_file() and p.name != LOCK_NAME}
    real = os.replace

    def failing(src, dst, *a, **k):
        if Path(dst) == out / "index.html" and ".replaced" not in str(src):
            raise OSError(28, "No space left on device")
        return real(src, dst, *a, **k)
    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError, match="No space left"):
        run_jobs([_report("Wales"), _report("London")], out, 2, progress=False)
    monkeypatch.setattr(os, "replace", real)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*")
             if p.is_file() and p.name != LOCK_NAME}
    assert after == before, "a failed publish must leave the folder exactly as it was"


# Case 6: stale staging from a crashed run is recognised by its dead PID.
def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_staging_of_a_dead_run_is_removed(tmp_path):
    dead = tmp_path / ".staging-deadbeef"
    (dead / "notebooks").mkdir(parents=True)
    (dead / ".pid").write_text(f"{_dead_pid()}\n")
    alive = tmp_path / ".staging-alive"
    alive.mkdir()
    (alive / ".pid").write_text(f"{os.getppid()}\n")
    removed = clean_stale_staging(tmp_path)
    assert removed == [dead] and not dead.exists() and alive.exists()


def test_a_run_cleans_staging_left_by_a_crashed_run(fake_notebooks, tmp_path):
    fake_notebooks("fakereport")
    out = tmp_path / "site"
    crashed = out / ".staging-crashed1"
    crashed.mkdir(parents=True)
    (crashed / ".pid").write_text(f"{_dead_pid()}\n")
    run_jobs([_report("Wales")], out, 1, progress=False)
    assert not list(out.glob(".staging-*"))


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_stop_signal_ends_kernels_and_removes_staging(tmp_path, sig):
    out = tmp_path / "site"
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ldi_helpers.run.cli", "report", "--area", "Wales",
         "--output-dir", str(out), "--quiet"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    seen: dict[int, psutil.Process] = {}
    kernel = False
    for _ in range(1200):  # wait until the notebook's kernel is running (or give up)
        for p in _descendants(proc.pid):
            seen[p.pid] = p
            try:
                kernel = kernel or "ipykernel" in " ".join(p.cmdline())
            except psutil.Error:
                pass
        if kernel or proc.poll() is not None:
            break
        time.sleep(0.1)
    assert kernel, "the report's kernel never started"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig
    assert f"stopped by {signal.Signals(sig).name}" in err and "Traceback" not in err
    gone, alive = psutil.wait_procs(list(seen.values()), timeout=30)
    assert not alive, f"left running: {[p.pid for p in alive]}"
    assert not list(out.glob(".staging-*")), "staging must be removed"
    assert not (out / "reports").exists() and not (out / "index.html").exists()


def test_reader_pages_match_nbconvert_without_its_reparse(tmp_path):
    """render_html skips nbconvert's BeautifulSoup pass (a third of the run's own CPU time) but
    gives the same page: same text, same images, nbconvert's default alt text on an image
    without one (so the reader checks still catch it), only the outputs' tabindex missing."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from ldi_helpers.run import notebooks as nbm

    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title\n\nSome *text* & more"),
                nbformat.v4.new_code_cell("x", outputs=[
                    nbformat.v4.new_output("display_data", data={"image/png": png}),
                    nbformat.v4.new_output("display_data", data={
                        "text/html": f"<img src='data:image/png;base64,{png}' alt='A chart'>"}),
                    nbformat.v4.new_output("display_data", data={
                        "text/html": f"<p><img src='data:image/png;base64,{png}'></p>"}),
                    nbformat.v4.new_output("stream", name="stdout", text="printed <b>x</b>")])]
    src = tmp_path / "n.ipynb"
    nbformat.write(nb, src)
    ours = nbm.render_html(src, tmp_path / "ours.html", title="T")
    ex = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                      template_name="ldi_reader", extra_template_basedirs=[str(nbm.TEMPLATE_DIR)])
    theirs_nb = nbformat.read(src, as_version=4)
    # the same preparation as render_html, then nbconvert's own exporter
    nbm._EXPORTERS.html, saved = ex, getattr(nbm._EXPORTERS, "html", None)
    try:
        theirs = nbm.render_html(src, tmp_path / "theirs.html", title="T")
    finally:
        nbm._EXPORTERS.html = saved
    a = BeautifulSoup(ours.read_text(), "html.parser")
    b = BeautifulSoup(theirs.read_text(), "html.parser")
    assert theirs_nb.cells and a.get_text() == b.get_text()
    alts = [i.get("alt") for i in a.find_all("img")]
    assert alts == [i.get("alt") for i in b.find_all("img")]
    assert alts[1:] == ["A chart", "No description has been provided for this image"]
    assert alts[0]      # the template's own text for a chart output without one
    for t in b.find_all(attrs={"tabindex": True}):
        del t["tabindex"]
    assert str(a) == str(b)
