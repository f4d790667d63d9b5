"""Editions (docs/EDITIONS.md): any framework, any places, loaded and validated as data.

Loads the shipped editions (the LDI ``data/``, ``tests/editions/toy3``, ``tests/editions/coinr_asem``)
and checks that each kind of broken edition gives one line naming the file, the row and the fix.
"""
from __future__ import annotations

import math
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ldi_helpers.data.components import COMPONENTS
from ldi_helpers.errors import DataValidationError
from ldi_helpers.data.load import REPO_ROOT, load_data

EDITIONS = Path(__file__).resolve().parent / "editions"
TOY3 = EDITIONS / "toy3"
ASEM = EDITIONS / "coinr_asem"
ASEM_REFERENCE = (REPO_ROOT / ".." / "shared" / "data" / "reference" / "coinr_asem").resolve()

sys.path.insert(0, str(EDITIONS))
from make_asem_edition import make_edition  # noqa: E402
from toy3_expected import toy3_expected  # noqa: E402


# --- the shipped editions load ------------------------------------------------------------
def test_toy3_loads_with_levels_weights_and_defaults():
    data = load_data(TOY3)
    fw = data.framework.set_index("aggregate_id")
    assert list(data.framework.columns[:5]) == ["aggregate_id", "name", "parent", "weight", "level"]
    assert fw["level"].to_dict() == {"toy": 4, "econ": 3, "social": 3, "wealth": 2, "trade": 2,
                                     "health": 2}
    assert fw["level"].dtype == "int64" and fw["weight"].dtype == "float64"
    assert fw.at["toy", "parent"] == "" and data.root == "toy"
    assert fw.at["trade", "weight"] == 3.0 and fw.at["econ", "weight"] == 2.0
    assert data.components == {"wealth": "Wealth", "trade": "Trade", "health": "Health"}
    ind = data.indicators.set_index("indicator_id")
    assert ind.at["income", "component"] == "wealth"  # read from the `parent` column
    assert ind.at["income", "weight"] == 2.0 and ind.at["gdp", "weight"] == 1.0
    assert ind.at["tariffs", "direction"] == -1
    assert ind.at["doctors", "normalisation"] == "rank" and ind.at["gdp", "normalisation"] == ""
    assert set(ind["default_period"]) == {"2022"}  # the latest period with a value
    assert ind.at["gdp", "is_proxy"] == "false"
    assert data.edition == {
        "name": "Toy edition, six made-up countries", "index_name": "Toy Index",
        "unit_word": "country", "unit_word_plural": "countries", "geography": "country",
        "description": data.edition["description"],
        "attribution": "Made-up numbers for tests; not statistics."}
    assert data.area_codes == ["AV", "BO", "CA", "DO", "EL", "FR"]
    assert set(data.areas["geography"]) == {"country"}  # default from edition.yaml
    assert list(data.areas["group"]) == ["North"] * 3 + ["South"] * 3
    assert data.values.loc[data.values.area_code == "EL", "area_name"].iloc[0] == "Elbonia"
    for table in ("population", "ict_panel", "published", "headlines", "sources"):
        assert getattr(data, table) is None


def test_toy3_indicator_matrix_has_the_editions_units_and_the_gap():
    m = load_data(TOY3).indicator_matrix()
    assert list(m.index) == ["AV", "BO", "CA", "DO", "EL", "FR"]
    assert list(m.columns) == ["gdp", "income", "exports", "tariffs", "life", "doctors"]
    assert math.isnan(m.at["DO", "income"]) and m.notna().sum().sum() == 35
    assert m.at["DO", "tariffs"] == 4.5


def test_ldi_data_is_a_complete_edition():
    data = load_data(REPO_ROOT / "data")
    assert data.root == "ldi" and data.framework["level"].max() == 3
    assert data.components == COMPONENTS  # same ids, names and order as the package's list
    assert set(data.framework.loc[data.framework.level == 2, "parent"]) == {"ldi"}
    assert data.framework.set_index("aggregate_id").at["ldi", "name"] == "Local Digital Index"
    assert data.edition["unit_word_plural"] == "regions" and data.edition["geography"] == "ITL1"
    assert data.edition["name"] == "Local Digital Index, ITL1 nations and regions"
    groups = data.areas.set_index("area_code")["group"]
    assert (groups[["TLL", "TLM", "TLN"]] == "Nations").all()
    assert (groups.drop(["TLL", "TLM", "TLN"]) == "England").all()
    assert set(data.areas["geography"]) == {"ITL1"}
    assert set(data.indicators["weight"]) == {1.0}


def test_coinr_asem_edition_loads():
    data = load_data(ASEM)
    fw = data.framework
    assert len(data.areas) == 51 and data.root == "Index"
    assert fw["level"].value_counts().sort_index().to_dict() == {2: 8, 3: 2, 4: 1}
    scored = data.indicators[data.indicators.component != "context"]
    assert len(scored) == 49
    assert set(data.indicators.loc[data.indicators.component == "context", "indicator_id"]) == {
        "Area", "Energy", "GDP", "Population"}
    assert (scored.set_index("indicator_id").loc[["CO2", "Tariff", "NEET"], "direction"]
            == -1).all()
    assert set(data.values["period"]) == {"2018"}
    assert data.edition["unit_word"] == "country"
    assert set(data.areas["group"]) == {"Europe", "Asia"}


@pytest.mark.skipif(not (ASEM_REFERENCE / "iData.csv").is_file(),
                    reason="shared/data/reference/coinr_asem is absent")
def test_asem_edition_script_reproduces_the_committed_folder(tmp_path):
    out = make_edition(ASEM_REFERENCE, tmp_path / "asem")
    committed = sorted(p.relative_to(ASEM) for p in ASEM.rglob("*") if p.is_file())
    assert sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file()) == committed
    for rel in committed:
        assert (out / rel).read_bytes() == (ASEM / rel).read_bytes(), rel


# --- the expectation helper (for the engine's known-answer tests) --------------------------
def test_toy3_expected_matches_hand_computation():
    exp = toy3_expected()
    z, agg, ranks = exp["normalised"], exp["aggregates"], exp["ranks"]
    # min-max: gdp 10..60 -> 0..100; tariffs (direction -1) 2..12 -> 100..0
    assert z.loc["AV", "gdp"] == 0 and z.loc["FR", "gdp"] == 100
    assert z.loc["DO", "tariffs"] == pytest.approx(75) and z.loc["AV", "tariffs"] == 0
    # rank override: EL < BO = CA < AV < FR < DO -> ranks 1, 2.5, 2.5, 4, 5, 6
    assert z["doctors"].to_dict() == pytest.approx(
        {"AV": 60, "BO": 30, "CA": 30, "DO": 100, "EL": 0, "FR": 80})
    assert math.isnan(z.loc["DO", "income"])
    # Dorne: wealth = gdp only (income missing, its weight 2 dropped) = 60; trade = (40 + 75) / 2;
    # health = (100 + 100) / 2; econ = (1 * 60 + 3 * 57.5) / 4; index = (2 * econ + 1 * 100) / 3
    assert agg.loc["DO", "wealth"] == pytest.approx(60)
    assert agg.loc["DO", "trade"] == pytest.approx(57.5)
    assert agg.loc["DO", "econ"] == pytest.approx(58.125)
    assert agg.loc["DO", "toy"] == pytest.approx((2 * 58.125 + 100) / 3)
    # Avalon: wealth (1*0 + 2*0)/3 = 0, trade (100 + 0)/2 = 50, health (0 + 60)/2 = 30
    assert agg.loc["AV", "econ"] == pytest.approx(37.5)
    assert agg.loc["AV", "toy"] == pytest.approx(35)
    # Borduria: wealth (20 + 2*50)/3 = 40, trade (80 + 100)/2 = 90, econ (40 + 270)/4 = 77.5,
    # health (100/3 + 30)/2, index (155 + health)/3
    health_bo = (100 / 3 + 30) / 2
    assert agg.loc["BO", "toy"] == pytest.approx((2 * 77.5 + health_bo) / 3)
    assert list(agg.columns) == ["wealth", "trade", "health", "econ", "social", "toy"]
    assert exp["levels"] == {"toy": 4, "econ": 3, "social": 3, "wealth": 2, "trade": 2,
                             "health": 2}
    assert ranks.loc[agg["toy"].idxmax(), "toy"] == 1
    assert sorted(ranks["toy"]) == [1, 2, 3, 4, 5, 6]


def test_expectation_helper_reproduces_coinr_on_asem():
    """The same helper on the ASEM edition gives COINr's own results (so the helper's method is
    COINr's: min-max 0-100, weighted arithmetic mean skipping missing values, ranks "min")."""
    exp = toy3_expected(ASEM)
    ref = pd.read_csv(ASEM / "reference" / "minmax_amean_aggregated.csv").set_index("uCode")
    ours = pd.concat([exp["normalised"], exp["aggregates"]], axis=1)
    ref = ref.reindex(index=ours.index, columns=ours.columns)
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), rtol=1e-9, atol=1e-9)
    ranks = pd.read_csv(ASEM / "reference" / "minmax_amean_ranks.csv").set_index("uCode")
    np.testing.assert_array_equal(exp["ranks"][["Conn", "Sust", "Index"]].to_numpy(),
                                  ranks.reindex(ours.index).to_numpy())


# --- broken editions: one line naming file, row and fix -----------------------------------
@pytest.fixture
def edition(tmp_path: Path) -> Path:
    """A writable copy of toy3."""
    return Path(shutil.copytree(TOY3, tmp_path / "toy3"))


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _error(folder: Path) -> str:
    with pytest.raises(DataValidationError) as err:
        load_data(folder)
    msg = str(err.value)
    assert "\n" not in msg and "Fix: " in msg, msg
    return msg


BROKEN = {
    # name: (file, old text, new text, regex the one-line message must match)
    "unknown parent": ("framework.csv", "health,Health,social,1", "health,Health,socal,1",
                       r"framework\.csv: parent 'socal' of 'health' on line 7 is not an "
                       r"aggregate_id"),
    "cycle": ("framework.csv", "econ,Economy,toy,2", "econ,Economy,trade,2",
              r"framework\.csv: cycle econ -> trade -> econ \(line 3\)"),
    "self parent": ("framework.csv", "social,Society,toy,1", "social,Society,social,1",
                    r"framework\.csv: cycle social -> social"),
    "two roots": ("framework.csv", "social,Society,toy,1", "social,Society,,1",
                  r"framework\.csv: 2 roots: 'toy' \(line 2\), 'social' \(line 4\)"),
    "mixed levels": ("framework.csv", "trade,Trade,econ,3", "trade,Trade,toy,3",
                     r"framework\.csv: the children of 'toy' are on different levels: 'trade' "
                     r"\(line 6\) is level 2, 'econ' \(line 3\) is level 3"),
    "reserved context": ("framework.csv", "health,Health,social,1\n",
                         "health,Health,social,1\ncontext,Context,social,1\n",
                         r"framework\.csv: aggregate_id 'context' on line 8 is reserved"),
    "bad id": ("framework.csv", "wealth,Wealth", "we alth,Wealth",
               r"framework\.csv: invalid aggregate_id 'we alth' on line 5"),
    "duplicate aggregate": ("framework.csv", "health,Health,social,1\n",
                            "health,Health,social,1\nhealth,Health again,social,1\n",
                            r"framework\.csv: duplicate aggregate_id .*'health'.* on line 8 "
                            r"\(first on line 7\)"),
    "negative weight": ("framework.csv", "trade,Trade,econ,3", "trade,Trade,econ,-3",
                        r"framework\.csv: invalid weight -3 of 'trade' on line 6"),
    "non-numeric weight": ("framework.csv", "trade,Trade,econ,3", "trade,Trade,econ,three",
                           r"framework\.csv: non-numeric weight 'three' on line 6"),
    "empty weight": ("framework.csv", "trade,Trade,econ,3", "trade,Trade,econ,",
                     r"framework\.csv: empty 'weight' on line 6"),
    "all-zero sibling weights": ("framework.csv", "social,Society,toy,1", "social,Society,toy,0",
                                 None),  # set below (two edits)
    "indicator under a level-3 aggregate": (
        "indicators.csv", "life,Life expectancy,health", "life,Life expectancy,social",
        r"indicators\.csv: indicator 'life' on line 6 has parent 'social', which is a level-3 "
        r"aggregate"),
    "indicator parent unknown": (
        "indicators.csv", "gdp,GDP per head,wealth", "gdp,GDP per head,welth",
        r"indicators\.csv: invalid component 'welth' on line 2 \(indicator 'gdp': not an "
        r"aggregate_id of framework\.csv"),
    "indicator weights all zero": (
        "indicators.csv", "gdp,GDP per head,wealth,1,thousand USD,1,",
        "gdp,GDP per head,wealth,1,thousand USD,0,", None),
    "duplicate indicator": ("indicators.csv", "population,Population",
                            "gdp,Population", r"indicators\.csv: duplicate indicator_id"),
    "bad direction": ("indicators.csv", "tariffs,Mean tariff,trade,-1",
                      "tariffs,Mean tariff,trade,0",
                      r"indicators\.csv: invalid direction '?0'? on line 5 .*\+1 or -1"),
    "bad normalisation": ("indicators.csv", "per 1000 people,1,rank", "per 1000 people,1,ranking",
                          r"indicators\.csv: invalid normalisation 'ranking' on line 7"),
    "unit without name": ("areas.csv", "CA,Cascadia", "CA,",
                          r"areas\.csv: empty 'name' on line 4"),
    "duplicate unit": ("areas.csv", "BO,Borduria", "AV,Borduria",
                       r"areas\.csv: duplicate area_code .*'AV'.* on line 3 \(first on line 2\)"),
    "unknown unit in values": ("indicator_values.csv", "EL,gdp,2022", "XX,gdp,2022",
                               r"indicator_values\.csv: invalid area_code 'XX' on line 6 \(not "
                               r"an area_code of areas\.csv\)"),
    "unknown indicator in values": ("indicator_values.csv", "AV,life,2022", "AV,lives,2022",
                                    r"indicator_values\.csv: indicator\(s\) lives have values "
                                    r"but no metadata \(first on line 25\)"),
    "duplicate value row": ("indicator_values.csv", "BO,gdp,2022,20", "AV,gdp,2022,20",
                            r"indicator_values\.csv: duplicate area_code \+ indicator_id \+ "
                            r"period .* on line 3 \(first on line 2\)"),
    "non-numeric value": ("indicator_values.csv", "CA,gdp,2022,30", "CA,gdp,2022,thirty",
                          r"indicator_values\.csv: non-numeric value 'thirty' on line 4"),
    "non-finite value": ("indicator_values.csv", "CA,gdp,2022,30", "CA,gdp,2022,inf",
                         r"indicator_values\.csv: value 'inf' on line 4 is not a finite number"),
    "empty value": ("indicator_values.csv", "CA,gdp,2022,30", "CA,gdp,2022,",
                    r"indicator_values\.csv: empty 'value' on line 4"),
    "share above 100": ("indicator_values.csv", "AV,exports,2022,100", "AV,exports,2022,100.5",
                        r"indicator_values\.csv: value 100\.5 of exports for AV on line 13 is "
                        r"outside the plausible range 0 to 100"),
    "malformed period": ("indicator_values.csv", "CA,gdp,2022,", "CA,gdp,2022.0,",
                         r"indicator_values\.csv: invalid period '2022\.0' on line 4"),
}
BROKEN["all-zero sibling weights"] = (
    "framework.csv", "econ,Economy,toy,2", "econ,Economy,toy,0",
    r"framework\.csv: every weight of the aggregates under 'toy' is 0 \(lines 3, 4\)")
BROKEN["indicator weights all zero"] = (
    "indicators.csv", "income,Median income,wealth,1,thousand USD,2,",
    "income,Median income,wealth,1,thousand USD,0,",
    r"indicators\.csv: every weight of the indicators under 'wealth' is 0 \(lines 2, 3\)")


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_edition_gives_one_line_with_file_row_and_fix(edition, case):
    name, old, new, pattern = BROKEN[case]
    _edit(edition, name, old, new)
    if case == "all-zero sibling weights":
        _edit(edition, "framework.csv", "social,Society,toy,1", "social,Society,toy,0")
    if case == "indicator weights all zero":
        _edit(edition, "indicators.csv", "gdp,GDP per head,wealth,1,thousand USD,1,",
              "gdp,GDP per head,wealth,1,thousand USD,0,")
    msg = _error(edition)
    assert msg.startswith(str(edition / name)), msg
    assert re.search(pattern, msg), msg


def test_missing_framework_file(edition):
    (edition / "framework.csv").unlink()
    assert "framework.csv: file not found" in _error(edition)


def test_missing_edition_yaml(edition):
    (edition / "edition.yaml").unlink()
    msg = _error(edition)
    assert "edition.yaml: file not found" in msg and "unit_word" in msg


@pytest.mark.parametrize("text, problem", [
    ("name: [unclosed\n", "not readable UTF-8 YAML"),
    ("- a list\n", "expected a mapping"),
    ("name:\n  nested: map\n", "'name' must be text"),
])
def test_malformed_edition_yaml(edition, text, problem):
    (edition / "edition.yaml").write_text(text, encoding="utf-8")
    assert problem in _error(edition)


def test_edition_yaml_defaults_come_from_the_framework(edition):
    (edition / "edition.yaml").write_text("unit_word: nation\n", encoding="utf-8")
    ed = load_data(edition).edition
    assert ed["name"] == "Toy Index" and ed["index_name"] == "Toy Index"
    assert ed["unit_word_plural"] == "nations" and ed["geography"] == ""


def test_no_root(edition):
    _edit(edition, "framework.csv", "toy,Toy Index,,1", "toy,Toy Index,econ,1")
    assert "framework.csv: cycle" in _error(edition)


def test_both_parent_and_component_columns(edition):
    _edit(edition, "indicators.csv", "indicator_id,name,parent,",
          "indicator_id,name,component,parent2,")
    _edit(edition, "indicators.csv", "parent2", "parent")
    assert "both 'parent' and 'component' columns" in _error(edition)


def test_component_column_is_read_like_parent(edition):
    _edit(edition, "indicators.csv", "indicator_id,name,parent,", "indicator_id,name,component,")
    assert load_data(edition).indicators["component"].iloc[0] == "wealth"


def test_missing_required_column_names_it(edition):
    _edit(edition, "areas.csv", "area_code,name,", "area_code,title,")
    msg = _error(edition)
    assert "areas.csv: missing column(s) name; unexpected column(s) title" in msg


def test_default_period_is_the_latest_with_a_value(edition):
    path = edition / "indicator_values.csv"
    path.write_text(path.read_text() + "AV,gdp,2023,11\nBO,gdp,2021/22,5\n", encoding="utf-8")
    data = load_data(edition)
    periods = data.indicators.set_index("indicator_id")["default_period"]
    assert periods["gdp"] == "2023" and periods["life"] == "2022"
    assert data.indicator_matrix(["gdp"])["gdp"].notna().sum() == 1


def test_stated_default_period_is_kept(edition):
    _edit(edition, "indicators.csv", "weight,normalisation", "weight,normalisation,default_period")
    path = edition / "indicator_values.csv"
    path.write_text(path.read_text() + "AV,gdp,2023,11\n", encoding="utf-8")
    _edit(edition, "indicators.csv", "thousand USD,1,\n", "thousand USD,1,,2022\n")
    assert load_data(edition).indicators.set_index("indicator_id").at["gdp",
                                                                      "default_period"] == "2022"


def test_childless_aggregate_is_a_component_without_indicators(edition):
    _edit(edition, "framework.csv", "health,Health,social,1\n",
          "health,Health,social,1\nculture,Culture,social,1\n")
    data = load_data(edition)
    assert data.framework.set_index("aggregate_id").at["culture", "level"] == 2
    assert "culture" in data.components


def test_two_level_edition_indicators_under_the_root(tmp_path):
    d = tmp_path / "flat"
    d.mkdir()
    (d / "edition.yaml").write_text("name: Flat\n", encoding="utf-8")
    (d / "areas.csv").write_text("area_code,name\nA,Aa\nB,Bb\n", encoding="utf-8")
    (d / "framework.csv").write_text("aggregate_id,name,parent,weight\nidx,Index,,\n",
                                     encoding="utf-8")
    (d / "indicators.csv").write_text(
        "indicator_id,name,parent,direction,unit\nx,X,idx,1,score\n", encoding="utf-8")
    (d / "indicator_values.csv").write_text(
        "area_code,indicator_id,period,value\nA,x,2020,1\nB,x,2020,2\n", encoding="utf-8")
    data = load_data(d)
    assert data.framework["level"].tolist() == [2] and data.root == "idx"
    assert data.framework["weight"].tolist() == [1.0]
    assert data.edition["unit_word"] == "area" and data.edition["unit_word_plural"] == "areas"
