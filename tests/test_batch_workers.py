"""Parallel batch evaluation: identical results with 1 or 2 worker processes; worker errors."""
import sys

import numpy as np
import pytest

from ldi_helpers import load_data
from ldi_helpers.method import batch, workers
from ldi_helpers.method.batch import CHOICE_TABLES, chunk_bounds, evaluate_batch, prepare_batch
from ldi_helpers.method.workers import WorkerError, run_chunks, shared_array

LAD = "data/editions/lad"
forking = pytest.mark.skipif(not sys.platform.startswith("linux"),
                             reason="worker processes are forked on Linux only")


@pytest.fixture(scope="module")
def lad_prepared():
    return prepare_batch(load_data(LAD))


def _inputs(prepared, n, seed):
    rng = np.random.default_rng(seed)
    n_a, n_i, n_c = prepared.shape
    choices = {k: rng.integers(0, len(t), n) for k, t in CHOICE_TABLES.items()}
    choices["composite_aggregation"][::3] = CHOICE_TABLES["composite_aggregation"].index(
        "copeland")
    return choices, rng.uniform(0.75, 1.25, (n, n_c)), rng.uniform(0.75, 1.25, (n, n_i))


def test_chunks_do_not_depend_on_workers_and_cover_the_job():
    b = chunk_bounds(25_000, 360, 6657)
    assert len(b) % batch.CHUNK_MULTIPLE == 0 and b[0][0] == 0 and b[-1][1] == 25_000
    assert all(s1 == e0 for (_, e0), (s1, _) in zip(b[:-1], b[1:]))
    assert max(e - s for s, e in b) - min(e - s for s, e in b) <= 1
    assert chunk_bounds(100, 12, 37, fixed=True) == [(0, 37), (37, 74), (74, 100)]
    assert chunk_bounds(100, 12, 6657) == [(0, 100)]          # small job: one chunk


@forking
def test_two_workers_give_the_same_bits_as_one(lad_prepared, monkeypatch):
    monkeypatch.setenv("LDI_WORKERS", "2")
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(batch, "PARALLEL_MIN_CELLS", 1000)
    used = []
    real = workers.run_chunks

    def spy(fn, n_chunks, n_workers):
        used.append(min(n_workers, n_chunks))
        return real(fn, n_chunks, n_workers)

    monkeypatch.setattr(workers, "run_chunks", spy)
    choices, wc, wi = _inputs(lad_prepared, 900, seed=5)
    serial = evaluate_batch(lad_prepared, choices, wc, wi, workers=1)
    parallel = evaluate_batch(lad_prepared, choices, wc, wi, workers=2)
    auto = evaluate_batch(lad_prepared, choices, wc, wi)            # workers from the CPUs
    assert used == [1, 2, 2]
    assert len(chunk_bounds(900, 360, batch.auto_chunk_size(360, 7))) == batch.CHUNK_MULTIPLE
    for res in (parallel, auto):
        np.testing.assert_array_equal(res.ranks, serial.ranks)
        np.testing.assert_array_equal(res.scores, serial.scores)
        np.testing.assert_array_equal(res.component_scores, serial.component_scores)
    lean = evaluate_batch(lad_prepared, choices, wc, wi, workers=2, component_scores=False)
    assert lean.component_scores is None
    np.testing.assert_array_equal(lean.ranks, serial.ranks)


def test_ldi_workers_caps_the_workers(monkeypatch):
    monkeypatch.setenv("LDI_WORKERS", "1")
    assert workers.available_workers() == 1
    monkeypatch.setenv("LDI_WORKERS", "two")
    with pytest.raises(WorkerError, match="whole number"):
        workers.available_workers()


@forking
def test_run_chunks_writes_shared_results_and_reports_worker_errors(monkeypatch):
    monkeypatch.setenv("LDI_WORKERS", "2")
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: {0, 1})
    out = shared_array((6,))

    def fill(i):
        out[i] = 10 + i

    run_chunks(fill, 6, 2)
    np.testing.assert_array_equal(out, 10 + np.arange(6))

    def fail_in_worker(i):
        if i % 2 == 1:
            raise ValueError(f"bad chunk {i}")

    with pytest.raises(WorkerError, match="bad chunk 1"):
        run_chunks(fail_in_worker, 4, 2)

    def fail_here(i):
        if i == 0:
            raise KeyError("parent chunk")

    with pytest.raises(KeyError, match="parent chunk"):
        run_chunks(fail_here, 4, 2)


@pytest.mark.parametrize("shared, n_workers", [(False, 1), (False, 2), (True, 2)])
def test_out_rows_place_each_sample_in_its_row(lad_prepared, monkeypatch, shared, n_workers):
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setenv("LDI_WORKERS", "2")
    monkeypatch.setattr(batch, "PARALLEL_MIN_CELLS", 1000)
    choices, wc, wi = _inputs(lad_prepared, 300, seed=8)
    ref = evaluate_batch(lad_prepared, choices, wc, wi, workers=1)
    rows = np.random.default_rng(1).permutation(400)[:300]
    alloc = shared_array if shared else np.zeros
    out = (alloc((400, 360)), alloc((400, 360)))
    res = evaluate_batch(lad_prepared, choices, wc, wi, workers=n_workers, out=out, rows=rows,
                         component_scores=False)
    assert res.scores is out[0] and res.ranks is out[1]
    np.testing.assert_array_equal(out[0][rows], ref.scores)
    np.testing.assert_array_equal(out[1][rows], ref.ranks)
    untouched = np.setdiff1d(np.arange(400), rows)
    assert (out[0][untouched] == 0).all()
    with pytest.raises(batch.BatchError, match="rows"):
        evaluate_batch(lad_prepared, choices, wc, wi, out=out, rows=rows[:5])


def test_daemonic_processes_do_not_fork(monkeypatch):
    import multiprocessing as mp

    monkeypatch.delenv("LDI_WORKERS", raising=False)
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(mp.current_process(), "_config",
                        {**mp.current_process()._config, "daemon": True})
    assert workers.available_workers() == 1


def test_secondary_threads_do_not_fork(monkeypatch):
    """ldi run computes its shared results in a background thread while other threads render
    pages; forking there could copy a held lock into the child, so it stays in one process."""
    import threading

    monkeypatch.delenv("LDI_WORKERS", raising=False)
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: {0, 1})
    seen = []
    t = threading.Thread(target=lambda: seen.append(workers.available_workers()))
    t.start()
    t.join()
    assert seen == [1]
    assert workers.available_workers() == 2      # the main thread may fork
