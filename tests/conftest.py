"""Shared fixtures: a tiny, valid curated-data folder built in a temporary directory.

The tiny tables are constructed here (not real statistics) so that validation tests can corrupt one
thing at a time and check the error names it.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from ldi_helpers.data.components import COMPONENTS
from ldi_helpers.data.geography import REGIONS
from ldi_helpers.data.load import TABLES

# Tests compute what they check: no shared results from earlier runs (the cross-run store of
# ldi_helpers.analysis.shared; tests of the store point it at a temporary folder).
os.environ["LDI_SHARED_CACHE"] = "off"

#: edition.yaml of the tiny LDI-like edition.
TINY_EDITION_YAML = (
    "name: Tiny test edition\n"
    "index_name: Local Digital Index\n"
    "unit_word: region\n"
    "unit_word_plural: regions\n"
    "geography: ITL1\n"
)


def write_csv(path: Path, columns, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)


def tiny_columns(name: str) -> list[str]:
    """Header of the tiny table ``name``: the first columns of its spec, as many as a tiny row has
    (so optional columns at the end, such as the indicators' weight, are left out)."""
    return list(TABLES[name].columns[:len(tiny_tables()[name][0])])


def tiny_tables() -> dict[str, list[list]]:
    """Rows for each table (keys of ldi_helpers.data.load.TABLES)."""
    values, areas, pop, panel, pub = [], [], [], [], []
    for i, r in enumerate(REGIONS):
        values.append([r.itl1_code, r.name, "ITL1", "ind_a", "2022", str(10 + i)])
        values.append([r.itl1_code, r.name, "ITL1", "ind_b", "2022", str(100 - i)])
        areas.append([r.itl1_code, r.gss_code, r.nuts1_code, r.name, r.name, r.name, "",
                      str(i % 4), str(i // 4), "1000", "600", "mid-2020", "test", "ITL1",
                      "England" if i < 9 else "Nations"])
        pop.append([r.itl1_code, "2022", "all_ages", "1000", "test release", "src1"])
        panel.append([r.itl1_code, r.name, "J", "Information and communication", "2021",
                      "5.5", "test release", "src1"])
        pub.append([r.itl1_code, r.name, str(1000 + i), "", "", str(i + 1)])
    return {
        "values": values,
        "indicators": [
            ["ind_a", "Indicator A", "digital_skills", "1", "%", "none", "src1", "ONS", "ds",
             "https://example.org/a", "2024-01-01", "OGL v3", "", "false", "x.csv", "2022"],
            ["ind_b", "Indicator B", "digital_infrastructure", "-1", "%", "none", "src1", "ONS",
             "ds", "https://example.org/b", "2024-01-01", "OGL v3", "", "true", "y.csv", "2022"],
        ],
        "framework": [["ldi", "Local Digital Index", "", ""]]
        + [[cid, name, "ldi", "1"] for cid, name in COMPONENTS.items()],
        "areas": areas,
        "population": pop,
        "ict_panel": panel,
        "published": pub,
        "headlines": [["uk_median", "1945", "GBP per person", "text"]],
        "sources": [["src1", "ONS", "ds", "repo", "abc", "https://example.org", "OGL v3",
                     "Contains public sector information", "x.csv"]],
    }


@pytest.fixture
def tiny_data_dir(tmp_path: Path) -> Path:
    """A folder with every curated table and edition.yaml, valid and small."""
    d = tmp_path / "data"
    d.mkdir()
    for name, rows in tiny_tables().items():
        write_csv(d / TABLES[name].filename, tiny_columns(name), rows)
    (d / "edition.yaml").write_text(TINY_EDITION_YAML, encoding="utf-8")
    return d


@pytest.fixture
def fake_notebooks(tmp_path: Path, monkeypatch):
    """Register tiny notebooks (a few seconds each) in the runner, for tests of publishing.

    Returns a function ``add(name, source)`` that writes a notebook whose ``parameters`` cell
    declares ``area`` and ``data_dir`` and whose one code cell is ``source``, registers it under
    ``name`` and returns its path.
    """
    import nbformat

    import ldi_helpers.run.notebooks as nbmod
    import ldi_helpers.run.runner as runner

    folder = tmp_path / "fake_notebooks"
    folder.mkdir()
    reg = dict(nbmod.NOTEBOOKS)
    monkeypatch.setattr(nbmod, "NOTEBOOKS", reg)
    monkeypatch.setattr(runner, "NOTEBOOKS", reg)
    monkeypatch.setattr(nbmod.NotebookInfo, "path", property(
        lambda self: folder / self.filename if (folder / self.filename).exists()
        else nbmod.NOTEBOOK_DIR / self.filename))

    def add(name: str, source: str = "print('fine')") -> Path:
        nb = nbformat.v4.new_notebook()
        p = nbformat.v4.new_code_cell("area = ''\ndata_dir = ''")
        p.metadata["tags"] = ["parameters"]
        nb.cells = [p, nbformat.v4.new_code_cell(source)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        path = folder / f"{name}.ipynb"
        nbformat.write(nb, path)
        reg[name] = nbmod.NotebookInfo(name, path.name, name.title())
        return path

    return add


@pytest.fixture(scope="session")
def full_run(tmp_path_factory):
    """One full ``ldi run`` (every analysis page and all twelve briefings), shared by the
    end-to-end tests. ``LDI_TEST_RUN_DIR`` names the output folder of an existing run to check
    instead (for working on the checks without waiting two minutes each time).

    Returns
    -------
    (exit code, output folder)
    """
    import os

    from ldi_helpers.run.cli import main

    reuse = os.environ.get("LDI_TEST_RUN_DIR")
    if reuse:
        return 0, Path(reuse)
    out = tmp_path_factory.mktemp("site")
    code = main(["run", "--output-dir", str(out), "--quiet"])
    return code, out
