"""Every page of a full `ldi run`, opened in headless Chromium as a reader on a phone would.

One full run (session fixture ``full_run``, shared with the other end-to-end tests) is opened page
by page at 390 CSS pixels with mobile emulation (so a page without a viewport meta tag would lay
out 980 pixels wide and fail). For every page: nothing is wider than the screen outside a box that
scrolls on its own, no request leaves the machine, every image has a real description, no id of
the data shows in the visible text, and the page links back to the index.
"""
from __future__ import annotations

import re

import pytest

from browser import Page
from ldi_helpers.data.load import load_data

#: Elements that stick out of the viewport and are not inside a box that scrolls or clips them.
OVERFLOW_JS = r"""
(() => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') {
        return p.getBoundingClientRect().right <= vw + 1;
      }
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 1) continue;
    if (clipped(el)) continue;
    out.push(el.tagName + '.' + (el.className || '') + ' right=' + Math.round(r.right));
  }
  return {vw: vw, scrollWidth: document.documentElement.scrollWidth, offenders: out.slice(0, 5)};
})()
"""

DEFAULT_ALTS = {"", "No description has been provided for this image",
                "Chart without a description"}


def _pages(out):
    return sorted(p for p in out.rglob("*.html") if ".staging" not in str(p))


@pytest.fixture(scope="module")
def browser():
    page = Page()
    yield page
    page.close()


@pytest.fixture(scope="module")
def data_ids():
    data = load_data()
    return (set(data.indicators["indicator_id"]), set(data.sources["source_id"]),
            set(data.areas["area_code"]))


def test_run_has_every_page(full_run):
    code, out = full_run
    assert code == 0
    names = {p.relative_to(out).as_posix() for p in _pages(out)}
    assert {"index.html", "glossary.html", "analysis/20_index.html",
            "analysis/30_sensitivity.html", "reports/report_north-east.html"} <= names
    assert len([n for n in names if n.startswith("reports/")]) == 12
    assert (out / "ldi_figures.xlsx").is_file()


def test_every_page_reads_well_on_a_phone_and_offline(full_run, browser, data_ids):
    _, out = full_run
    problems = page_problems(out, browser, data_ids)
    assert not problems, "\n".join(problems[:40])


def page_problems(out, browser, data_ids) -> list[str]:
    """Every page of the run in ``out`` opened at 390 px: the problems found (empty: none)."""
    indicators, sources, areas = data_ids
    problems = []
    for path in _pages(out):
        rel = path.relative_to(out).as_posix()
        html = path.read_text(encoding="utf-8")
        metas = re.findall(r"<meta [^>]*>", html)
        if not any("viewport" in m and "width=device-width" in m for m in metas):
            problems.append(f"{rel}: no viewport meta")
        browser.open(path.as_uri(), 390)
        remote = [u for u in browser.requests if not u.startswith(("file:", "data:"))]
        if remote:
            problems.append(f"{rel}: requests leave the machine: {remote[:3]}")
        lay = browser.js(OVERFLOW_JS)
        if lay["scrollWidth"] > lay["vw"] or lay["offenders"]:
            problems.append(f"{rel}: wider than 390 px: {lay}")
        alts = browser.js("[...document.images].map(i => i.getAttribute('alt') || '')")
        bad = [a for a in alts if a.strip() in DEFAULT_ALTS or a.startswith("Chart: ")
               and len(a) < 20]
        if bad:
            problems.append(f"{rel}: {len(bad)} of {len(alts)} images without a description")
        text = browser.js("document.body.innerText")
        words = set(re.findall(r"[A-Za-z0-9_]+", text))
        leaked = sorted(words & (indicators | sources | areas))
        if leaked:
            problems.append(f"{rel}: ids of the data in the visible text: {leaked[:8]}")
        up = "../" * rel.count("/")
        hrefs = browser.js("[...document.querySelectorAll('a[href]')].map(a => "
                           "a.getAttribute('href'))")
        if rel != "index.html" and f"{up}index.html" not in hrefs:
            problems.append(f"{rel}: no link to the index")
        for h in hrefs:
            if h.startswith(("http:", "https:", "data:", "#", "mailto:")) or h == "manifest.json":
                continue
            target = (path.parent / h.split("#")[0]).resolve()
            if not target.is_file():
                problems.append(f"{rel}: broken link {h}")
        if browser.js("document.querySelectorAll('.jp-OutputArea-output pre').length"):
            problems.append(f"{rel}: a monospace printout")
        if re.search(r"\d\.\d+e[+-]\d\d", text):
            problems.append(f"{rel}: a number in e-notation")
    return problems


def test_briefing_heading_names_the_region_and_nav_moves_between_regions(full_run, browser):
    _, out = full_run
    browser.open((out / "reports" / "report_wales.html").as_uri(), 1280, mobile=False)
    assert browser.js("document.querySelector('h1').innerText").startswith("Wales")
    links = browser.js("[...document.querySelectorAll('nav a')].map(a => a.innerText)")
    assert any(t.startswith("\u2190 Previous region:") for t in links)
    assert any(t.startswith("Next region:") for t in links)
    profile = browser.js("document.querySelector('table.ldi-profile') !== null")
    assert profile, "the region profile is at the top of the briefing"
    index_links = (out / "index.html").read_text(encoding="utf-8")
    assert ">read<" not in index_links and "Wales briefing</a>" in index_links
