"""The reader-facing index page (``outputs/index.html``) that links every report of a run."""
from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path

from .geography import REGIONS
from .provenance import OGL_ATTRIBUTION, RECONSTRUCTION_NOTE

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:980px;margin:2em auto;
padding:0 1em;color:#1b1b1b;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em} h2{margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.95em} th,td{padding:.35em .6em;
border-bottom:1px solid #e5e5e5;text-align:left} th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.fail{color:#a40000} .note{color:#555;font-size:.9em} .grid{display:flex;gap:2em;flex-wrap:wrap}
.grid>div{flex:1 1 380px} img{max-width:100%}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _rank_table_and_map(spec_overrides: dict | None = None, data_dir=None) -> tuple[dict, str]:
    """Ranks under the run's spec (ITL1 code -> rank) and a base64 tile map of them."""
    try:
        import matplotlib.pyplot as plt

        from .index import build_index
        from .load import load_data
        from .plots import plot_tile_map
        from .spec import default_spec
    except ImportError:
        return "", ""
    data = load_data(data_dir)
    result = build_index(data, spec_overrides or default_spec())
    ranks = result.ranks
    fig = plot_tile_map(ranks, "LDI rank (open reconstruction, 1 = strongest)", "rank",
                        "workbench index built from ONS, Ofcom, HESA and other open data",
                        cmap="viridis", reverse=True, tiles=data.areas)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    img = base64.b64encode(buf.getvalue()).decode("ascii")
    return ranks.to_dict(), img


def write_index_page(path: Path, manifest: dict, intervals=None) -> Path:
    """Write the run's index page: tile map of ranks, table of regions, links, failures.

    Parameters
    ----------
    path : Path
    manifest : dict
        The run manifest (jobs, params, run id, commit).
    intervals : DataFrame, optional
        Rank intervals by ITL1 code (``rank_lo``, ``rank_hi``) computed by the run's reports;
        shown beside each rank when given.

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
    try:
        ranks, img = _rank_table_and_map((manifest.get("params") or {}).get("spec"),
                                         manifest.get("data_dir"))
        rank_note = ""
    except Exception as exc:  # noqa: BLE001 - the page must still link what did run
        ranks, img = {}, ""
        rank_note = f"<p class='fail'>Ranks could not be computed: {_e(exc)}</p>"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Local Digital Index workbench: reports</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Local Digital Index workbench</h1>",
        f"<p>{_e(RECONSTRUCTION_NOTE)} Each region's rank is shown with its uncertainty in the "
        "reports; growth figures are scenarios with stated assumptions.</p>",
    ]
    if failures:
        parts.append("<h2>Reports that failed</h2><ul>")
        for j in failures:
            cell = f" (code cell {j['failed_cell']})" if j.get("failed_cell") else ""
            parts.append(f"<li class='fail'>{_e(j['notebook'])} [{_e(j['output'])}]{cell}: "
                         f"{_e(j['error'])}</li>")
        parts.append("</ul>")
    parts.append("<div class='grid'><div><h2>Regional briefings</h2><table>"
                 "<tr><th>Region</th><th class='num'>Rank</th>"
                 + ("<th>Likely range (5th-95th percentile)</th>" if intervals is not None else "")
                 + "<th>Briefing</th></tr>")
    ordered = sorted(REGIONS, key=lambda r: (ranks.get(r.itl1_code, 99), r.name))
    for region in ordered:
        job = reports.get(region.name)
        link = (f"<a href='{_e(job['html'])}'>read</a>" if job and job["ok"]
                else ("<span class='fail'>failed</span>" if job else "not run"))
        if job:
            link += made_by(job)
        rank = ranks.get(region.itl1_code)
        rank_txt = f"{int(rank)}" if rank is not None and rank == rank else "n/a"
        rng = ""
        if intervals is not None and region.itl1_code in intervals.index:
            lo = int(intervals.loc[region.itl1_code, "rank_lo"])
            hi = int(intervals.loc[region.itl1_code, "rank_hi"])
            rng = f"<td>{lo}" + (f" to {hi}" if hi != lo else "") + "</td>"
        elif intervals is not None:
            rng = "<td>n/a</td>"
        parts.append(f"<tr><td>{_e(region.name)}</td><td class='num'>{rank_txt}</td>{rng}"
                     f"<td>{link}</td></tr>")
    parts.append("</table></div>")
    if img:
        parts.append(f"<div><h2>Ranks on the map</h2><img alt='Tile map of LDI ranks' "
                     f"src='data:image/png;base64,{img}'></div>")
    if intervals is not None and "n_samples" in getattr(intervals, "attrs", {}):
        from .uncertainty import share_phrase

        n = int(intervals.attrs["n_samples"])
        t = float(intervals.attrs.get("any_tie_share", 0.0))
        rank_note += (f"<p class='note'>Likely range: the ranks that hold 90% of the {n:,} "
                      "methods sampled in the uncertainty analysis (the same sample as the "
                      "sensitivity page). "
                      + (f"At least two regions share a rank {_e(share_phrase(t, n))}; tied "
                         "regions share the better rank, so the better end of a range can be "
                         "optimistic." if t > 0 else "No sampled method gives two regions the "
                         "same rank.") + "</p>")
    parts.append("</div>" + rank_note)
    parts.append("<h2>Analysis</h2><ul>")
    for j in analyses:
        title = j.get("title") or j["output"]
        if j["ok"]:
            parts.append(f"<li><a href='{_e(j['html'])}'>{_e(title)}</a>{made_by(j)}</li>")
        else:
            parts.append(f"<li class='fail'>{_e(title)}: failed{made_by(j)}</li>")
    parts.append("</ul>")
    parts.append(
        f"<h2>About this run</h2><p class='note'>Run {_e(manifest['run_id'])}, code "
        f"{_e(manifest['git_commit'])}."
        + (f" This folder also holds outputs of {len(manifest['runs']) - 1} earlier run(s), "
           "marked beside each link." if several else "")
        + " The full record (method specification, scenario, data "
        f"hashes, package versions, timings) is in <a href='manifest.json'>manifest.json</a>.</p>"
        f"<p class='note'>{_e(OGL_ATTRIBUTION)} Other sources and their licences are listed in "
        "each report.</p></body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    os.replace(tmp, path)
    return path
