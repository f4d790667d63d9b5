"""Every interface takes an edition: units resolved from the edition, `ldi list/run --edition`.

One end-to-end `ldi run --edition tests/editions/toy3` (module fixture ``toy_run``) checks that a
made-up edition of six countries gets every generic page, one briefing per country, one page per
pillar, no growth page (said so on the index page and in the manifest) and no word "region" in any
page's visible text.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ldi_helpers.run.cli import main
from ldi_helpers.errors import UnknownAreaError
from ldi_helpers.data.geography import Unit, in_edition_words, resolve_unit, units_of
from ldi_helpers.data.load import load_data

TOY = Path(__file__).parent / "editions" / "toy3"
COUNTRIES = ["Avalon", "Borduria", "Cascadia", "Dorne", "Elbonia", "Freedonia"]


@pytest.fixture(scope="module")
def toy():
    return load_data(TOY)


def test_resolve_unit_codes_names_aliases_any_case(toy):
    assert resolve_unit(toy, "AV") == Unit("AV", "Avalon", ("Avalonia",))
    assert resolve_unit(toy, "av").name == "Avalon"
    assert resolve_unit(toy, "  FREEDONIA ").code == "FR"
    assert resolve_unit(toy, "fredonia").code == "FR"  # an alias
    assert resolve_unit(toy, "Avalonia").itl1_code == "AV"  # duck-compatible with Region
    assert [u.name for u in units_of(toy)] == COUNTRIES


def test_resolve_unit_unknown_suggests_the_editions_names(toy):
    with pytest.raises(UnknownAreaError, match=r"unknown country 'Avalom'\. Did you mean "
                                               r"'Avalon'\?.*ldi list areas --edition"):
        resolve_unit(toy, "Avalom")
    with pytest.raises(UnknownAreaError):
        resolve_unit(toy, "North East")  # an ITL1 region is not a unit of this edition


def test_resolve_unit_ldi_edition_understands_gss_and_nuts_codes():
    data = load_data()
    assert resolve_unit(data, "E12000001").name == "North East"
    assert resolve_unit(data, "UKI").code == "TLI"
    assert resolve_unit(data, "greater london").code == "TLI"


def test_edition_words_leave_ldi_text_alone(toy):
    text = "Each region of the twelve nations and regions; Regions ranked."
    assert in_edition_words(text, load_data()) == text
    assert in_edition_words(text, toy) == "Each country of the six countries; Countries ranked."


def test_list_areas_and_components_of_an_edition(capsys):
    assert main(["list", "areas", "--edition", str(TOY)]) == 0
    out = capsys.readouterr().out
    assert [line.split()[1] for line in out.strip().splitlines()] == COUNTRIES
    assert "AV  Avalon  (also: Avalonia)" in out
    assert main(["list", "components", "--data-dir", str(TOY)]) == 0  # the synonym
    assert capsys.readouterr().out.split()[::2] == ["wealth", "trade", "health"]


def test_report_unknown_unit_is_one_line(capsys, tmp_path):
    code = main(["report", "--edition", str(TOY), "--area", "Avalom",
                 "--output-dir", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Did you mean 'Avalon'?" in err


class _Text(HTMLParser):
    """Visible text of a page (no style, script, or attribute values)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script", "title")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script", "title")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(path: Path) -> str:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return " ".join(p.parts)


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("toy") / "out"
    code = main(["run", "--edition", str(TOY), "--output-dir", str(out), "--quiet"])
    return code, out


def test_toy_run_produces_the_generic_pages(toy_run):
    code, out = toy_run
    assert code == 0
    pages = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    assert {"index.html", "analysis/20_index.html", "analysis/30_sensitivity.html",
            "analysis/10_component_wealth.html", "analysis/10_component_trade.html",
            "analysis/10_component_health.html"} <= pages
    assert not any("growth" in p for p in pages)
    assert sorted(p for p in pages if p.startswith("reports/")) == [
        f"reports/report_{c.lower()}.html" for c in COUNTRIES]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [s["notebook"] for s in manifest["skipped"]] == ["40_growth_scenarios.ipynb"]
    assert all(j["ok"] for j in manifest["jobs"])


def test_toy_index_page_lists_the_countries_and_says_what_was_skipped(toy_run):
    _, out = toy_run
    text = visible_text(out / "index.html")
    for name in COUNTRIES:
        assert f"{name} briefing" in text
    assert "Toy edition, six made-up countries" in text
    assert "Briefings, one per country" in text
    assert "Digital GVA per person and growth scenarios" in text  # listed as not produced
    assert "not produced for this edition" in text


def test_toy_briefing_reads_in_the_editions_words(toy_run):
    _, out = toy_run
    text = visible_text(out / "reports" / "report_avalon.html")
    assert "Avalon: briefing" in text
    assert re.search(r"Avalon ranks \d(st|nd|rd|th) of 6 countries on the Toy Index", text)
    assert "Digital GVA" not in text and "techUK" not in text


def test_no_region_word_on_the_toy_pages(toy_run):
    _, out = toy_run
    found = {}
    for page in sorted(out.rglob("*.html")):
        hits = re.findall(r".{0,40}\bregion(?:s|al)?\b.{0,20}", visible_text(page),
                          flags=re.IGNORECASE)
        if hits:
            found[page.relative_to(out).as_posix()] = hits[:3]
    assert not found, found


def test_toy_pages_pass_the_reader_checks(toy_run, toy):
    from browser import Page, chromium_or_skip
    from test_reader_pages import page_problems

    chromium_or_skip()
    _, out = toy_run
    page = Page()
    try:
        # Ids that are ordinary English words (income, life, ...) cannot be told from prose.
        ids = {"gdp", "tariffs", "doctors"}
        problems = page_problems(out, page, (ids, set(), set(toy.area_codes)))
    finally:
        page.close()
    assert not problems, "\n".join(problems[:20])
