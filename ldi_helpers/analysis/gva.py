"""Reproduce techUK's published Digital GVA per person figures (Local Digital Index 2023).

techUK's MP briefing (2024) gives, for the 12 ITL1 regions, Digital GVA per person (£), the "UK
median" (£1,945), the per-person uplift that would bring each of the six regions below the median up
to it, that uplift in £ a year (total £4,809,747,913.55) and "over £120bn by 2050". This module
recomputes each figure from the published regional values and the ONS mid-2020 population aged 16-64,
so every step of the arithmetic is visible and checkable:

* UK median = median of the 12 regional values (an even count: the mean of the 6th and 7th values).
* uplift per person = median - value, for regions below the median (others: none).
* £ uplift a year = uplift per person x residents aged 16-64 ("per person" = per working-age
  resident, which is what makes the published £ figures agree with ONS population).
* cumulative by 2050 = the annual total held constant for a whole number of years, with no growth and
  no discounting; the smallest number of years that makes the sum exceed £120bn is found from the data
  (it is 25, i.e. 2026-2050 inclusive).

All figures are read from the curated tables (``data/published_techuk_2023*.csv`` and
``data/areas.csv``); nothing is typed in here.

Which definition: every figure here is techUK's own Digital GVA per person, on techUK's definition
of the digital sector, which techUK did not publish (nor the year). It is reproduced as published,
not recomputed from ONS data. The workbench's open proxies use ONS GVA by industry instead: the
growth models' "ICT GVA per head" is the whole of SIC07 section J (divisions 58-63), and the
index's Digital Adoption indicators are section J less division 63 (division 63 is the Data
Ecosystems proxy); see ``data/DATA_LOG.md``, "Data decisions".
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import LDIError
from ..data.geography import ITL1_CODES, region_by_code

#: The year in techUK's headline "over £120bn by 2050" (the fact ``cumulative_uplift_by_2050``).
TECHUK_CUMULATIVE_END_YEAR = 2050

#: Headline facts (in ``published_techuk_2023_headlines.csv``) this module reads.
FACT_MEDIAN = "uk_median_digital_gva_per_person"
FACT_TOTAL = "gva_uplift_if_six_lowest_reach_median"
FACT_CUMULATIVE = "cumulative_uplift_by_2050"
FACT_GROWTH = "sector_growth_rate"


class ReproductionError(LDIError):
    """The published figures or the population needed to reproduce them are missing or malformed."""


def headline(data, fact: str) -> float:
    """Value of one of techUK's published headline facts.

    Parameters
    ----------
    data : LDIData
        Loaded curated data (uses ``data.headlines``).
    fact : str
        Fact id, e.g. ``"sector_growth_rate"`` (a fraction a year) or
        ``"gva_uplift_if_six_lowest_reach_median"`` (£ a year).

    Raises
    ------
    ReproductionError
        If the fact is not in the headlines table; the message lists the facts that are.
    """
    table = data.headlines
    rows = table.loc[table["fact"] == fact, "value"]
    if rows.empty or pd.isna(rows.iloc[0]):
        raise ReproductionError(
            f"headline fact {fact!r} not found in published_techuk_2023_headlines.csv; "
            f"available facts: {', '.join(map(str, table['fact']))}"
        )
    return float(rows.iloc[0])


def digital_gva_per_person(data) -> pd.Series:
    """techUK's published Digital GVA per person, £ per working-age resident, by ITL1 code.

    Returns
    -------
    Series
        Indexed by ITL1 code in the standard order of the regions present, name
        ``digital_gva_per_person_gbp``.
    """
    pub = data.published.set_index("area_code")["digital_gva_per_person_gbp"].astype("float64")
    if pub.isna().any():
        raise ReproductionError(
            "published_techuk_2023.csv has an empty digital_gva_per_person_gbp for "
            f"{', '.join(pub.index[pub.isna()])}; rebuild the curated data"
        )
    order = [c for c in ITL1_CODES if c in pub.index] + [c for c in pub.index if c not in ITL1_CODES]
    return pub.reindex(order).rename("digital_gva_per_person_gbp")


def working_age_population(data) -> pd.Series:
    """Resident population aged 16-64 by ITL1 code (ONS mid-2020 estimates, from ``areas.csv``).

    Raises
    ------
    ReproductionError
        If a region has no 16-64 population.
    """
    pop = data.areas.set_index("area_code")["population_16_64"].astype("float64")
    if pop.isna().any():
        raise ReproductionError(
            "areas.csv has no population_16_64 for "
            f"{', '.join(pop.index[pop.isna()])}; rebuild the curated data"
        )
    return pop.rename("population_16_64")


def uk_median(values: pd.Series) -> float:
    """Median of the regional values (for 12 regions: mean of the 6th and 7th ranked values).

    Parameters
    ----------
    values : Series
        One value per region, no missing values.
    """
    values = pd.Series(values, dtype="float64")
    if values.empty or values.isna().any():
        raise ReproductionError("the median needs one non-missing value per region")
    return float(np.median(values.to_numpy()))


def uplift_per_person(values: pd.Series, target: float) -> pd.Series:
    """Gap to a target for regions below it, £ per person; 0 for regions at or above it.

    Parameters
    ----------
    values : Series
        Digital GVA per person by region, £.
    target : float
        The level regions are lifted to (e.g. the UK median), £ per person.
    """
    values = pd.Series(values, dtype="float64")
    return (target - values).clip(lower=0.0).rename("uplift_per_person_gbp")


def uplift_gbp(per_person: pd.Series, population: pd.Series) -> pd.Series:
    """£ a year: per-person uplift times population (aligned on the region index).

    Raises
    ------
    ReproductionError
        If a region with a positive uplift has no population.
    """
    pop = population.reindex(per_person.index)
    missing = per_person.index[(per_person > 0) & pop.isna()]
    if len(missing):
        raise ReproductionError(f"no population for {', '.join(map(str, missing))}")
    return (per_person * pop.fillna(0.0)).rename("uplift_gbp")


def years_to_exceed(annual: float, cumulative: float) -> int:
    """Smallest whole number of years for which ``years * annual`` reaches ``cumulative``.

    With techUK's total (£4.81bn a year) and "over £120bn" this is 25: 24 years give £115.4bn.
    """
    if not annual > 0:
        raise ReproductionError(f"the annual amount must be positive, got {annual!r}")
    return int(math.ceil(cumulative / annual))


@dataclass(frozen=True)
class Reproduction:
    """techUK's 2023 Digital GVA figures recomputed from open data.

    Attributes
    ----------
    median : float
        Median of the 12 regional values, £ per person.
    regions : DataFrame
        One row per region (ITL1 order): area_code, region, digital_gva_per_person_gbp,
        population_16_64, below_median, uplift_per_person_gbp, uplift_gbp (reproduced),
        published_uplift_per_person_gbp, published_uplift_gbp.
    total_uplift_gbp : float
        Sum of the £ uplifts, £ a year.
    cumulative_years : int
        Whole years of a constant annual uplift needed to exceed techUK's cumulative headline.
    start_year, end_year : int
        The years that span ``cumulative_years`` and end in 2050 (inclusive).
    cumulative_uplift_gbp : float
        ``cumulative_years * total_uplift_gbp`` (no growth, no discounting), £.
    """

    median: float
    regions: pd.DataFrame
    total_uplift_gbp: float
    cumulative_years: int
    start_year: int
    end_year: int
    cumulative_uplift_gbp: float


def reproduce_techuk(data) -> Reproduction:
    """Recompute techUK's median, per-region uplifts, total and cumulative figure.

    Parameters
    ----------
    data : LDIData
        Uses ``published``, ``headlines`` and ``areas`` (population aged 16-64, mid-2020).

    Returns
    -------
    Reproduction
    """
    values = digital_gva_per_person(data)
    pop = working_age_population(data)
    median = uk_median(values)
    per_person = uplift_per_person(values, median)
    gbp = uplift_gbp(per_person, pop)
    pub = data.published.set_index("area_code")
    regions = pd.DataFrame({
        "area_code": values.index,
        "region": [region_by_code(c).name if c in ITL1_CODES else c for c in values.index],
        "digital_gva_per_person_gbp": values.to_numpy(),
        "population_16_64": pop.reindex(values.index).to_numpy(),
        "below_median": (values < median).to_numpy(),
        "uplift_per_person_gbp": per_person.to_numpy(),
        "uplift_gbp": gbp.to_numpy(),
        "published_uplift_per_person_gbp":
            pub["uplift_to_uk_median_gbp"].reindex(values.index).astype("float64").to_numpy(),
        "published_uplift_gbp":
            pub["gva_uplift_gbp"].reindex(values.index).astype("float64").to_numpy(),
    })
    total = float(gbp.sum())
    n_years = years_to_exceed(total, headline(data, FACT_CUMULATIVE))
    end = TECHUK_CUMULATIVE_END_YEAR
    return Reproduction(
        median=median,
        regions=regions,
        total_uplift_gbp=total,
        cumulative_years=n_years,
        start_year=end - n_years + 1,
        end_year=end,
        cumulative_uplift_gbp=total * n_years,
    )


def _count_words(n: int) -> str:
    """A count in words for reader text (``6`` -> ``"six"``; digits from 13 up)."""
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
             "eleven", "twelve")
    return words[n] if 0 <= n < len(words) else str(n)


def reproduction_table(data) -> pd.DataFrame:
    """Each published figure beside the reproduced one, with the relative difference.

    Returns
    -------
    DataFrame
        Columns: figure, unit, published, reproduced, relative_difference
        (``reproduced / published - 1``). Rows: UK median; uplift per person and £ uplift for each
        region below the median; the total; the cumulative figure to 2050.

    Notes
    -----
    Published per-person figures are rounded to whole pounds, so small relative differences there
    (up to about 1.5%) are rounding; the £ figures were computed by techUK from unrounded values.
    """
    rep = reproduce_techuk(data)
    rows = [("UK median Digital GVA per person", "GBP per person",
             headline(data, FACT_MEDIAN), rep.median)]
    below = rep.regions[rep.regions["below_median"]]
    for r in below.itertuples():
        rows.append((f"{r.region}: uplift per person", "GBP per person",
                     r.published_uplift_per_person_gbp, r.uplift_per_person_gbp))
    for r in below.itertuples():
        rows.append((f"{r.region}: GVA uplift", "GBP per year", r.published_uplift_gbp,
                     r.uplift_gbp))
    n_below = len(below)
    rows.append((f"Total GVA uplift ({_count_words(n_below)} "
                 f"{'region' if n_below == 1 else 'regions'})", "GBP per year",
                 headline(data, FACT_TOTAL), rep.total_uplift_gbp))
    rows.append((f"Cumulative to {rep.end_year} ({rep.cumulative_years} years "
                 f"{rep.start_year}-{rep.end_year}, no growth, no discounting)", "GBP",
                 headline(data, FACT_CUMULATIVE), rep.cumulative_uplift_gbp))
    table = pd.DataFrame(rows, columns=["figure", "unit", "published", "reproduced"])
    table["relative_difference"] = table["reproduced"] / table["published"] - 1.0
    return table
