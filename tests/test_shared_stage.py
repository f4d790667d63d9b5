"""Issue 12: shared work once per run (the rank uncertainty every briefing reads).

The run computes it once, before its reports start, into the run's cache; the reports (warm
kernels, one process each) only read it; the numbers are the same with and without the cache.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from ldi_helpers.analysis import shared
from ldi_helpers.method.spec import default_spec

@pytest.fixture(scope="module")
def data():
    from ldi_helpers.data.load import load_data

    return load_data()


SENS = {"factors": "all", "weight_spread": 0.25, "bootstrap": 8, "convergence_steps": 2}


def _same_entry(a: dict, b: dict) -> None:
    pd.testing.assert_frame_equal(a["intervals"], b["intervals"])
    assert a["intervals"].attrs == b["intervals"].attrs
    assert np.array_equal(a["ranks"], b["ranks"])
    assert a["units"] == b["units"] and a["labels"] == b["labels"]
    assert a["sobol_runs"] == b["sobol_runs"]
    cols = ["output", "unit", "factor", "S1", "ST", "variance"]
    pd.testing.assert_frame_equal(a["sobol"][cols], b["sobol"][cols])


def test_briefing_numbers_are_the_same_from_the_shared_computation(data, tmp_path):
    spec = default_spec()
    alone, page = shared.compute(data, spec, 64, 16, 7)
    assert page is None
    with_page, page = shared.compute(data, spec, 64, 16, 7, sensitivity=SENS)
    _same_entry(alone, with_page)
    mc, sob = page
    # the page's own numbers: scores too, bootstrap intervals and convergence
    assert set(sob.indices["output"]) == {"rank", "score"}
    assert sob.indices["ST_conf"].notna().any() and sob.convergence is not None
    assert mc.ranks.shape == (64, len(mc.units))
    # read back from a cache: the same
    path = shared.report_path(tmp_path, data, spec, 64, 16, 7)
    shared._write(path, with_page)
    _same_entry(shared.report_uncertainty(data, spec, 64, 16, 7, cache_dir=tmp_path,
                                          cached_only=True), alone)


def test_sensitivity_results_are_the_pages_own_computation(data, tmp_path):
    from ldi_helpers.analysis.factors import default_factors
    from ldi_helpers.analysis.sensitivity import get_sobol_indices, summarise_convergence
    from ldi_helpers.analysis.uncertainty import make_batch_model, run_monte_carlo

    spec = default_spec()
    factors = default_factors(data, spec)
    model = make_batch_model(data, factors, spec)
    units = list(model.areas)
    mc = run_monte_carlo(model, factors, 64, 7, units)
    sob = get_sobol_indices(model, factors, 16, 7, units=units, num_resamples=8,
                            convergence_steps=2)
    got_mc, got_sob = shared.sensitivity_results(data, spec, 64, 16, 7, "all", 0.25, 8, 2,
                                                 cache_dir=tmp_path)
    assert np.array_equal(got_mc.ranks, mc.ranks) and got_mc.units == mc.units
    pd.testing.assert_frame_equal(got_sob.indices, sob.indices)
    # the convergence check reads S1 and ST only (no bootstrap there): the same verdict
    cols = ["n", "output", "unit", "factor", "S1", "ST", "variance"]
    pd.testing.assert_frame_equal(got_sob.convergence[cols], sob.convergence[cols])
    pd.testing.assert_frame_equal(summarise_convergence(got_sob.convergence),
                                  summarise_convergence(sob.convergence))
    assert len(list(tmp_path.glob("sensitivity-*.pkl"))) == 1


def test_shared_stage_computes_once_for_both_readers(data, tmp_path, monkeypatch):
    count = tmp_path / "count.txt"
    monkeypatch.setenv(shared.COUNT_ENV, str(count))
    reports = [{"spec": {}, "n_samples": 64, "sobol_n": 16, "seed": 7}] * 3
    sens = dict(reports[0], **SENS)
    stage = shared.SharedStage(data, tmp_path / "cache", reports, sens).start()
    assert stage.wait(300) and stage.error is None
    assert count.read_text().split()[1:] == ["report+sensitivity", "stage"]
    assert len(list((tmp_path / "cache").glob("uncertainty-*.pkl"))) == 1
    assert len(list((tmp_path / "cache").glob("sensitivity-*.pkl"))) == 1
    # the readers only read: nothing more is computed
    shared.report_uncertainty(data, default_spec(), 64, 16, 7, cache_dir=tmp_path / "cache")
    shared.sensitivity_results(data, default_spec(), 64, 16, 7, "all", 0.25, 8, 2,
                               cache_dir=tmp_path / "cache")
    assert len(count.read_text().splitlines()) == 1


@pytest.mark.parametrize("executor", ["warm", "process"])
def test_a_run_computes_the_shared_stage_once_and_reports_only_read_it(
        data, tmp_path, monkeypatch, executor):
    from ldi_helpers.report.briefing import build_briefing
    from ldi_helpers.run.runner import Job, run_jobs

    count = tmp_path / "count.txt"
    monkeypatch.setenv(shared.COUNT_ENV, str(count))   # inherited by the kernels
    monkeypatch.delenv("LDI_CACHE_DIR", raising=False)
    areas = ["North East", "Wales", "London"] if executor == "warm" else ["North East", "Wales"]
    params = {"n_samples": 64, "sobol_n": 16, "seed": 7}
    jobs = [Job("regional_report", f"report_{a}", {"area": a, **params}, "report", a)
            for a in areas]
    results, manifest = run_jobs(jobs, tmp_path / "out", 2, progress=False, executor=executor)
    assert all(r.ok for r in results), [r.error for r in results]
    lines = count.read_text().splitlines()
    assert len(lines) == 1, lines                      # once per run ...
    assert lines[0].split()[2] == "stage"              # ... by the run's stage, not a report
    man = json.loads(manifest.read_text())
    assert man["shared_stage"]["error"] is None
    # the same numbers as a briefing computed alone, without any cache
    for job in man["jobs"]:
        b = build_briefing(data, job["parameters"]["area"], n_samples=64, sobol_n=16, seed=7)
        assert job["rank_interval"]["rank_lo"] == b.rank_interval["lo"]
        assert job["rank_interval"]["rank_hi"] == b.rank_interval["hi"]
        html = (tmp_path / "out" / job["html"]).read_text(encoding="utf-8")
        assert b.interval_phrase() in html


def test_the_store_keeps_shared_results_across_runs(data, tmp_path, monkeypatch):
    count = tmp_path / "count.txt"
    monkeypatch.setenv(shared.COUNT_ENV, str(count))
    monkeypatch.setenv(shared.STORE_ENV, str(tmp_path / "store"))
    reports = [{"spec": {}, "n_samples": 32, "sobol_n": 8, "seed": 3}]
    first = shared.SharedStage(data, tmp_path / "run1", reports).start()
    assert first.wait(300) and first.error is None and first.reused == 0
    second = shared.SharedStage(data, tmp_path / "run2", reports).start()
    assert second.wait(300) and second.error is None and second.reused == 1
    assert len(count.read_text().splitlines()) == 1   # the second run only read it
    a = shared.report_uncertainty(data, default_spec(), 32, 8, 3, cache_dir=tmp_path / "run1")
    b = shared.report_uncertainty(data, default_spec(), 32, 8, 3, cache_dir=tmp_path / "run2")
    _same_entry(a, b)
    # other code is another entry: nothing stale is read
    monkeypatch.setattr(shared, "_CODE_HASH", ["0" * 64])
    third = shared.SharedStage(data, tmp_path / "run3", reports).start()
    assert third.wait(300) and third.reused == 0
    assert len(count.read_text().splitlines()) == 2
    monkeypatch.setenv(shared.STORE_ENV, "off")
    assert shared.store_dir() is None


def test_a_dask_worker_elsewhere_reads_the_shared_results_it_is_sent(data, tmp_path, monkeypatch):
    """A worker on another machine (the run's cache folder does not exist there) gets the
    shared results with the task and only reads them."""
    import nbformat

    from ldi_helpers.report.briefing import build_briefing
    from ldi_helpers.run import distributed
    from ldi_helpers.run.notebooks import NOTEBOOKS

    count = tmp_path / "count.txt"
    monkeypatch.setenv(shared.COUNT_ENV, str(count))
    cache = tmp_path / "here" / "cache"
    stage = shared.SharedStage(data, cache, [{"spec": {}, "n_samples": 64, "sobol_n": 16,
                                              "seed": 7}]).start()
    assert stage.wait(300) and stage.error is None
    files = {p.name: p.read_bytes() for p in cache.glob("*.pkl")}
    src = NOTEBOOKS["regional_report"].path
    env = {"LDI_CACHE_DIR": str(tmp_path / "elsewhere" / "cache"),
           "LDI_DATA_DIR": str(data.data_dir)}
    try:
        out = distributed.run_on_worker(str(src), src.read_text(encoding="utf-8"),
                                        {"area": "Wales", "n_samples": 64, "sobol_n": 16,
                                         "seed": 7}, env, 600, shared_files=files)
    finally:
        if distributed._WORKER_POOL is not None:
            distributed._WORKER_POOL.close()
            distributed._WORKER_POOL = None
    assert out["result"]["ok"], out["result"]["error"]
    assert len(count.read_text().splitlines()) == 1      # the stage's; the worker only read
    nb = nbformat.reads(out["notebook"].decode(), as_version=4)
    b = build_briefing(data, "Wales", n_samples=64, sobol_n=16, seed=7)
    assert b.interval_phrase() in nbformat.writes(nb)


def test_the_stage_in_its_own_process_writes_the_same_entries_as_in_a_thread(data, tmp_path):
    reports = [{"spec": {}, "n_samples": 64, "sobol_n": 16, "seed": 7}]
    sens = dict(reports[0], **SENS)
    got = {}
    for mode in ("thread", "process"):
        stage = shared.SharedStage(data, tmp_path / mode, reports, sens, mode=mode).start()
        assert stage.wait(300) and stage.error is None, stage.error
        assert stage.mode == mode and stage.seconds > 0
        got[mode] = {p.name: p for p in (tmp_path / mode).glob("*.pkl")}
    assert sorted(got["thread"]) == sorted(got["process"]) and len(got["thread"]) == 2
    name = next(n for n in got["thread"] if n.startswith("uncertainty-"))
    _same_entry(shared._read(got["thread"][name]), shared._read(got["process"][name]))


def test_a_stage_process_that_dies_is_reported_and_the_run_can_go_on(data, tmp_path):
    import signal
    import time

    reports = [{"spec": {}, "n_samples": 4096, "sobol_n": 4096, "seed": 7}]
    stage = shared.SharedStage(data, tmp_path / "c", reports, mode="process").start()
    time.sleep(0.3)
    os.kill(stage._proc.pid, signal.SIGKILL)
    assert stage.wait(60)
    assert "exit code -9" in stage.error and "themselves" in stage.error
    assert not list((tmp_path / "c").glob("uncertainty-*.pkl"))  # nothing half-written read
    assert stage.markers and not list((tmp_path / "c").glob("*.pending"))  # readers stop waiting
    # stop() on a stage that is over does nothing; on a running one it ends it
    stage.stop()
    running = shared.SharedStage(data, tmp_path / "d", reports, mode="process").start()
    running.stop()
    assert running.wait(60) and not running._proc.is_alive() and running.error


def test_auto_mode_uses_a_thread_when_other_threads_run(data, tmp_path):
    import threading

    gate = threading.Event()
    other = threading.Thread(target=gate.wait, daemon=True)
    other.start()
    try:
        assert not shared._may_fork()
        stage = shared.SharedStage(data, tmp_path, [{"spec": {}, "n_samples": 16, "sobol_n": 0,
                                                     "seed": 1}]).start()
        assert stage.mode == "thread" and stage.wait(300) and stage.error is None
    finally:
        gate.set()
    with pytest.raises(Exception, match="'auto', 'process' or 'thread'"):
        shared.SharedStage(data, tmp_path, [], mode="fork")


def test_a_forked_child_does_not_hold_the_output_lock(tmp_path):
    import multiprocessing as mp

    from ldi_helpers.run.runner import OutputLock

    def probe(fd, conn):
        # the number may be reused in the child (multiprocessing opens /dev/null as stdin):
        # ask which file it names
        try:
            conn.send(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            conn.send("closed")

    with OutputLock(tmp_path) as lock:
        ctx = mp.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        p = ctx.Process(target=probe, args=(lock.fd, send))
        p.start()
        p.join(30)
        assert recv.recv() != str(lock.path.resolve())
        assert os.readlink(f"/proc/self/fd/{lock.fd}") == str(lock.path.resolve())  # here: held


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_the_stage_marks_the_entries_it_is_computing_until_it_ends(data, tmp_path, mode):
    reports = [{"spec": {}, "n_samples": 256, "sobol_n": 64, "seed": 7}]
    stage = shared.SharedStage(data, tmp_path, reports, mode=mode)
    path = shared.report_path(tmp_path, data, default_spec(), 256, 64, 7)
    stage.start()
    assert stage.markers == [shared.pending_marker(path)]
    assert shared.wait_for_entry(path)        # a reader that arrives now waits, then reads
    assert stage.wait(300) and stage.error is None
    assert path.is_file() and not shared.pending_marker(path).exists()


def test_a_reader_waits_for_an_entry_being_computed_instead_of_computing_it(data, tmp_path,
                                                                             monkeypatch):
    import threading
    import time

    spec = default_spec()
    entry, _ = shared.compute(data, spec, 64, 16, 7)
    path = shared.report_path(tmp_path, data, spec, 64, 16, 7)
    marker = shared.pending_marker(path)
    marker.write_text("1\n")

    def stage_finishes():
        time.sleep(0.5)
        shared._write(path, entry)
        marker.unlink()

    threading.Thread(target=stage_finishes).start()
    monkeypatch.setattr(shared, "compute", lambda *a, **k: pytest.fail("the reader computed"))
    t0 = time.monotonic()
    got = shared.report_uncertainty(data, spec, 64, 16, 7, cache_dir=tmp_path)
    assert time.monotonic() - t0 >= 0.4
    _same_entry(got, entry)


def test_a_reader_stops_waiting_when_the_stage_ends_without_the_entry_or_takes_too_long(
        tmp_path):
    import threading
    import time

    path = tmp_path / "uncertainty-x.pkl"
    marker = shared.pending_marker(path)
    assert not shared.wait_for_entry(path)            # no marker: no wait
    marker.write_text("1\n")
    threading.Timer(0.3, marker.unlink).start()       # the stage failed: marker gone, no entry
    t0 = time.monotonic()
    assert not shared.wait_for_entry(path, limit=30)
    assert 0.25 <= time.monotonic() - t0 < 10
    marker.write_text("1\n")                          # a stage that never ends: the limit
    t0 = time.monotonic()
    assert not shared.wait_for_entry(path, limit=0.3)
    assert 0.25 <= time.monotonic() - t0 < 10


def test_the_first_briefing_starts_while_the_stage_runs_and_waits_inside(data, tmp_path,
                                                                         monkeypatch):
    """`ldi run` starts the first briefing before a slow stage ends; the briefing waits for the
    stage's entry inside its notebook (its execution time includes the wait) and reads it (the
    stage computed once); the next briefing waits outside for the stage to end."""
    import time

    from ldi_helpers.run.runner import Job, run_jobs

    delay = 8.0
    compute = shared.compute

    def slow(*a, **k):
        time.sleep(delay)
        return compute(*a, **k)

    monkeypatch.setattr(shared, "compute", slow)       # the stage (thread or forked) is slow
    count = tmp_path / "count.txt"
    monkeypatch.setenv(shared.COUNT_ENV, str(count))
    params = {"n_samples": 64, "sobol_n": 16, "seed": 7}
    jobs = [Job("regional_report", f"report_{a}", {"area": a, **params}, "report", a)
            for a in ("North East", "Wales")]
    results, manifest = run_jobs(jobs, tmp_path / "out", 1, progress=False)
    assert all(r.ok for r in results), [r.error for r in results]
    lines = count.read_text().splitlines()
    assert len(lines) == 1 and lines[0].split()[2] == "stage", lines
    seconds = sorted(r.seconds for r in results)
    assert seconds[-1] >= 0.75 * delay, seconds   # the early briefing waited for the stage
