"""Small constructed data sets in the curated long format, for the index-engine tests.

The numbers are arbitrary test inputs (not statistics about any region); they only exercise the
code paths.
"""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from ldi_helpers.data.geography import ITL1_CODES

# indicator_id, component, direction, is_proxy, default_period
META = [
    ("inf_a", "digital_infrastructure", 1, "false", "2026-01"),
    ("inf_b", "digital_infrastructure", -1, "false", "2026-01"),
    ("skl_a", "digital_skills", 1, "false", "2020"),
    ("skl_b", "digital_skills", 1, "true", "2023"),
    ("ado_a", "digital_adoption", 1, "true", "2021"),
    ("ado_gone", "digital_adoption", 1, "false", "2021"),
    ("ctx_pop", "context", 1, "false", "2020"),
]

# 12 values per indicator and period, in ITL1 order (TLC .. TLN); None = missing
VALUES = {
    ("inf_a", "2026-01"): [80, 75, 78, 70, 72, 69, 85, 74, 66, 60, 65, 90],
    ("inf_a", "2025-01"): [70, 65, 68, 60, 62, 59, 75, 64, 56, 50, 55, 80],
    ("inf_b", "2026-01"): [3, 4, 3.5, 5, 4.5, 6, 2, 4, 7, 8, 9, 5],
    ("skl_a", "2020"): [88, 90, 89, 89.5, 88.5, 91, 93, 92, 90.5, 87, 89, None],
    ("skl_a", "2019"): [87, 89, 88, 88.5, 87.5, 90, 92, 91, 89.5, 86, 88, 86],
    ("skl_b", "2023"): [55, 57, 56, 58, 54, 60, 70, 63, 59, 53, 61, 52],
    ("ado_a", "2021"): [1.0, 1.2, 1.1, 1.0, 1.3, 1.5, 9.0, 2.0, 1.4, 0.9, 1.6, 0.8],
    ("ado_gone", "2019"): [1] * 12,
    ("ctx_pop", "2020"): [2.6, 7.4, 5.5, 4.9, 5.9, 6.3, 9.0, 9.2, 5.7, 3.1, 5.5, 1.9],
}


def make_data(values: dict | None = None, meta: list | None = None) -> SimpleNamespace:
    """An object with ``values`` and ``indicators`` frames like :class:`LDIData`."""
    values = VALUES if values is None else values
    meta = META if meta is None else meta
    rows = []
    for (ind, period), vals in values.items():
        for code, v in zip(ITL1_CODES, vals):
            if v is not None:
                rows.append((code, code, "ITL1", ind, period, float(v)))
    vdf = pd.DataFrame(rows, columns=["area_code", "area_name", "geography", "indicator_id",
                                      "period", "value"])
    idf = pd.DataFrame(
        [(i, i.upper(), c, d, "unit", p, dp, "src", "caveat") for i, c, d, p, dp in meta],
        columns=["indicator_id", "name", "component", "direction", "unit", "is_proxy",
                 "default_period", "source_org", "caveats"])
    return SimpleNamespace(values=vdf, indicators=idf)
