"""Known-answer tests of the Sobol' wrapper (run through ldi_helpers.analysis.sensitivity, not SALib alone)."""
import numpy as np
import pandas as pd
import pytest

from ldi_helpers.errors import LDIError
from ldi_helpers.analysis.factors import FactorSet, UniformFactor, choice
from ldi_helpers.analysis.sensitivity import (
    get_assumptions_table, get_sobol_indices, ishigami, rate_impact, sobol_design,
    summarise_convergence,
)

ISHIGAMI = FactorSet(tuple(UniformFactor(f"x{i}", f"x{i}", "Ishigami input", -np.pi, np.pi) for i in (1, 2, 3)))


def _ishigami_model(s):
    return {"y": ishigami(s["x1"], s["x2"], s["x3"])}


def test_ishigami_analytic_indices():
    res = get_sobol_indices(_ishigami_model, ISHIGAMI, n=2048, seed=11, num_resamples=50)
    d = res.indices.set_index("factor")
    # analytic values (a=7, b=0.1): Saltelli et al. (2008), Global Sensitivity Analysis, p. 179
    assert np.allclose(d["S1"], [0.3139, 0.4424, 0.0], atol=0.03)
    assert np.allclose(d["ST"], [0.5576, 0.4424, 0.2437], atol=0.03)
    assert res.n_runs == 2048 * 5


def test_identical_alternatives_get_zero_and_deciding_factor_gets_one():
    # Three 'regions'. Factor 'same' switches between two identical methods; factor 'decide' alone
    # decides region B's rank; 'noise' moves only region C's score (not its rank).
    fs = FactorSet((
        choice("same", "identical alternatives", "d", ["m1", "m2"], "m1"),
        choice("decide", "decisive", "d", ["low", "high"], "low"),
        UniformFactor("noise", "noise", "d"),
    ))

    def model(s):
        n = len(s["same"])
        score = np.empty((n, 3))
        score[:, 0] = 10.0
        score[:, 1] = np.where(s["decide"] == 1, 20.0, 5.0)
        score[:, 2] = 1.0 + s["noise"]  # in [1, 2): always last
        ranks = (-score).argsort(axis=1).argsort(axis=1) + 1.0
        return {"rank": ranks, "score": score}

    res = get_sobol_indices(model, fs, n=256, seed=3, units=["A", "B", "C"], num_resamples=20)
    st = res.wide("rank", "ST")
    assert np.allclose(st.loc[["A", "B"], "same"], 0.0, atol=1e-12)
    assert st.loc["B", "decide"] == pytest.approx(1.0, abs=0.05)
    assert st.loc["A", "decide"] == pytest.approx(1.0, abs=0.05)
    # region C's rank never changes: no variance, indices missing, not invented
    assert st.loc["C"].isna().all()
    sc = res.wide("score", "ST")
    assert sc.loc["C", "noise"] == pytest.approx(1.0, abs=0.05)
    assert sc.loc["C", ["same", "decide"]].abs().max() < 1e-12

    table = get_assumptions_table(res.indices, fs)
    assert table["factor"].tolist()[0] == "decide"
    assert table.set_index("factor").loc["decide", "rag"] == "red"
    assert table.set_index("factor").loc["same", "impact"] == "low"
    assert table.set_index("factor").loc["noise", "impact"] == "low"


def test_same_seed_same_numbers_and_nested_designs():
    a = get_sobol_indices(_ishigami_model, ISHIGAMI, n=256, seed=5, num_resamples=20).indices
    b = get_sobol_indices(_ishigami_model, ISHIGAMI, n=256, seed=5, num_resamples=20).indices
    c = get_sobol_indices(_ishigami_model, ISHIGAMI, n=256, seed=6, num_resamples=20).indices
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["S1"], c["S1"])
    d1, d2 = sobol_design(ISHIGAMI, 128, 9), sobol_design(ISHIGAMI, 256, 9)
    assert np.array_equal(d1, d2[: 128 * 5])


def test_convergence_summary_shrinks_and_flags_stability():
    res = get_sobol_indices(_ishigami_model, ISHIGAMI, n=4096, seed=2, num_resamples=10,
                            convergence_steps=3)
    assert sorted(res.convergence["n"].unique()) == [512, 1024, 2048, 4096]
    s = summarise_convergence(res.convergence, tol=0.05)
    assert len(s) == 3 and bool(s["stable"].iloc[-1])
    assert s["units_left_out"].tolist() == [0, 0, 0]
    # the full-N row of the convergence table equals the main result
    full = res.convergence[res.convergence["n"] == 4096].drop(columns="n").reset_index(drop=True)
    pd.testing.assert_frame_equal(full, res.indices)


def test_sample_size_must_be_power_of_two():
    with pytest.raises(LDIError, match="power of two"):
        get_sobol_indices(_ishigami_model, ISHIGAMI, n=1000, seed=1)


def test_rate_impact_thresholds():
    assert [rate_impact(x) for x in (0.0, 0.099, 0.1, 0.29, 0.3, 1.0)] == [
        "low", "low", "medium", "medium", "high", "high"]
    assert rate_impact(float("nan")) == "n/a"
    with pytest.raises(LDIError, match="medium < high"):
        rate_impact(0.5, {"high": 0.1, "medium": 0.2})


def test_vectorised_design_and_analysis_equal_salib():
    from SALib.analyze import sobol as salib_sobol

    from ldi_helpers.analysis.factors import WeightsFactor
    from ldi_helpers.analysis.sensitivity import _salib_seed, analyse_sobol, salib_design

    fs = FactorSet((
        choice("m", "method", "d", ["a", "b", "c"], "a"),
        WeightsFactor("w", "weights", "d", entries=("p", "q", "r"), base=(1, 1, 1), spread=0.5),
        UniformFactor("x", "x", "d"),
    ))
    design = sobol_design(fs, 64, seed=8)
    assert np.array_equal(design, salib_design(fs, 64, seed=8))
    s = fs.decode(design)
    y = np.stack([s["m"] * 1.0 + s["w"][:, 0] * s["x"], s["w"][:, 1] - s["x"] ** 2], axis=1)
    ours = analyse_sobol(fs, {"y": y}, units=["u0", "u1"], seed=4, num_resamples=30)
    for j, unit in enumerate(["u0", "u1"]):
        ref = salib_sobol.analyze(fs.problem(), y[:, j], calc_second_order=False,
                                  num_resamples=30, seed=_salib_seed(4))
        d = ours[ours["unit"] == unit]
        for key in ("S1", "S1_conf", "ST", "ST_conf"):
            assert np.allclose(d[key].to_numpy(), ref[key], rtol=1e-10, atol=1e-12), key


def test_assumptions_table_weighted_share_and_sentences():
    from ldi_helpers.analysis.sensitivity import describe_assumptions

    idx = pd.DataFrame({
        "output": "rank", "unit": ["A", "A", "B", "B"], "factor": ["f", "g", "f", "g"],
        "S1": [0.9, 0.0, 0.1, 0.8], "S1_conf": 0.01, "ST": [0.9, 0.1, 0.2, 0.8], "ST_conf": 0.01,
        "variance": [1.0, 1.0, 4.0, 4.0]})
    fs = FactorSet((UniformFactor("f", "Method F", "d"), UniformFactor("g", "Method G", "d")))
    t = get_assumptions_table(idx, fs).set_index("factor")
    # f: max 0.9 (A); weighted (0.9*1 + 0.2*4) / 5 = 0.34; g: max 0.8 (B); (0.1 + 3.2) / 5 = 0.66
    assert t.loc["f", "max_ST"] == 0.9 and t.loc["f", "most_affected"] == "A"
    assert t.loc["f", "share_of_all_movement"] == pytest.approx(0.34)
    assert t.loc["g", "share_of_all_movement"] == pytest.approx(0.66)
    text = describe_assumptions(t.reset_index())
    assert "method f" in text[0] and "90%" in text[0]
    assert "method g" in text[1] and "66%" in text[1]


def _sobol_frame(labels, units=("TLC", "TLD", "TLE", "TLF", "TLG")):
    rows = []
    for k, u in enumerate(units):
        for j, f in enumerate(labels):
            rows.append({"output": "rank", "unit": u, "factor": f, "S1": 0.1 * (j % 3),
                         "S1_conf": 0.01, "ST": 0.15 * (j % 4) + 0.02 * k, "ST_conf": 0.02,
                         "variance": 1.0})
    return pd.DataFrame(rows)


def test_sobol_bar_labels_are_wrapped_not_cut():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ldi_helpers.report.uncertainty_plots import plot_sobol_bars

    labels = {
        "include:a": "Include proxy: Share of regional GVA from the information and communication "
                     "sector (SIC07 J)",
        "include:b": "Include proxy: Share of regional GVA from information service activities "
                     "(SIC07 division 63)",
        "normalisation": "Normalisation method",
    }
    d = _sobol_frame(list(labels))
    fig = plot_sobol_bars(d, "title", "a source", factor_labels=labels)
    try:
        ax = fig.axes[0]
        ticks = [t.get_text() for t in ax.get_yticklabels()]
        assert len(set(ticks)) == 3
        assert all("..." not in t and "\u2026" not in t for t in ticks)
        # every word of every label is shown, lines at most ~34 characters
        for f, full in labels.items():
            shown = ticks[list(labels).index(f)]
            assert shown.replace("\n", " ") == full
            assert max(len(line) for line in shown.splitlines()) <= 34
        # the labels fit inside the figure (nothing cut at the left edge)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for t in ax.get_yticklabels():
            assert t.get_window_extent(renderer).x0 >= 0
        # wrapped labels do not overlap each other
        boxes = sorted((t.get_window_extent(renderer) for t in ax.get_yticklabels()),
                       key=lambda b: b.y0)
        for lo, hi in zip(boxes, boxes[1:]):
            assert lo.y1 <= hi.y0 + 1
    finally:
        plt.close(fig)


def test_outputs_analysed_in_worker_processes_give_the_same_numbers(monkeypatch):
    import sys

    from ldi_helpers.analysis import sensitivity
    from ldi_helpers.method import workers

    if not sys.platform.startswith("linux"):
        pytest.skip("worker processes are forked on Linux only")
    fs = ISHIGAMI
    design = sobol_design(fs, 128, seed=2)
    s = fs.decode(design)
    y = ishigami(s["x1"], s["x2"], s["x3"])
    outputs = {"a": np.stack([y, y ** 2, np.zeros_like(y)], axis=1), "b": y[:, None] * 3}
    serial = sensitivity.analyse_sobol(fs, outputs, seed=3, num_resamples=10)
    monkeypatch.setattr(sensitivity, "SOBOL_PARALLEL_MIN_CELLS", 1)
    monkeypatch.setattr(workers.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.delenv("LDI_WORKERS", raising=False)
    used, real = [], workers.run_chunks
    monkeypatch.setattr(workers, "run_chunks",
                        lambda fn, n, w: (used.append(w), real(fn, n, w))[1])
    parallel = sensitivity.analyse_sobol(fs, outputs, seed=3, num_resamples=10)
    assert used == [2]
    pd.testing.assert_frame_equal(parallel, serial)
    assert parallel.loc[parallel["unit"] == "2", "S1"].isna().all()      # constant column


def test_repeated_runs_of_the_design_are_copied_not_recomputed_with_the_same_numbers():
    """evaluate_design computes each distinct run of a Saltelli design once: a row AB_k whose
    factor k draws the same choice in A and B is A's run. Its outputs equal evaluating every
    row (the batch model of the regional edition: ranks exactly, scores to 1e-12, because
    NumPy's matrix kernels may round a row differently by its place in a block; a toy model
    exactly), and the model sees only the distinct runs."""
    from ldi_helpers.analysis.factors import default_factors
    from ldi_helpers.analysis.sensitivity import evaluate_design, sobol_design
    from ldi_helpers.analysis.uncertainty import make_batch_model
    from ldi_helpers.data.load import load_data
    from ldi_helpers.method.spec import default_spec

    data, spec = load_data(), default_spec()
    factors = default_factors(data, spec)
    model = make_batch_model(data, factors, spec)
    n = 64
    design = sobol_design(factors, n, 11)
    seen = []

    def counting(settings):
        seen.append(len(next(iter(settings.values()))))
        return model(settings)

    got = evaluate_design(counting, factors, design, n)
    full = model(factors.decode(design))
    np.testing.assert_array_equal(got["rank"], full["rank"])
    np.testing.assert_allclose(got["score"], full["score"], rtol=0, atol=1e-12)
    # a repeated row's outputs are its A row's, exactly
    g = len(factors)
    choice_k = next(k for k, f in enumerate(factors.factors) if hasattr(f, "choices"))
    s = factors.decode(design)[factors.factors[choice_k].name]
    rep = [i for i in range(n) if s[i * (g + 2)] == s[i * (g + 2) + choice_k + 1]]
    assert rep
    for i in rep:
        np.testing.assert_array_equal(got["score"][i * (g + 2) + choice_k + 1],
                                      got["score"][i * (g + 2)])
    assert design.shape[0] * 0.5 < seen[0] < design.shape[0]   # about a third are repeats
    # a toy model: two choices and a uniform factor; rows repeat exactly where expected
    toy = FactorSet([choice("a", "A", "", ("x", "y"), "x"), choice("b", "B", "", ("p", "q"), "p"),
                     UniformFactor("u", "U", "", 0.0, 1.0, 0.5)])
    d = sobol_design(toy, 16, 3)
    s = toy.decode(d)

    def f(settings):
        return {"y": np.column_stack([settings["a"] * 10.0 + settings["b"] + settings["u"],
                                      settings["u"] ** 2])}

    np.testing.assert_array_equal(evaluate_design(f, toy, d, 16)["y"], f(s)["y"])
    with pytest.raises(LDIError, match="rows"):
        evaluate_design(f, toy, d[:-1], 16)
