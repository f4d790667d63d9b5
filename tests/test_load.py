"""Validation of the curated tables: each kind of bad input gives one clear error."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import tiny_columns, tiny_tables, write_csv
from ldi_helpers.errors import DataValidationError
from ldi_helpers.data.load import TABLES, coverage, load_data


def _rewrite(d, name, mutate):
    spec = TABLES[name]
    cols = tiny_columns(name)
    rows = tiny_tables()[name]
    cols, rows = mutate(cols, rows)
    write_csv(d / spec.filename, cols, rows)


def test_tiny_data_loads_with_types(tiny_data_dir):
    data = load_data(tiny_data_dir)
    assert len(data.values) == 24
    assert data.values["value"].dtype == "float64"
    assert set(data.indicators["direction"]) == {1, -1}
    assert data.areas["tile_q"].dtype == "int64"


def test_missing_file_names_file_and_fix(tiny_data_dir):
    (tiny_data_dir / "indicators.csv").unlink()
    with pytest.raises(DataValidationError, match=r"indicators\.csv: file not found.*ldi data build"):
        load_data(tiny_data_dir)


def test_wrong_columns(tiny_data_dir):
    _rewrite(tiny_data_dir, "values",
             lambda c, r: (c[:-1] + ["val"], r))
    with pytest.raises(DataValidationError, match=r"missing column\(s\) value; unexpected column\(s\) val"):
        load_data(tiny_data_dir)


def test_duplicate_key_reports_line(tiny_data_dir):
    _rewrite(tiny_data_dir, "values", lambda c, r: (c, r + [r[0]]))
    with pytest.raises(DataValidationError, match=r"duplicate area_code \+ indicator_id \+ period .* on line 26"):
        load_data(tiny_data_dir)


def test_non_numeric_value_reports_line_and_value(tiny_data_dir):
    def bad(c, r):
        r[3][5] = "12,5x"
        return c, r
    _rewrite(tiny_data_dir, "values", bad)
    with pytest.raises(DataValidationError, match=r"non-numeric value '12,5x' on line 5"):
        load_data(tiny_data_dir)


def test_unknown_component(tiny_data_dir):
    def bad(c, r):
        r[0][2] = "digital_vibes"
        return c, r
    _rewrite(tiny_data_dir, "indicators", bad)
    with pytest.raises(DataValidationError, match=r"invalid component 'digital_vibes' on line 2"):
        load_data(tiny_data_dir)


def test_unknown_area_code(tiny_data_dir):
    def bad(c, r):
        r[0][0] = "TLZ"
        return c, r
    _rewrite(tiny_data_dir, "values", bad)
    with pytest.raises(DataValidationError, match=r"invalid area_code 'TLZ'"):
        load_data(tiny_data_dir)


def test_direction_must_be_plus_or_minus_one(tiny_data_dir):
    def bad(c, r):
        r[1][3] = "2"
        return c, r
    _rewrite(tiny_data_dir, "indicators", bad)
    with pytest.raises(DataValidationError, match=r"invalid direction '?2'? on line 3.*\+1 or -1"):
        load_data(tiny_data_dir)


def test_negative_population(tiny_data_dir):
    def bad(c, r):
        r[2][3] = "-5"
        return c, r
    _rewrite(tiny_data_dir, "population", bad)
    with pytest.raises(DataValidationError, match=r"invalid population -5.* on line 4"):
        load_data(tiny_data_dir)


def test_empty_required_cell(tiny_data_dir):
    def bad(c, r):
        r[0][1] = ""
        return c, r
    _rewrite(tiny_data_dir, "sources", bad)
    with pytest.raises(DataValidationError, match=r"empty 'publisher' on line 2"):
        load_data(tiny_data_dir)


def test_values_without_metadata(tiny_data_dir):
    def bad(c, r):
        r[0][3] = "ind_zzz"
        return c, r
    _rewrite(tiny_data_dir, "values", bad)
    with pytest.raises(DataValidationError, match=r"ind_zzz have values but no metadata"):
        load_data(tiny_data_dir)


def test_not_utf8(tiny_data_dir):
    (tiny_data_dir / "areas.csv").write_bytes(b"area_code\n\xff\xfe\x00bad")
    with pytest.raises(DataValidationError, match=r"areas\.csv: not a readable UTF-8 CSV"):
        load_data(tiny_data_dir)


def test_indicator_matrix_uses_default_period(tiny_data_dir):
    m = load_data(tiny_data_dir).indicator_matrix()
    assert list(m.columns) == ["ind_a", "ind_b"]
    assert m.loc["TLC", "ind_a"] == 10 and m.loc["TLN", "ind_b"] == 89


def test_coverage_counts_indicators_per_component_and_region(tiny_data_dir):
    data = load_data(tiny_data_dir)
    vals = data.values[~((data.values.area_code == "TLN") & (data.values.indicator_id == "ind_a"))]
    cov = coverage(type(data)(**{**data.__dict__, "values": vals}))
    assert cov.loc["Digital Skills", "indicators"] == 1
    assert cov.loc["Digital Skills", "TLN"] == 0 and cov.loc["Digital Skills", "TLC"] == 1
    assert cov.loc["Trade Support"].sum() == 0
    assert isinstance(cov, pd.DataFrame)


# Issue 14, case 2: non-finite and implausible values are rejected with file, line and fix.
@pytest.mark.parametrize("text", ["1e308", "inf", "-inf", "Infinity", "1e400"])
def test_non_finite_or_huge_value_is_rejected(tiny_data_dir, text):
    def bad(c, r):
        r[0][5] = text  # North East, ind_a
        return c, r
    _rewrite(tiny_data_dir, "values", bad)
    with pytest.raises(DataValidationError) as err:
        load_data(tiny_data_dir)
    msg = str(err.value)
    assert "indicator_values.csv" in msg and "on line 2" in msg and "Fix:" in msg
    assert "\n" not in msg


@pytest.mark.parametrize("value, where", [("-3", "0 to 100"), ("100.5", "0 to 100")])
def test_share_outside_0_to_100_is_rejected(tiny_data_dir, value, where):
    def bad(c, r):
        r[3][5] = value  # North West, ind_b (line 5)
        return c, r
    _rewrite(tiny_data_dir, "values", bad)
    with pytest.raises(DataValidationError,
                       match=rf"value {value.lstrip('+')}.* on line 5 is outside the plausible "
                             rf"range {where} for its unit '%'"):
        load_data(tiny_data_dir)


def test_unit_ranges_are_stated():
    from ldi_helpers.data.load import MAX_MAGNITUDE, plausible_range
    assert plausible_range("% of adults") == (0, 100)
    assert plausible_range("per 100,000 residents") == (0, 100_000)
    assert plausible_range("GBP per resident")[0] == 0
    assert plausible_range("score") == (-MAX_MAGNITUDE, MAX_MAGNITUDE)


# Issue 14, case 5: zero populations and regions missing from a table fail at load time.
@pytest.mark.parametrize("col", [10, 9])
def test_zero_population_in_areas_is_rejected(tiny_data_dir, col):
    def bad(c, r):
        r[1][col] = "0"
        return c, r
    _rewrite(tiny_data_dir, "areas", bad)
    with pytest.raises(DataValidationError, match=r"areas\.csv: invalid population_\w+ 0 on "
                                                  r"line 3 \(population must be more than 0\)"):
        load_data(tiny_data_dir)


def test_region_missing_from_published_is_named(tiny_data_dir):
    _rewrite(tiny_data_dir, "published", lambda c, r: (c, r[1:]))  # drop North East (TLC)
    with pytest.raises(DataValidationError,
                       match=r"published_techuk_2023\.csv: no row for area\(s\) TLC\. Fix: every "):
        load_data(tiny_data_dir)


def test_area_missing_from_areas_is_named_where_it_is_used(tiny_data_dir):
    # An edition's units are whatever areas.csv lists (no fixed ITL1 list), so a dropped area is
    # reported at the first value that names it.
    _rewrite(tiny_data_dir, "areas", lambda c, r: (c, r[1:]))  # drop North East (TLC)
    with pytest.raises(DataValidationError,
                       match=r"indicator_values\.csv: invalid area_code 'TLC' on line 2 \(not an "
                             r"area_code of areas\.csv\)\. Fix: .*add the unit to areas\.csv"):
        load_data(tiny_data_dir)


# Issue 14, case 8: "2022.0" is not a period (it used to be logged as "no value in any area").
@pytest.mark.parametrize("name, col, line", [("values", 4, 2), ("indicators", 15, 2)])
def test_malformed_period_is_rejected(tiny_data_dir, name, col, line):
    def bad(c, r):
        r[0][col] = "2022.0"
        return c, r
    _rewrite(tiny_data_dir, name, bad)
    with pytest.raises(DataValidationError, match=rf"invalid \w*period '2022\.0' on line {line}"):
        load_data(tiny_data_dir)


def test_an_unchanged_edition_is_loaded_once_and_every_caller_gets_its_own_copy(tmp_path):
    """A warm kernel briefs hundreds of units from one edition: the second load of unchanged
    files is a copy of the first (equal tables, not the same objects); a changed file is
    read and validated again."""
    import shutil

    from ldi_helpers.data import load as load_mod

    src = load_mod.REPO_ROOT / "tests" / "editions" / "toy3"
    ed = tmp_path / "toy3"
    shutil.copytree(src, ed)
    a = load_mod.load_data(ed)
    b = load_mod.load_data(ed)
    assert a is not b and a.values is not b.values
    pd.testing.assert_frame_equal(a.values, b.values)
    b.values.loc[b.values.index[0], "value"] = -1.0       # a caller changing its copy ...
    c = load_mod.load_data(ed)
    pd.testing.assert_frame_equal(a.values, c.values)     # ... changes no one else's
    vals = ed / "indicator_values.csv"
    lines = vals.read_text().splitlines()
    vals.write_text("\n".join(lines + [lines[1]]) + "\n")  # a duplicate row: must be re-checked
    with pytest.raises(load_mod.DataValidationError):
        load_mod.load_data(ed)
