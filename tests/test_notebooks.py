"""Notebook parameter discovery and checking (used by `ldi run` before anything executes)."""
import pytest

from ldi_helpers.errors import LDIError
from ldi_helpers.run.notebooks import NOTEBOOKS, check_parameters, default_runs, notebook_parameters


def test_every_committed_notebook_has_a_documented_parameters_cell():
    for nb in NOTEBOOKS.values():
        assert nb.path.exists(), nb.filename
        params = notebook_parameters(nb.path)
        assert params, f"{nb.filename} has no parameters cell"
        src = next(c.source for c in __import__("nbformat").read(nb.path, 4).cells
                   if "parameters" in c.metadata.get("tags", []))
        for line in src.splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                assert "#" in line, f"{nb.filename}: parameter line without a comment: {line}"


def test_report_parameters():
    p = notebook_parameters(NOTEBOOKS["regional_report"].path)
    assert p["area"] == "North East" and p["spec_overrides"] == {}


def test_unknown_parameter_is_named_with_the_valid_ones():
    with pytest.raises(LDIError, match=r"unknown parameter 'aera' for 50_regional_report.ipynb; "
                                       r"valid parameters: area, data_dir, n_samples"):
        check_parameters(NOTEBOOKS["regional_report"].path, {"aera": "Wales"})


def test_wrong_parameter_type_is_named():
    with pytest.raises(LDIError, match=r"parameter 'n_samples' of 50_regional_report.ipynb must be "
                                       r"int, got str 'many'"):
        check_parameters(NOTEBOOKS["regional_report"].path, {"n_samples": "many"})
    check_parameters(NOTEBOOKS["regional_report"].path, {"n_samples": 10, "area": "Wales"})


def test_component_notebook_runs_once_per_component():
    runs = default_runs()
    comps = [r[2]["component"] for r in runs if r[0] == "component"]
    assert len(comps) == 8 and len(set(comps)) == 8


# Issue 14, case 7: every notebook can be pointed at another data folder.
def test_every_notebook_declares_data_dir():
    from ldi_helpers.run.notebooks import NOTEBOOKS as ALL
    for nb in ALL.values():
        assert notebook_parameters(nb.path).get("data_dir") == "", nb.filename


def test_data_dir_is_passed_to_every_job(tmp_path):
    from ldi_helpers.run.runner import plan_jobs
    from ldi_helpers.data.load import load_data
    # planning reads the edition (its components and units); data_dir is only passed on
    jobs = plan_jobs({}, None, include_analysis=True, data_dir=tmp_path, data=load_data())
    assert len(jobs) == len(default_runs()) + 12
    assert {j.parameters.get("data_dir") for j in jobs} == {str(tmp_path.resolve())}
