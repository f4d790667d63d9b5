"""The reader-facing index page (``outputs/index.html``) that links every report of a run."""
from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path

from ..data.geography import unit_words, units_of
from ..data.provenance import OGL_ATTRIBUTION, RECONSTRUCTION_NOTE

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:980px;margin:2em auto;
padding:0 1em;color:#1b1b1b;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em} h2{margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.95em} th,td{padding:.35em .6em;
border-bottom:1px solid #e5e5e5;text-align:left} th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.fail{color:#a40000} .note{color:#555;font-size:.9em;overflow-wrap:anywhere} .grid{display:flex;gap:2em;flex-wrap:wrap}
.grid>div{flex:1 1 340px;min-width:0} img{max-width:100%}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def rank_table_and_map(spec_overrides: dict | None = None, data_dir=None,
                        data=None) -> tuple[dict, str]:
    """Ranks under the run's spec (unit code -> rank) and a base64 tile map of them ("" when
    the edition has no tile positions)."""
    try:
        import matplotlib.pyplot as plt

        from ..method.index import build_index
        from ..data.load import load_data
        from .plots import plot_tile_map
        from ..method.spec import default_spec
    except ImportError:
        return "", ""
    from .plots import has_tiles

    if data is None:
        data = load_data(data_dir)
    result = build_index(data, spec_overrides or default_spec())
    ranks = result.ranks
    if not has_tiles(data.areas):
        return ranks.to_dict(), ""
    if data.has_ldi_tables:
        title, source = ("LDI rank (open reconstruction, 1 = strongest)",
                         "workbench index built from ONS, Ofcom, HESA and other open data")
    else:
        w = unit_words(data)
        title = f"{w['index_name']} rank (1 = strongest)"
        source = f"{w['edition']}: {data.edition.get('attribution') or 'see each page'}"
    fig = plot_tile_map(ranks, title, "rank", source, cmap="viridis", reverse=True,
                        tiles=data.areas, names=result.area_names,
                        units=None if data.has_ldi_tables else unit_words(data)["units"],
                        licence=OGL_ATTRIBUTION if data.has_ldi_tables else "")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    img = base64.b64encode(buf.getvalue()).decode("ascii")
    return ranks.to_dict(), img


def write_index_page(path: Path, manifest: dict, intervals=None, data=None,
                     rank_map: tuple | None = None) -> Path:
    """Write the run's index page: tile map of ranks, table of units, links, failures.

    Parameters
    ----------
    path : Path
    manifest : dict
        The run manifest (jobs, params, run id, commit).
    intervals : DataFrame, optional
        Rank intervals by ITL1 code (``rank_lo``, ``rank_hi``) computed by the run's reports;
        shown beside each rank when given.
    data : LDIData, optional
        The run's edition (default: loaded from ``manifest["data_dir"]``): the units, their
        order and names, and the words the page uses.
    rank_map : tuple, optional
        ``(ranks, image)`` of :func:`rank_table_and_map` for the run's spec, when the run drew
        it already (in the background while its notebooks ran); drawn here otherwise.

    Every piece of text from data or parameters is HTML-escaped. When the folder holds the
    outputs of several runs (``manifest["runs"]``), each link says which run produced it.
    """
    jobs = manifest["jobs"]
    reports = {j["parameters"].get("area"): j for j in jobs if j["kind"] == "report"}
    analyses = [j for j in jobs if j["kind"] == "analysis"]
    failures = [j for j in jobs if not j["ok"]]
    several = len(manifest.get("runs") or {}) > 1

    def made_by(j: dict) -> str:
        rid = j.get("run_id")
        return f" <span class='note'>(run {_e(rid)})</span>" if several and rid else ""
    if data is None:
        from ..data.load import load_data

        data = load_data(manifest.get("data_dir"))
    w = unit_words(data)
    ldi = data.has_ldi_tables
    try:
        ranks, img = rank_map if rank_map is not None else rank_table_and_map(
            (manifest.get("params") or {}).get("spec"), manifest.get("data_dir"), data)
        rank_note = ""
    except Exception as exc:  # noqa: BLE001 - the page must still link what did run
        ranks, img = {}, ""
        rank_note = f"<p class='fail'>Ranks could not be computed: {_e(exc)}</p>"
    pages, regions = site_pages(jobs, data)
    title = "Local Digital Index workbench" if ldi else f"{w['edition']}: workbench"
    intro = (f"{RECONSTRUCTION_NOTE} Each region's rank is shown with its uncertainty in the "
             "reports; growth figures are scenarios with stated assumptions." if ldi else
             f"{w['edition']}: the {w['index_name']} for {w['n']} {w['units']}, built with the "
             f"workbench's open method. Each {w['unit']}'s rank is shown with its uncertainty "
             "in the briefings.")
    parts = [
        page_head(f"{title}: reports"),
        "<body>", site_nav("index.html", pages, regions, data), "<main>",
        f"<h1>{_e(title)}</h1>", f"<p>{_e(intro)}</p>",
    ]
    if failures:
        parts.append("<h2>Reports that failed</h2><ul>")
        for j in failures:
            cell = f" (code cell {j['failed_cell']})" if j.get("failed_cell") else ""
            parts.append(f"<li class='fail'>{_e(j['notebook'])} [{_e(j['output'])}]{cell}: "
                         f"{_e(j['error'])}</li>")
        parts.append("</ul>")
    heading = "Regional briefings" if ldi else f"Briefings, one per {w['unit']}"
    ordered = sorted(units_of(data), key=lambda r: (ranks.get(r.code, 10**9), r.name))
    if len(ordered) > MANY_UNITS:
        parts.append(unit_table(ordered, ranks, intervals, reports, data, heading, made_by))
    else:
        parts.append(_small_unit_table(ordered, ranks, intervals, reports, w, heading, made_by))
    if img:
        by_rank = sorted((v, k) for k, v in ranks.items() if v == v)
        names = {u.code: u.name for u in units_of(data)}
        alt = ((f"Hex map of the UK's nations and regions coloured by rank on the open index: "
                if ldi else f"Hex map of the {w['units']} coloured by rank on the "
                f"{w['index_name']}: ")
               + ("; ".join(f"{int(v)} {names.get(k, k)}" for v, k in by_rank) + "."
                  if len(by_rank) <= MANY_UNITS else
                  "strongest " + "; ".join(f"{int(v)} {names.get(k, k)}" for v, k in by_rank[:5])
                  + "; weakest " + "; ".join(f"{int(v)} {names.get(k, k)}"
                                             for v, k in by_rank[-5:])
                  + f". Every {w['unit']} is in the table."))
        parts.append(f"<div><h2>Ranks on the map</h2><img alt='{_e(alt)}' "
                     f"src='data:image/png;base64,{img}'></div>")
    if intervals is not None and "n_samples" in getattr(intervals, "attrs", {}):
        from ..analysis.uncertainty import share_phrase

        n = int(intervals.attrs["n_samples"])
        t = float(intervals.attrs.get("any_tie_share", 0.0))
        rank_note += (f"<p class='note'>Likely range: the ranks that hold 90% of the {n:,} "
                      "methods sampled in the uncertainty analysis (the same sample as the "
                      "sensitivity page). "
                      + (f"At least two {_e(w['units'])} share a rank {_e(share_phrase(t, n))}; "
                         f"tied {_e(w['units'])} share the better rank, so the better end of a "
                         "range can be optimistic." if t > 0 else "No sampled method gives two "
                         f"{_e(w['units'])} the same rank.") + "</p>")
    parts.append("</div>" + rank_note)
    parts.append("<h2>Analysis</h2><ul>")
    for j in analyses:
        title = j.get("title") or j["output"]
        if j["ok"]:
            parts.append(f"<li><a href='{_e(j['html'])}'>{_e(title)}</a>{made_by(j)}</li>")
        else:
            parts.append(f"<li class='fail'>{_e(title)}: failed{made_by(j)}</li>")
    parts.append(f"<li><a href='{GLOSSARY_PAGE}'>Glossary: the terms of art used on these pages, "
                 "in plain English</a></li>")
    parts.append("</ul>")
    skipped = manifest.get("skipped") or []
    if skipped:
        parts.append("<h2>Pages not produced for this edition</h2><ul>")
        for sk in skipped:
            parts.append(f"<li>{_e(sk.get('title') or sk.get('notebook'))}: "
                         f"{_e(sk.get('reason', ''))}.</li>")
        parts.append("</ul>")
    if manifest.get("workbook"):
        if manifest.get("workbook_scope", "all") == "all":
            parts.append(f"<h2>Download the numbers</h2><p>Every table of this run, one sheet per "
                         f"table: <a href='{_e(manifest['workbook'])}' download>all figures of "
                         "this run as an Excel workbook</a>. Each page also offers its own tables "
                         "as CSV files.</p>")
        else:
            parts.append(f"<h2>Download the numbers</h2><p>Every table of the analysis pages, "
                         f"one sheet per table: <a href='{_e(manifest['workbook'])}' download>the "
                         "analysis figures as an Excel workbook</a>. With this many briefings "
                         "their tables are not in the workbook: each briefing offers its own "
                         "tables as CSV files.</p>")
    parts.append(
        f"<h2>About this run</h2><p class='note'>Run {_e(manifest['run_id'])}, code "
        f"{_e(manifest['git_commit'])}."
        + (f" This folder also holds outputs of {len(manifest['runs']) - 1} earlier run(s), "
           "marked beside each link." if several else "")
        + " The full record (method specification, scenario, data "
        f"hashes, package versions, timings) is in <a href='manifest.json'>manifest.json</a>.</p>"
        + (f"<p class='note'>{_e(OGL_ATTRIBUTION)} Other sources and their licences are listed "
           "in each report.</p>" if ldi else
           (f"<p class='note'>{_e(data.edition.get('attribution'))}</p>"
            if data.edition.get("attribution") else ""))
        + "</main></body></html>"
    )
    return _write_atomic(path, "\n".join(parts))


#: Editions with more units than this get a searchable, sortable table on the index page.
MANY_UNITS = 30


def _briefing_link(job, region, made_by, ranked: bool = True) -> str:
    link = (f"<a href='{_e(job['html'])}'>{_e(region.name)} briefing</a>"
            if job and job["ok"] else ("<span class='fail'>failed</span>" if job else
                                       "not run" if ranked else
                                       "no briefing: not ranked (too little data)"))
    return link + (made_by(job) if job else "")


def _rank_range(intervals, code) -> tuple[str, float]:
    """The likely range as text and its lower end (NaN when unknown), for sorting."""
    if intervals is None or code not in intervals.index:
        return "n/a", float("nan")
    lo, hi = int(intervals.loc[code, "rank_lo"]), int(intervals.loc[code, "rank_hi"])
    return f"{lo}" + (f" to {hi}" if hi != lo else ""), float(lo)


def _small_unit_table(ordered, ranks, intervals, reports, w, heading, made_by) -> str:
    parts = [f"<div class='grid'><div><h2>{_e(heading)}</h2><div class='ldi-table'><table>"
             f"<tr><th>{_e(w['Unit'])}</th><th class='num'>Rank</th>"
             + ("<th>Likely range (5th-95th percentile)</th>" if intervals is not None else "")
             + "<th>Briefing</th></tr>"]
    for region in ordered:
        rank = ranks.get(region.itl1_code)
        link = _briefing_link(reports.get(region.name), region, made_by,
                              (rank is not None and rank == rank) or not ranks)
        rank_txt = (f"{int(rank)}" if rank is not None and rank == rank else
                    "not ranked" if ranks else "n/a")
        rng = f"<td>{_rank_range(intervals, region.itl1_code)[0]}</td>" if intervals is not None else ""
        parts.append(f"<tr><td>{_e(region.name)}</td><td class='num'>{rank_txt}</td>{rng}"
                     f"<td>{link}</td></tr>")
    parts.append("</table></div></div>")
    return "".join(parts)


#: Style of the searchable table: it scrolls inside its own box, its header stays in view.
UNIT_TABLE_CSS = """
.ldi-units-box{max-height:70vh;overflow:auto;max-width:100%;border:1px solid #e5e5e5}
.ldi-units-box thead th{position:sticky;top:0;z-index:1}
.ldi-units th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;
color:#0645ad;text-align:left} .ldi-units th[aria-sort=ascending] button::after{content:" \\25B2"}
.ldi-units th[aria-sort=descending] button::after{content:" \\25BC"}
.ldi-find{display:flex;flex-wrap:wrap;gap:.3em .6em;align-items:center;margin:.4em 0}
.ldi-find input{font:inherit;padding:.25em .4em;max-width:100%;box-sizing:border-box}
"""

#: Search (filters rows by any text) and sort (click a header; numbers sort as numbers, missing
#: values last). Plain JavaScript, inline, nothing loaded from elsewhere.
UNIT_TABLE_JS = """
(function(){
var t=document.getElementById('ldi-units'),f=document.getElementById('ldi-find'),
n=document.getElementById('ldi-found');if(!t||!f)return;
var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
function key(r,i){var c=r.cells[i];return c.hasAttribute('data-v')?c.getAttribute('data-v'):c.textContent;}
f.addEventListener('input',function(){var q=f.value.trim().toLowerCase(),k=0;
rows.forEach(function(r){var show=!q||r.textContent.toLowerCase().indexOf(q)>=0;r.hidden=!show;if(show)k++;});
n.textContent=k+' of '+rows.length+' shown';});
Array.prototype.forEach.call(t.querySelectorAll('th button'),function(b){
b.addEventListener('click',function(){var th=b.parentNode,i=th.cellIndex,num=th.getAttribute('data-type')==='num',
asc=th.getAttribute('aria-sort')!=='ascending';
Array.prototype.forEach.call(t.querySelectorAll('th'),function(h){h.removeAttribute('aria-sort');});
th.setAttribute('aria-sort',asc?'ascending':'descending');
rows.sort(function(x,y){var a=key(x,i),c=key(y,i);
if(num){a=parseFloat(a);c=parseFloat(c);if(isNaN(a)&&isNaN(c))return 0;if(isNaN(a))return 1;
if(isNaN(c))return -1;return asc?a-c:c-a;}
return asc?a.localeCompare(c):c.localeCompare(a);});
rows.forEach(function(r){body.appendChild(r);});});});
})();
"""


def unit_table(ordered, ranks, intervals, reports, data, heading, made_by=lambda j: "") -> str:
    """The searchable, sortable table of every unit (editions with many units).

    One row per unit: name, region (``group``) and peer group where the areas table has them,
    rank, likely range and briefing link; numeric cells carry their number in ``data-v`` so that
    they sort numerically (missing values last). Every text is escaped; the script is inline.
    """
    w = unit_words(data)
    a = data.areas.set_index("area_code")
    extra = [(c, lab) for c, lab in (("group", "Region" if "itl1_code" in a.columns and
                                      not data.has_ldi_tables else "Group"),
                                     ("peer_group", "Peer group")) if c in a.columns
             and a[c].notna().any()]
    head = ([f"<th scope='col'><button type='button'>{_e(w['Unit'])}</button></th>"]
            + [f"<th scope='col'><button type='button'>{_e(lab)}</button></th>" for _, lab in extra]
            + ["<th scope='col' class='num' data-type='num' aria-sort='ascending'>"
               "<button type='button'>Rank</button></th>"]
            + (["<th scope='col' data-type='num'><button type='button'>Likely range "
                "(5th-95th percentile)</button></th>"] if intervals is not None else [])
            + ["<th scope='col'>Briefing</th>"])
    rows = []
    for u in ordered:
        rank = ranks.get(u.code)
        ok = rank is not None and rank == rank
        cells = [f"<td>{_e(u.name)}</td>"]
        for c, _ in extra:
            v = a.at[u.code, c] if u.code in a.index else ""
            cells.append(f"<td>{_e('' if v != v else v)}</td>")
        cells.append(f"<td class='num' data-v='{int(rank) if ok else ''}'>"
                     f"{int(rank) if ok else ('not ranked' if ranks else 'n/a')}</td>")
        if intervals is not None:
            txt, lo = _rank_range(intervals, u.code)
            cells.append(f"<td data-v='{'' if lo != lo else int(lo)}'>{_e(txt)}</td>")
        cells.append(f"<td>{_briefing_link(reports.get(u.name), u, made_by, ok or not ranks)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    n = len(ordered)
    return (f"<div class='grid'><div><h2>{_e(heading)}</h2>"
            f"<p class='ldi-find'><label for='ldi-find'>Find a {_e(w['unit'])}"
            f"{_e(''.join(', ' + lab.lower() for _, lab in extra))}</label><input id='ldi-find' type='search' autocomplete='off'>"
            f"<span id='ldi-found' class='note' aria-live='polite'>{n} of {n} shown</span></p>"
            "<p class='note'>Click a column heading to sort by it (again to reverse).</p>"
            f"<div class='ldi-table ldi-units-box'><table id='ldi-units' class='ldi-units'>"
            f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            f"<script>{UNIT_TABLE_JS}</script></div>")


def site_pages(jobs: list[dict], data=None) -> tuple[list[dict], list[tuple[str, str]]]:
    """Analysis pages and briefings (in the edition's order of units) that exist.

    Parameters
    ----------
    jobs : list of dict
        Manifest jobs (``kind``, ``ok``, ``html``, ``title``, ``parameters``).
    data : LDIData, optional
        The edition (default: the shipped ``data/``).
    """
    if data is None:
        from ..data.load import load_data

        data = load_data()
    pages = [{"html": j["html"], "title": j.get("title") or j["output"]}
             for j in jobs if j.get("kind") == "analysis" and j.get("ok") and j.get("html")]
    pages.sort(key=lambda p: p["html"])
    by_area = {j["parameters"].get("area"): j["html"] for j in jobs
               if j.get("kind") == "report" and j.get("ok") and j.get("html")}
    regions = [(u.name, by_area[u.name]) for u in units_of(data) if u.name in by_area]
    return pages, regions


# ---------------------------------------------------------------------------------------------
# The reader site: shared style, a header on every page, the glossary
# ---------------------------------------------------------------------------------------------

#: Style added to every rendered page: a header, tables that scroll inside their own box on a
#: phone, images that shrink to the screen, no monospace printouts.
READER_CSS = """
body.ldi-page{max-width:1100px;margin:0 auto}
.ldi-nav{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:15px;
background:#f4f6f8;border-bottom:1px solid #d0d7de;padding:.5em 1em;line-height:1.6;display:flex;
flex-wrap:wrap;gap:.3em 1.2em} .ldi-nav .ldi-here{font-weight:600}
.ldi-nav a,.jp-RenderedHTMLCommon a{color:#0645ad;text-decoration:underline}
body .jp-RenderedHTMLCommon .ldi-table tr td,body .jp-RenderedHTMLCommon .ldi-table tr th{text-align:left;
vertical-align:top} body .jp-RenderedHTMLCommon .ldi-table tr td.num{text-align:right}
.ldi-nav details{display:inline} .ldi-nav summary{display:inline;cursor:pointer;color:#0645ad}
.ldi-table,.jp-RenderedHTMLCommon .ldi-table{overflow-x:auto;max-width:100%}
.ldi-table table{margin:0} .ldi-download{font-size:.9em;margin:.2em 0 1em}
.jp-OutputArea-output{max-width:100%;overflow-x:auto} .jp-RenderedImage img{max-width:100%;height:auto}
.jp-RenderedText pre,.ldi-text{white-space:pre-wrap;font-family:inherit}
.ldi-bar{display:inline-block;width:120px;height:.8em;background:#eef0f3;position:relative;
vertical-align:middle} .ldi-bar span{position:absolute;top:0;bottom:0;left:0;background:#3b6ea8}
.ldi-bar i{position:absolute;top:-3px;bottom:-3px;width:2px;background:#111}
@media (max-width:600px){.jp-Cell{padding:0 .3em}.ldi-nav{font-size:14px}
.jp-RenderedHTMLCommon{padding-right:0}}
"""

#: Terms of art explained on the glossary page: anchor -> (term, words that find it, meaning).
GLOSSARY: dict[str, tuple[str, tuple[str, ...], str]] = {
    "composite-index": ("Composite index", ("composite index",),
                        "One score built by combining many indicators, here the average of the "
                        "component scores."),
    "component": ("Component", (), "One of the themes the index is built from (for example "
                  "Digital Skills); each is the average of its indicators' scores."),
    "proxy": ("Proxy indicator", ("proxies", "proxy"),
              "A statistic that measures something related to what we want, not the thing "
              "itself (for example exports per resident standing in for trade support)."),
    "min-max": ("Min-max scale (0-100)", ("min-max",),
                "Each indicator rescaled so that the lowest region scores 0 and the highest 100. "
                "Scores are relative: they say how regions compare, not whether a target is met."),
    "z-score": ("z-score", ("z-score",), "How many standard deviations a region is above or "
                "below the average region."),
    "goalposts": ("Goalposts", ("goalposts",), "A rescaling against fixed lower and upper "
                  "reference values (the goalposts) instead of this year's lowest and highest "
                  "region, so scores can be compared over time."),
    "geometric-mean": ("Geometric mean", ("geometric mean",), "An average that multiplies "
                       "scores instead of adding them, so a very weak component cannot be fully "
                       "made up by a strong one."),
    "copeland": ("Copeland (pairwise wins)", ("Copeland",), "A way to combine components by "
                 "counting, for each pair of regions, on how many components one beats the "
                 "other; the region that wins most pairwise contests ranks first."),
    "winsorising": ("Winsorising", ("winsorising", "winsorise"), "Pulling the most extreme value "
                    "of an indicator in to the next most extreme one, so one region does not "
                    "squeeze everyone else's scores together."),
    "skew-kurtosis": ("Skew and kurtosis", ("skewness", "skew", "kurtosis"),
                      "Measures of how lopsided (skew) and how long-tailed (kurtosis) a set of "
                      "values is; high values flag extreme regions."),
    "imputation": ("Imputation", ("imputation",), "Filling in a missing value by a stated rule. "
                   "The default here is not to impute: a missing value stays missing."),
    "rank-interval": ("Likely range (5th-95th percentile)", ("likely range", "5th-95th percentile",
                                                             "90% range"),
                      "The ranks a region gets under 90% of the defensible methods sampled; the "
                      "narrower it is, the more the rank is a finding rather than a method choice."),
    "monte-carlo": ("Monte Carlo", ("Monte Carlo",), "Repeating a calculation many times with "
                    "inputs drawn at random, to see how much the result can vary."),
    "sobol": ("Sobol index (first-order and total)", ("total Sobol index", "Sobol' indices",
                                                      "Sobol index", "Sobol'", "Sobol"),
              "The share of the variation in a result (here a region's rank) due to one "
              "assumption: alone (first order) or including its combinations with other "
              "assumptions (total). 0 means the assumption does not matter; 1 that it explains "
              "all the variation."),
    "spearman": ("Spearman rank correlation", ("Spearman",), "How similar two orderings are: 1 "
                 "means the same order, 0 no relation, -1 the reverse order."),
    "cronbach": ("Cronbach's alpha", ("Cronbach's alpha", "Cronbach"), "How consistently a set "
                 "of indicators moves together, from 0 to 1; 0.7 or more is the usual sign that "
                 "they measure one thing."),
    "pca": ("First principal component", ("first principal component", "principal component"),
            "The single common pattern that explains the largest share of the variation across "
            "a set of indicators; its loadings show how much each indicator shares in it."),
    "gva": ("GVA (gross value added)", ("GVA",), "The value of the goods and services an area "
            "produces, less what was used up producing them: the usual measure of the size of "
            "a local economy."),
    "discount-rate": ("Discount rate and present value", ("discount rate", "present value"),
                      "A pound in the future is worth less than a pound today; discounting at a "
                      "rate (the Green Book uses 3.5% a year) turns future sums into today's "
                      "money, their present value."),
    "newey-west": ("Newey-West standard errors", ("Newey-West",), "A way of measuring the "
                   "uncertainty of a trend that allows one year's deviation from the trend to "
                   "carry into the next."),
    "hc3": ("HC3 (robust) standard errors", ("HC3", "heteroskedasticity-robust"),
            "A way of measuring uncertainty that does not assume every region's figures are "
            "equally noisy; suits small samples such as twelve regions."),
    "beta-convergence": ("Beta convergence", ("beta convergence",), "Whether regions that "
                         "started lower grew faster, so that they catch up."),
    "sigma-convergence": ("Sigma convergence", ("sigma convergence",), "Whether the spread "
                          "between regions has narrowed over time."),
    "confidence-interval": ("Confidence interval", ("confidence interval", "95% CI"),
                            "The range within which the true value plausibly lies, given the "
                            "data; 95% is the usual level."),
    "p-value": ("p-value", ("p-value",), "How surprising a result would be if there were no "
                "real effect; below 0.05 is the usual sign that an effect is real."),
    "itl1": ("ITL1 region", ("ITL1",), "The twelve nations and regions of the UK used in "
             "official statistics (International Territorial Levels, level 1)."),
}


def _a(href: str, text: str, current: bool = False) -> str:
    if current:
        return f"<span class='ldi-here' aria-current='page'>{_e(text)}</span>"
    return f"<a href='{_e(href)}'>{_e(text)}</a>"


def site_nav(current: str, pages: list[dict], regions: list[tuple[str, str]],
             data=None) -> str:
    """The header of a page: back to the index, previous/next region, analysis pages, glossary.

    Parameters
    ----------
    current : str
        The page's path relative to the output folder (``reports/report_wales.html``).
    pages : list of dict
        Analysis pages as ``{"html": path, "title": text}`` (paths relative to the output folder).
    regions : list of (name, path)
        Briefings in the edition's order of units (only those that exist).
    data : LDIData, optional
        The edition, for its unit word (default: "region").

    Returns
    -------
    str
        A ``<nav>`` element; every text is escaped.
    """
    up = "../" * current.count("/")
    unit, units = "region", "regions"
    if data is not None:
        w = unit_words(data)
        unit, units = w["unit"], w["units"]
    parts = [f"<nav class='ldi-nav' aria-label='Site'>",
             _a(up + "index.html", f"All {units} and reports (index)", current == "index.html")]
    paths = [p for _, p in regions]
    if current in paths:
        i = paths.index(current)
        if i > 0:
            parts.append(_a(up + paths[i - 1], f"\u2190 Previous {unit}: {regions[i - 1][0]}"))
        if i < len(paths) - 1:
            parts.append(_a(up + paths[i + 1], f"Next {unit}: {regions[i + 1][0]} \u2192"))
    if pages:
        parts.append("<details><summary>Analysis pages</summary> "
                     + " ".join(_a(up + p["html"], p["title"], p["html"] == current)
                                for p in pages) + "</details>")
    parts.append(_a(up + GLOSSARY_PAGE, "Glossary", current == GLOSSARY_PAGE))
    parts.append("</nav>")
    return "".join(parts)


#: Where the glossary is written, relative to the output folder.
GLOSSARY_PAGE = "glossary.html"


def link_glossary_terms(markdown: str, prefix: str, seen: set[str]) -> str:
    """Markdown with the first use on a page of each glossary term linked to its entry.

    Parameters
    ----------
    markdown : str
    prefix : str
        Path from the page to the output folder (``"../"`` for pages in a sub-folder).
    seen : set of str
        Anchors already linked on this page (updated).
    """
    import re

    for anchor, (_, words, _) in GLOSSARY.items():
        if anchor in seen:
            continue
        for word in words:
            pat = re.compile(r"(?<![\w\[/#-])(" + re.escape(word) + r")(?![\w\]])",
                             re.IGNORECASE)
            # never inside an existing link or code span
            spans = [(m.start(), m.end()) for m in re.finditer(r"\[[^\]]*\]\([^)]*\)|`[^`]*`",
                                                               markdown)]
            m = next((m for m in pat.finditer(markdown)
                      if not any(a <= m.start() < b for a, b in spans)), None)
            if m:
                markdown = (markdown[:m.start()] + f"[{m.group(1)}]({prefix}{GLOSSARY_PAGE}"
                            f"#{anchor})" + markdown[m.end():])
                seen.add(anchor)
                break
    return markdown


def page_head(title: str) -> str:
    """The ``<head>`` of a workbench page: charset, viewport, title, style (nothing external)."""
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_e(title)}</title><style>{_CSS}{READER_CSS}{UNIT_TABLE_CSS}</style></head>")


def write_glossary_page(path: Path, nav: str = "", data=None) -> Path:
    """Write the glossary: every term of art the pages use, in plain English (atomically).

    With ``data`` (an edition other than the LDI's) the entries speak of its units
    (:func:`~ldi_helpers.data.geography.in_edition_words`) and the ITL1 entry is left out.
    """
    from ..data.geography import in_edition_words

    ldi = data is None or data.has_ldi_tables
    rows = sorted(((a, v) for a, v in GLOSSARY.items() if ldi or a != "itl1"),
                  key=lambda kv: kv[1][0].casefold())

    def words(text: str) -> str:
        return text if data is None else in_edition_words(text, data)
    body = "".join(f"<dt id='{_e(a)}'>{_e(words(term))}</dt><dd>{_e(words(text))}</dd>"
                   for a, (term, _, text) in rows)
    title = ("Local Digital Index workbench" if ldi else
             f"{data.edition.get('name') or 'workbench'}")
    page = (page_head(f"Glossary: {title}") + "<body>" + nav
            + "<main><h1>Glossary</h1><p>The terms of art used on these pages, in plain "
            "English.</p><dl class='ldi-glossary'>" + body + "</dl></main></body></html>")
    return _write_atomic(path, page)


def _write_atomic(path: Path, text: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


#: The run's tables as one Excel workbook, relative to the output folder.
WORKBOOK = "ldi_figures.xlsx"


def workbook_tables(executed: list[tuple[str, Path]]) -> list[tuple[str, str, "object"]]:
    """Every table the pages displayed, read from the executed notebooks' output metadata.

    Parameters
    ----------
    executed : list of (page title, executed notebook path)

    Returns
    -------
    list of (page title, table caption, DataFrame)
    """
    import nbformat
    import pandas as pd

    from .display import TABLE_KEY

    found = []
    for title, nb_path in executed:
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            if "remove-cell" in cell.metadata.get("tags", []):
                continue
            for out in cell.get("outputs", []):
                meta = (out.get("metadata") or {}).get(TABLE_KEY)
                if meta and meta.get("csv"):
                    df = pd.read_csv(io.StringIO(meta["csv"]), dtype=str, keep_default_na=False)
                    found.append((title, meta.get("caption") or "", df))
    return found


def write_workbook(executed: list[tuple[str, Path]], path: Path) -> Path | None:
    """Write every table of a run to one Excel workbook (a contents sheet, then one per table).

    Numbers are written as numbers where the text is one; the file is written atomically.
    Returns None when the run displayed no table.
    """
    import pandas as pd

    tables = workbook_tables(executed)
    if not tables:
        return None
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}.xlsx")
    contents, used = [], set()
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        for k, (title, caption, df) in enumerate(tables, start=1):
            sheet = f"T{k:03d}"
            used.add(sheet)
            contents.append({"sheet": sheet, "page": title, "table": caption})
            num = df.apply(lambda col: pd.to_numeric(col.str.replace(",", ""), errors="coerce")
                           .where(col != "", None) if col.str.replace(",", "")
                           .str.fullmatch(r"-?\d+(\.\d+)?|").all() else col)
            num.to_excel(xl, sheet_name=sheet, index=False)
        pd.DataFrame(contents).to_excel(xl, sheet_name="Contents", index=False)
        xl.book.move_sheet("Contents", offset=-len(tables))
    os.replace(tmp, path)
    return path
