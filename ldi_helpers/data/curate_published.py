"""Figures read from publications: techUK's 2023 LDI tables and single published figures.

- ``published/techuk_ldi_2023_digital_gva.csv`` and ``..._headlines.csv``: copied as published
  (text kept exactly; only ``itl1_code`` is renamed ``area_code`` and rows are sorted).
- ``figures_from_publications.csv``: the Lloyds Bank UK Consumer Digital Index 2018 regional table
  (full / zero basic digital skills, % of adults; 11 regions, Northern Ireland not published).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .curate_common import (
    AREA_NAME, Indicator, Source, raw_error, read_csv_checked, rel, to_number, values_frame,
)

PUBLISHED_GVA = Path("published/techuk_ldi_2023_digital_gva.csv")
PUBLISHED_HEADLINES = Path("published/techuk_ldi_2023_headlines.csv")
FIGURES = Path("figures_from_publications.csv")

_GVA_COLS = ["itl1_code", "region", "digital_gva_per_person_gbp", "uplift_to_uk_median_gbp",
             "gva_uplift_gbp", "ldi_2023_index_rank"]
_HEADLINE_COLS = ["fact", "value", "unit", "as_published"]
_LLOYDS = {
    "lloyds_full_basic_digital_skills_pct": (
        "Adults with full Basic Digital Skills (Lloyds CDI)", 1,
        "Adults with all five basic digital skills (Lloyds Consumer Digital Index)"),
    "lloyds_zero_basic_digital_skills_pct": (
        "Adults with zero Basic Digital Skills (Lloyds CDI)", -1,
        "Adults with none of the five basic digital skills (Lloyds Consumer Digital Index)"),
}


def read_published_techuk(shared_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """techUK's published 2023 tables, every cell kept as the published text.

    Returns
    -------
    (regions, headlines)
        ``regions`` has the columns of ``published_techuk_2023.csv`` sorted by area_code;
        ``headlines`` those of ``published_techuk_2023_headlines.csv`` sorted by fact.
    """
    path = shared_dir / PUBLISHED_GVA
    regions = read_csv_checked(path, _GVA_COLS)[_GVA_COLS]
    unknown = sorted(set(regions["itl1_code"]) - set(AREA_NAME))
    if unknown or len(regions) != 12:
        raise raw_error(path, f"expected one row for each of the 12 ITL1 codes; unknown "
                              f"{unknown}, {len(regions)} rows")
    regions = regions.rename(columns={"itl1_code": "area_code"}).sort_values(
        "area_code", kind="mergesort").reset_index(drop=True)
    path_h = shared_dir / PUBLISHED_HEADLINES
    headlines = read_csv_checked(path_h, _HEADLINE_COLS)[_HEADLINE_COLS]
    headlines = headlines.sort_values("fact", kind="mergesort").reset_index(drop=True)
    return regions, headlines


def sources(shared_dir: Path) -> dict[str, Source]:
    """Sources of published figures, keyed by source_id."""
    figs = read_csv_checked(shared_dir / FIGURES, ["indicator", "source"])
    urls = sorted(set(figs.loc[figs["indicator"].isin([v[0] for v in _LLOYDS.values()]),
                               "source"]))
    if len(urls) != 1:
        raise raw_error(shared_dir / FIGURES, f"expected one source URL for the Lloyds CDI 2018 "
                                              f"rows, found {urls}")
    return {
        "lloyds_cdi_2018": Source(
            "lloyds_cdi_2018", "Lloyds Bank",
            "UK Consumer Digital Index 2018, regional table (basic digital skills, % of adults), "
            "as reproduced in the press",
            "shared data/figures_from_publications.csv (figures read from the published page)",
            "", urls[0],
            "No open licence stated: published figures quoted with attribution",
            "Source: Lloyds Bank UK Consumer Digital Index 2018.",
            (rel(shared_dir / FIGURES, shared_dir),), "2018"),
        "techuk_ldi_2023": Source(
            "techuk_ldi_2023", "techUK",
            "Local Digital Index 2023 figures in the MP briefing 'How we can grow tech clusters to "
            "drive growth and job creation across the UK' (2024)",
            "shared data/published (transcribed as published)", "",
            "https://www.techuk.org/",
            "No open licence stated: published figures quoted with attribution",
            "Source: techUK, Local Digital Index 2023.",
            (rel(shared_dir / PUBLISHED_GVA, shared_dir),
             rel(shared_dir / PUBLISHED_HEADLINES, shared_dir)), "2024"),
    }


def lloyds_indicators(shared_dir: Path, src: dict[str, Source]
                      ) -> list[tuple[Indicator, pd.DataFrame]]:
    """Lloyds CDI 2018 full / zero basic digital skills, % of adults, period ``"2018"``.

    Northern Ireland was not published and stays missing.
    """
    path = shared_dir / FIGURES
    figs = read_csv_checked(path, ["itl1_code", "indicator", "value", "unit", "year"])
    out = []
    for ind_id, (label, direction, name) in _LLOYDS.items():
        rows = figs[figs["indicator"] == label]
        if rows.empty:
            raise raw_error(path, f"expected rows with indicator {label!r}")
        bad = rows[(rows["unit"] != "% of adults") | (rows["year"] != "2018")
                   | ~rows["itl1_code"].isin(list(AREA_NAME))]
        if len(bad):
            raise raw_error(path, f"expected unit '% of adults', year 2018 and an ITL1 code for "
                                  f"{label!r}; check row {bad.index[0] + 2}")
        if rows["itl1_code"].duplicated().any():
            raise raw_error(path, f"expected one row per region for {label!r}")
        values = values_frame([(r.itl1_code, "2018", to_number(r.value, path, r.itl1_code))
                               for r in rows.itertuples(index=False)])
        out.append((Indicator(
            ind_id, name, "digital_skills", direction, "% of adults", "none (published percentage)",
            src["lloyds_cdi_2018"],
            "Old (pre-2019) basic digital skills framework; 2018 survey; Northern Ireland not "
            "published (missing). Figures read from a press reproduction of the Lloyds table.",
            False, rel(path, shared_dir)), values))
    return out
