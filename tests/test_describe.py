"""Data descriptions used by several notebooks."""
import numpy as np

from ldi_helpers.analysis.describe import component_status, indicator_summary, latest_values, sources_table
from ldi_helpers.data.load import load_data


def test_indicator_summary_counts_regions_at_default_period(tiny_data_dir):
    summ = indicator_summary(load_data(tiny_data_dir))
    assert list(summ.indicator_id) == ["ind_b", "ind_a"]  # framework order: infrastructure first
    assert summ.loc[0, "regions"] == 12
    assert summ.loc[0, "direction"] == "lower is better"
    assert summ.loc[0, "proxy"] == "proxy" and summ.loc[1, "proxy"] == ""


def test_component_status_says_when_there_is_no_data(tiny_data_dir):
    st = component_status(load_data(tiny_data_dir)).set_index("component_id")
    assert st.loc["digital_skills", "status"] == "real data"
    assert st.loc["digital_infrastructure", "status"] == "proxy data only"
    assert st.loc["trade_support", "status"] == "no real data"
    assert st.loc["trade_support", "indicators"] == 0


def test_latest_values_are_indexed_by_all_twelve_codes(tiny_data_dir):
    data = load_data(tiny_data_dir)
    vals = latest_values(data, "ind_a")
    assert len(vals) == 12 and vals["TLC"] == 10 and vals["TLN"] == 21
    dropped = type(data)(**{**data.__dict__, "values": data.values.iloc[1:]})  # no TLC ind_a
    assert np.isnan(latest_values(dropped, "ind_a")["TLC"])


def test_sources_table_counts_users(tiny_data_dir):
    src = sources_table(load_data(tiny_data_dir))
    assert src.loc[0, "used_by_indicators"] == 2
