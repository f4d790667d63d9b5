"""Issue 14, case 3: markup in the data never becomes a live element on any page.

A copy of the curated data gets ``<script>`` and ``<img onerror>`` appended to every free-text
cell; every kind of notebook runs on it (small sample sizes) through ``--data-dir``'s path, and the
pages are parsed with ``html.parser``: the payload must be there as text, never as an element.
"""
from __future__ import annotations

import csv
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ldi_helpers.data.load import REPO_ROOT, TABLES, load_data
from ldi_helpers.run.notebooks import inert_markdown
from ldi_helpers.run.runner import Job, plan_jobs, run_jobs

MARK = "ldi14xss"
PAYLOAD = f"<script>alert('{MARK}')</script><img src=x onerror=\"alert('{MARK}')\">"

#: Columns that are identifiers, codes, enumerations or numbers, each checked by validation
#: (a payload there is rejected by `ldi data check`, tested in test_load.py); every other
#: column is free text and gets the payload.
NOT_TEXT = {
    "values": {"area_code", "geography", "indicator_id", "period", "value"},
    "indicators": {"indicator_id", "component", "direction", "source_id", "is_proxy",
                   "default_period"},
    "areas": {"area_code", "gss_code", "nuts1_code", "aliases", "tile_q", "tile_r", "geography",
              "population_total", "population_16_64"},
    "population": {"area_code", "year", "age_band", "population", "source_id"},
    "ict_panel": {"area_code", "sic07_code", "year", "gva_gbp_million", "source_id"},
    "published": {"area_code", "digital_gva_per_person_gbp", "uplift_to_uk_median_gbp",
                  "gva_uplift_gbp", "ldi_2023_index_rank"},
    "headlines": {"fact", "value"},
    "sources": {"source_id"},
    "framework": {"aggregate_id", "parent", "weight"},
}


def hostile_copy(dest: Path) -> Path:
    """The shipped data with PAYLOAD appended to every non-empty free-text cell."""
    dest.mkdir()
    (dest / "edition.yaml").write_bytes((REPO_ROOT / "data" / "edition.yaml").read_bytes())
    for name, spec in TABLES.items():
        src = REPO_ROOT / "data" / spec.filename
        with src.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            columns = list(reader.fieldnames)
        text = [c for c in columns if c not in NOT_TEXT[name]]
        for row in rows:
            for col in text:
                if row[col]:
                    row[col] += PAYLOAD
        with (dest / spec.filename).open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    return dest


class _Scan(HTMLParser):
    """Live elements carrying the payload, and whether the payload shows as text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []
        self.as_text = False
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for k, v in attrs:
            if k.startswith("on") and v and MARK in v:
                self.live.append(f"<{tag} {k}=...>")
            if k in ("src", "href") and v == "x" and tag == "img":
                self.live.append("<img src=x>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if MARK in data:
            if self._in_script:
                self.live.append("<script> holding the payload")
            else:
                self.as_text = True


def scan(page: Path) -> _Scan:
    s = _Scan()
    s.feed(page.read_text(encoding="utf-8"))
    s.close()
    return s


def test_inert_markdown_keeps_entities_and_text():
    assert inert_markdown("**R&amp;D** p < 0.05 <b>x</b>") == "**R&amp;D** p &lt; 0.05 &lt;b>x&lt;/b>"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    data = hostile_copy(tmp_path_factory.mktemp("hostile") / "data")
    load_data(data)  # the payload passes validation: it is just text
    small = {"sensitivity": {"n_samples": 64, "sobol_n": 16, "bootstrap": 5},
             "growth": {"mc_draws": 100},
             "regional_report": {"n_samples": 64, "sobol_n": 16}}
    jobs = []
    for job in plan_jobs({}, [], include_analysis=True, data_dir=data):
        if job.notebook == "component" and job.stem != "10_component_digital_skills":
            continue  # one component page is enough: every indicator carries the payload
        jobs.append(Job(job.notebook, job.stem, {**job.parameters, **small.get(job.notebook, {})},
                        job.kind, job.title))
    report = plan_jobs({}, None, include_analysis=False, data_dir=data)[0]
    jobs.append(Job(report.notebook, report.stem,
                    {**report.parameters, **small["regional_report"]}, "report", report.title))
    out = tmp_path_factory.mktemp("site")
    results, _ = run_jobs(jobs, out, 2, progress=False, data_dir=data)
    return results, out, data


def test_every_notebook_runs_on_the_hostile_copy(hostile_site):
    results, out, data = hostile_site
    failed = {r.notebook: r.error for r in results if not r.ok}
    assert not failed
    man = json.loads((out / "manifest.json").read_text())
    assert man["data_dir"] == str(data)
    assert all(j["parameters"]["data_dir"] == str(data) for j in man["jobs"])


def test_no_page_has_a_live_element_from_the_data(hostile_site):
    _, out, _ = hostile_site
    pages = sorted(out.glob("*/*.html")) + [out / "index.html"]
    assert len(pages) >= 7
    shown = []
    for page in pages:
        s = scan(page)
        assert not s.live, f"{page.name}: {s.live}"
        if s.as_text:
            shown.append(page.relative_to(out).as_posix())
    # The payload reached the pages as visible text (so the check above is not vacuous).
    for expected in ("analysis/10_component_digital_skills.html", "analysis/20_index.html",
                     "analysis/30_sensitivity.html", "analysis/00_data_overview.html"):
        assert expected in shown, shown
