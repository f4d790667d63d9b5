"""The formatting layer: known answers, and id -> name translation checked against the data."""
import pandas as pd
import pytest

from ldi_helpers.report import formatting as fmt
from ldi_helpers.data.load import load_data


@pytest.mark.parametrize("value, expected", [
    (1561, "£1,561"), (384.5, "£385"), (1945.5, "£1,946"), (12.5, "£12.50"), (6.0, "£6"),
    (120_229_842_938, "£120.2bn"), (4_809_747_913.55, "£4.8bn"), (640_400_942.76, "£640.4m"),
    (-1945, "\u2212£1,945"), (float("nan"), "n/a"), (None, "n/a")])
def test_money(value, expected):
    assert fmt.money(value) == expected


def test_percent_whole_and_share():
    assert fmt.percent(71.0) == "71%"
    assert fmt.percent(71.26) == "71.3%"
    assert fmt.percent(0.035, share=True) == "3.5%"
    assert fmt.percent(-2.0) == "\u22122%"


def test_ranks_counts_and_changes():
    assert fmt.rank_change(0) == "no change"
    assert fmt.rank_change(2) == "+2" and fmt.rank_change(-1) == "\u22121"
    assert fmt.count(1024) == "1,024" and fmt.count(4096) == "4,096"
    assert fmt.sample_size(4096) == "n = 4,096"
    assert fmt.rank(3.0) == "3" and fmt.rank(float("nan")) == "n/a"
    assert [fmt.ordinal(n) for n in (1, 2, 3, 11, 12, 13, 21, 22)] == [
        "1st", "2nd", "3rd", "11th", "12th", "13th", "21st", "22nd"]


@pytest.mark.parametrize("value, expected", [
    (1070.4, "1,070"), (0.01234, "0.0123"), (12.0, "12"), (-3.5, "\u22123.5"), (0, "0"),
    (123456789.4, "123,456,789")])
def test_number_never_uses_e_notation(value, expected):
    assert fmt.number(value) == expected
    assert "e+" not in fmt.number(value) and "e-" not in fmt.number(value)


def test_compact_labels_for_charts():
    assert fmt.compact(1070.4) == "1,070"
    assert fmt.compact(25_300) == "25.3k"
    assert fmt.compact(25_300_000) == "25.3m"
    assert fmt.compact(3.456) == "3.46"


def test_periods_and_dates():
    assert fmt.period("2026-01") == "January 2026"
    assert fmt.period("2021/22") == "2021/22" and fmt.period("2022") == "2022"
    assert fmt.date("2026-05-13") == "13 May 2026"
    assert fmt.fixed(-0.01, 1) == "0.0" and fmt.fixed(-1.25, 1) == "\u22121.2"


def test_names_come_from_the_data_tables():
    data = load_data()
    names = fmt.Names(data)
    ind = data.indicators.iloc[0]
    assert names.name(ind["indicator_id"]) == ind["name"]
    area = data.areas.iloc[0]
    assert names.name(area["area_code"]) == area["name"]
    src = data.sources.iloc[0]
    assert names.name(src["source_id"]) == f"{src['publisher']}: {src['dataset']}"
    # every id of the data has a name that is not the id itself
    for key, value in names.all().items():
        assert value and value != key, key


def test_translated_text_and_frames_hold_no_ids():
    data = load_data()
    names = fmt.Names(data)
    caveats = " ".join(data.indicators["caveats"].fillna(""))
    assert fmt.ids_in_text(caveats, data), "the caveats do mention ids (the case to translate)"
    assert fmt.ids_in_text(names.text(caveats), data) == []
    ids = list(data.indicators["indicator_id"][:3])
    df = pd.DataFrame({"indicator": ids, data.areas["area_code"].iloc[0]: [1, 2, 3]})
    shown = names.frame(df)
    assert fmt.ids_in_text(shown.to_csv(), data) == []
    assert list(shown["indicator"]) == list(data.indicators["name"][:3])
