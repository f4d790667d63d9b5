"""District reports: subset ranks, honest coverage, local comparisons, the index page's table
of many units and the regional briefing's district section."""
from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pytest

from ldi_helpers.analysis.local_ranks import (nominal_rank_within, rank_of_within, rank_within,
                                              subset_interval)
from ldi_helpers.data.load import REPO_ROOT, load_data

LAD = REPO_ROOT / "data" / "editions" / "lad"


# --------------------------------------------------------------------------- subset ranks
def test_rank_within_known_answer():
    ranks = np.array([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [2, 2, 1, 5, np.nan]], dtype=float)
    got = rank_within(ranks, list("abcde"), ["b", "d", "e", "zz"])
    # sample 1: b<d<e; sample 2: e<d<b; sample 3: b (2) < d (5), e not ranked
    np.testing.assert_array_equal(got, [[1, 2, 3], [3, 2, 1], [1, 2, np.nan]])


def test_rank_within_ties_share_the_better_rank():
    got = rank_within(np.array([[2.5, 2.5, 1.0]]), ["a", "b", "c"], ["a", "b"])
    np.testing.assert_array_equal(got, [[1, 1]])


def test_subset_interval_known_answer():
    # unit "a" among {a, b}: ranks 1 in 19 samples, 2 in 1 sample -> 5-95% = 1..1; with 2 of 20
    # at rank 2 the 95th percentile is 2
    r = np.array([[1, 2]] * 19 + [[2, 1]], dtype=float)
    assert subset_interval(r, ["a", "b"], ["a", "b"], "a") == {"lo": 1, "hi": 1, "median": 1,
                                                                 "n": 20}
    r2 = np.array([[1, 2]] * 18 + [[2, 1]] * 2, dtype=float)
    assert subset_interval(r2, ["a", "b"], ["a", "b"], "a")["hi"] == 2
    assert subset_interval(r2, ["a", "b"], ["b"], "a") is None


def test_one_members_rank_equals_its_column_of_rank_within():
    # the briefing computes one member's column only; it must equal rank_within's column on
    # ties, unranked samples (NaN) and members missing from the units
    rng = np.random.default_rng(7)
    ranks = rng.integers(1, 9, size=(200, 12)).astype(float)
    ranks[rng.random(ranks.shape) < 0.1] = np.nan
    units = [f"u{i}" for i in range(12)]
    subset = ["u3", "u0", "zz", "u7", "u11", "u5"]
    full = rank_within(ranks, units, subset)
    members = [s for s in subset if s in units]
    for j, code in enumerate(members):
        np.testing.assert_array_equal(rank_of_within(ranks, units, subset, code), full[:, j])
    assert rank_of_within(ranks, units, subset, "u1") is None  # not in the subset
    assert rank_of_within(ranks, units, subset, "zz") is None  # not among the units


def test_nominal_rank_within():
    import pandas as pd

    s = pd.Series({"a": 10.0, "b": 3.0, "c": np.nan, "d": 40.0})
    assert nominal_rank_within(s, ["a", "b", "c", "d"], "a") == (2, 3)


def test_rank_within_names_a_shape_mismatch():
    from ldi_helpers.errors import LDIError

    with pytest.raises(LDIError, match="2 unit codes for 3 columns"):
        rank_within(np.ones((2, 3)), ["a", "b"], ["a"])


# --------------------------------------------------------------------------- district briefing
@pytest.fixture(scope="module")
def lad():
    return load_data(LAD)


@pytest.fixture(scope="module")
def briefings(lad, tmp_path_factory):
    """Newcastle upon Tyne and Belfast, sharing one small Monte Carlo sample (cached)."""
    from ldi_helpers.report.briefing import build_briefing

    import warnings

    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)   # no overflow anywhere in the engine
        mp.setenv("LDI_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        return {a: build_briefing(lad, a, n_samples=64, sobol_n=0, seed=7)
                for a in ("Newcastle upon Tyne", "Belfast")}


@pytest.mark.parametrize("area,region", [("Newcastle upon Tyne", "North East"),
                                         ("Belfast", "Northern Ireland")])
def test_district_briefing_coverage_and_comparisons(briefings, lad, area, region):
    from ldi_helpers.report.local import comparison_sentences, local_text

    b = briefings[area]
    L = b.local
    cov = L["coverage"].set_index("component")
    for comp in ("Research & Innovation", "Finance & Investment", "Trade Support",
                 "Data Ecosystems", "Collaboration & Coordination"):
        assert cov.at[comp, "status"] == "not measured at district level"
        assert "Nothing is filled in from the region" in cov.at[comp, "sentence"]
    assert cov.at["Digital Infrastructure", "status"] == "measured"
    comp = L["comparisons"]
    assert list(comp["comparison"]) == ["nationally", f"within {region}",
                                        comp["comparison"].iloc[2]]
    assert comp["comparison"].iloc[2].startswith("within its peer group (")
    n_ranked = int(b.index.ranks.notna().sum())
    assert comp["of"].iloc[0] == n_ranked == 360  # Isles of Scilly is screened out
    a = lad.areas.set_index("area_code")
    assert comp["of"].iloc[1] == (a["itl1_code"] == a.at[b.region.code, "itl1_code"]).sum()
    assert comp["rank"].iloc[0] == b.rank
    for r in comp.itertuples():
        assert 1 <= r.lo <= r.hi <= r.of
    assert b.rank_interval["lo"] == comp["lo"].iloc[0] and b.rank_interval["hi"] == comp["hi"].iloc[0]
    assert "residents" in comp["definition"].iloc[2] and "quartiles" in comp["definition"].iloc[2]
    sentences = comparison_sentences(b.region.name, comp)
    assert len(sentences) == 3 and all(s.startswith(f"{area} ranks ") for s in sentences)
    rc = L["region_context"]
    assert rc is not None and set(rc["region"]) == {region}
    assert "Digital Infrastructure" not in set(rc["component"])  # only the unmeasured ones
    assert f"{region} (region)" in local_text(b.region.name, L)


def test_northern_ireland_district_is_told_what_happened_to_skills(briefings):
    cov = briefings["Belfast"].local["coverage"].set_index("component")
    s = cov.at["Digital Skills", "sentence"]
    assert cov.at["Digital Skills", "status"] == "no value for this local authority"
    assert "no local authority of its region has one" in s
    assert "left out of Belfast's score" in s and "nothing is taken from the region" in s
    eng = briefings["Newcastle upon Tyne"].local["coverage"].set_index("component")
    assert eng.at["Digital Skills", "status"] == "measured"


def test_ldi_briefing_has_no_local_section():
    from ldi_helpers.report.briefing import build_briefing

    b = build_briefing(load_data(), "North East", n_samples=0, sobol_n=0)
    assert b.local is None


# --------------------------------------------------------------------------- regional section
def test_regional_briefing_district_section():
    from ldi_helpers.report.local import district_sentence, district_table

    from ldi_helpers.report.local import district_section

    s = district_section(load_data(), "TLC")
    assert s["n_members"] == 12 and s["n_ranked"] == 12 and s["n_national"] == 360
    assert list(s["best"]["rank"]) == sorted(s["best"]["rank"])
    assert s["best"]["rank"].iloc[0] == s["spread"]["best_rank"]
    assert s["weakest"]["rank"].iloc[0] == s["spread"]["worst_rank"]
    assert s["spread"]["min"] <= s["spread"]["median"] <= s["spread"]["max"]
    assert set(s["tiles"]["itl1_code"]) == {"TLC"}
    text = district_sentence("North East", s)
    assert text.startswith("12 of North East's 12 local authorities are ranked")
    assert "not measured at district level" in s["coverage"]
    assert len(district_table(s)) == 2 * len(s["best"])


def test_regional_district_section_skipped_without_district_edition(tiny_data_dir):
    from ldi_helpers.report.local import district_section

    assert district_section(load_data(tiny_data_dir), "TLC") is None


def test_district_map_has_a_description():
    import matplotlib.pyplot as plt

    from ldi_helpers.report.local import district_map, district_section
    from ldi_helpers.report.display import figure_alt as get_alt

    fig = district_map(district_section(load_data(), "TLC"), "North East")
    try:
        alt = get_alt(fig)
    finally:
        plt.close(fig)
    assert "local authority districts of North East" in alt and "Strongest" in alt


def test_many_tile_map_draws_the_same_hexagons_as_one_patch_each():
    """A map of more than MAX_LABELLED_TILES units draws its tiles as one collection: the same
    hexagon corners and colours RegularPolygon draws, grey without a value, the highlighted
    tile a separate patch with a black edge."""
    import matplotlib
    import matplotlib.pyplot as plt
    import pandas as pd
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import RegularPolygon

    from ldi_helpers.report import plots

    n = plots.MAX_LABELLED_TILES + 10
    tiles = pd.DataFrame({"area_code": [f"A{i:02d}" for i in range(n)],
                          "name": [f"Area {i}" for i in range(n)],
                          "tile_q": [i % 8 for i in range(n)], "tile_r": [i // 8 for i in range(n)]})
    values = pd.Series(np.linspace(0, 100, n), index=tiles["area_code"])
    values.iloc[5] = np.nan
    fig = plots.plot_tile_map(values, "t", "score", "src", tiles=tiles, highlight="A07")
    try:
        ax = fig.axes[0]
        (coll,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
        (hl,) = [p for p in ax.patches if isinstance(p, RegularPolygon)]
        pos = plots._tile_positions(tiles)
        others = [c for c in tiles["area_code"] if c != "A07"]
        assert len(coll.get_paths()) == n - 1
        norm = matplotlib.colors.Normalize(np.nanmin(values), np.nanmax(values))
        for code, path, face in zip(others, coll.get_paths(), coll.get_facecolors()):
            ref = RegularPolygon(pos[code], numVertices=6, radius=plots.HEX_RADIUS, orientation=0)
            corners = ref.get_patch_transform().transform(ref.get_path().vertices[:6])
            np.testing.assert_allclose(path.vertices[:6], corners, atol=1e-12)
            v = values[code]
            want = plt.get_cmap("viridis")(norm(v)) if np.isfinite(v) else \
                matplotlib.colors.to_rgba("#d9d9d9")
            np.testing.assert_allclose(face, want, atol=1e-12)
        assert hl.xy == pytest.approx(pos["A07"])
        assert matplotlib.colors.to_hex(hl.get_edgecolor()) == "#000000"
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- index page
class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.table_rows, self.scripts, self.in_units, self.row, self.cell = [], [], False, None, None
        self.script = None
        self.external = []
        self.input = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "ldi-units":
            self.in_units = True
        if tag in ("script", "img", "link") and (a.get("src", "").startswith("http")
                                                 or a.get("href", "").startswith("http")):
            self.external.append(a)
        if tag == "script":
            self.script = ""
        if tag == "input":
            self.input = a
        if self.in_units and tag == "tr":
            self.row = []
        if self.in_units and tag in ("td", "th") and self.row is not None:
            self.cell = [a, ""]

    def handle_endtag(self, tag):
        if tag == "script" and self.script is not None:
            self.scripts.append(self.script)
            self.script = None
        if tag == "table":
            self.in_units = False
        if self.in_units and tag in ("td", "th") and self.cell is not None:
            self.row.append(tuple(self.cell))
            self.cell = None
        if self.in_units and tag == "tr" and self.row is not None:
            self.table_rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.script is not None:
            self.script += data
        if self.cell is not None:
            self.cell[1] += data


def test_index_page_has_a_searchable_sortable_table_escaped(lad, tmp_path):
    from ldi_helpers.report.site import write_index_page

    lad.areas.loc[lad.areas["area_code"] == "E08000021", "name"] = "Newcastle <b>&</b> 'Tyne'"
    manifest = {"run_id": "r1", "git_commit": "abc", "data_dir": str(LAD), "jobs": []}
    page = write_index_page(tmp_path / "index.html", manifest, data=lad).read_text()
    p = _Cells()
    p.feed(page)
    head, rows = p.table_rows[0], p.table_rows[1:]
    assert [c[1] for c in head][:4] == ["Local authority", "Region", "Peer group", "Rank"]
    assert len(rows) == 361
    names = [r[0][1] for r in rows]
    assert "Newcastle <b>&</b> 'Tyne'" in names  # shown as text: escaped in the page
    assert "<b>&</b>" not in page and "Newcastle &lt;b&gt;&amp;&lt;/b&gt; &#x27;Tyne&#x27;" in page
    ranks = [r[3][0].get("data-v") for r in rows]
    assert ranks[0] == "1" and ranks[-1] == ""  # the unranked district last, "n/a"
    assert all(v.isdigit() for v in ranks[:-1])
    assert [int(v) for v in ranks[:-1]] == sorted(int(v) for v in ranks[:-1])
    assert p.input and p.input.get("type") == "search"
    js = "".join(p.scripts)
    assert "ldi-units" in js and "parseFloat" in js and "localeCompare" in js
    assert not p.external and "<script src" not in page
    assert "Hex map of the local authorities" in page


def test_index_page_of_few_units_keeps_the_plain_table():
    from ldi_helpers.report.site import write_index_page
    import tempfile
    from pathlib import Path

    manifest = {"run_id": "r1", "git_commit": "abc", "jobs": []}
    with tempfile.TemporaryDirectory() as d:
        page = write_index_page(Path(d) / "index.html", manifest).read_text()
    assert "ldi-units" not in page.split("</style>", 1)[1] and "<script" not in page


# --------------------------------------------------------------------------- committed variants
def test_variants_are_registered_valid_and_collected():
    import nbformat

    from ldi_helpers.run.notebooks import NOTEBOOKS, VARIANTS, check_parameters

    assert {"district_briefing", "district_index"} <= set(VARIANTS)
    for v in VARIANTS.values():
        check_parameters(NOTEBOOKS[v.source].path, v.parameters)
        assert v.path.is_file(), f"{v.filename} missing: run `ldi notebooks refresh {v.name}`"
        nb = nbformat.read(v.path, as_version=4)
        inj = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(inj) == 1 and "data/editions/lad" in inj[0].source
        assert (v.path.parent / v.parameters["data_dir"]).resolve() == LAD.resolve()
        assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
            f"{v.filename} is not executed: run `ldi notebooks refresh {v.name}`"


def test_write_variant_injects_parameters(tmp_path, monkeypatch):
    import nbformat

    import ldi_helpers.run.notebooks as nbm

    v = nbm.NotebookVariant("x", "regional_report", "districts/x.ipynb",
                            {"area": "Belfast", "n_samples": 8})
    monkeypatch.setattr(nbm, "NOTEBOOK_DIR", tmp_path)
    monkeypatch.setattr(nbm.NotebookInfo, "path", property(
        lambda self: REPO_ROOT / "notebooks" / self.filename))
    nb = nbformat.read(nbm.write_variant(v), as_version=4)
    inj = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])][0]
    assert "area = 'Belfast'" in inj.source and "n_samples = 8" in inj.source
    assert nb.cells[0].source.startswith("# Belfast: digital ecosystem briefing")


def test_a_unit_the_screen_leaves_out_gets_a_briefing_without_a_rank():
    """The Isles of Scilly has 4 of 7 district indicators (57% < the 65% area screen): it is not
    ranked, so its briefing says why, shows its own published values, and gives no rank, range,
    strengths or sensitivity; `ldi run` still plans a briefing for it (361 in all)."""
    import numpy as np

    from ldi_helpers.method.index import build_index
    from ldi_helpers.report.briefing import (assumptions_sentence, build_briefing,
                                             improvement_sentence, key_figures, region_profile)
    from ldi_helpers.run.runner import plan_jobs

    lad = load_data(LAD)
    code = "E06000053"
    assert code not in build_index(lad, {}).ranks.dropna().index
    b = build_briefing(lad, "Isles of Scilly", n_samples=8, sobol_n=0)
    assert b.rank is None and not b.is_ranked and b.rank_interval is None
    assert b.headline() == ("Isles of Scilly is not ranked under this method: it has data for 57% "
                            "of the indicators, below the 65% the method asks of every local "
                            "authority.")
    # its own values are the published ones (the screened index does not hold them)
    vals = lad.values[(lad.values.area_code == code)]
    for ind, v in b.own_values.items():
        period = b.index.meta.at[ind, "period"]
        pub = vals[(vals.indicator_id == ind) & (vals.period.astype(str) == str(period))]["value"]
        if len(pub):
            assert v == pytest.approx(float(pub.iloc[0]), rel=1e-12)
        else:
            assert np.isnan(v)
    assert int(np.isfinite(b.own_values.to_numpy()).sum()) == 4
    prof = region_profile(lad, b.index, code, own=b.own_values)
    assert prof["value"].notna().sum() == 4
    # the what-if is stated as another method, and is that method's rank
    alt = build_index(lad, {"area_coverage": 0.57})
    assert b.what_if == {"area_coverage": 0.57, "rank": int(alt.ranks[code]),
                         "of": int(alt.ranks.notna().sum())}
    imp = improvement_sentence(b)
    assert "needs data on at least 65% of the indicators" in imp and "what-if" in imp
    assert "not ranked" in key_figures(b)["value"].iloc[0]
    assert "no rank under this method" in assumptions_sentence(b)
    assert "no range of ranks" in b.interval_note()
    # coverage: skills and adoption have no value there; nothing is said about a score
    cov = b.local["coverage"].set_index("component")
    assert cov.loc["Digital Skills", "status"].startswith("no value")
    assert cov.loc["Digital Infrastructure", "status"] == "measured"
    assert "score" not in cov.loc["Digital Skills", "sentence"]
    assert b.local["comparisons"].empty
    jobs = plan_jobs({}, None, include_analysis=False, data=lad)
    assert len(jobs) == 361 and "Isles of Scilly" in {j.title for j in jobs}


def test_workbook_holds_the_analysis_pages_only_for_hundreds_of_briefings(tmp_path):
    """361 briefings would make a workbook of thousands of sheets: the index page says the
    workbook holds the analysis pages and the briefings keep their CSV downloads."""
    from ldi_helpers.report.site import write_index_page

    manifest = {"run_id": "r1", "git_commit": "abc", "jobs": [], "workbook": "ldi_figures.xlsx",
                "workbook_scope": "analysis"}
    page = write_index_page(tmp_path / "index.html", manifest, data=load_data(LAD)).read_text()
    assert "the analysis figures as an Excel workbook" in page
    assert "each briefing offers its own tables as CSV files" in page
    manifest["workbook_scope"] = "all"
    page = write_index_page(tmp_path / "index.html", manifest, data=load_data(LAD)).read_text()
    assert "all figures of this run as an Excel workbook" in page


def test_prewarm_editions_fills_the_memos_a_briefing_reads():
    from ldi_helpers.report import local

    local._EDITION_INDEX.clear()
    local.prewarm_editions(REPO_ROOT / "data")
    assert [k[0] for k in local._EDITION_INDEX] == [str(LAD.resolve())]
    local._EDITION_INDEX.clear()
    local.prewarm_editions(LAD)  # a district edition: the ITL1 edition above it
    assert [k[0] for k in local._EDITION_INDEX] == [str((REPO_ROOT / "data").resolve())]
