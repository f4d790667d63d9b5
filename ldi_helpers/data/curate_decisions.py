"""The "Data decisions" section of ``data/DATA_LOG.md``: each choice made in curating the data, why,
and what it changed.

The text is written here (by hand: these are decisions, not data) but every figure quoted in it
is computed from the tables the build has just made, so a rebuild on changed raw files updates
the figures or fails; nothing is typed in.
"""
from __future__ import annotations


import pandas as pd

from . import curate_ons
from .curate_common import AREA_NAME, Population


def _pct_change(pop: Population, area: str, y0: int, y1: int) -> float:
    return (pop.get(area, y1) / pop.get(area, y0) - 1.0) * 100.0


def _default_period_matrix(values: pd.DataFrame, indicators: pd.DataFrame,
                           component_order: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Areas x scored indicators at each indicator's default period (the default spec's
    selection with both measures of every near-duplicate pair), ordered by component and id."""
    meta = indicators[indicators["component"] != "context"].set_index("indicator_id")
    order = {c: k for k, c in enumerate(component_order)}
    ids = sorted(meta.index, key=lambda i: (order.get(meta.at[i, "component"], len(order)), i))
    cols = {}
    for ind in ids:
        rows = values[(values["indicator_id"] == ind)
                      & (values["period"].astype(str) == str(meta.at[ind, "default_period"]))]
        cols[ind] = rows.set_index("area_code")["value"].astype(float)
    areas = sorted(values["area_code"].unique())
    matrix = pd.DataFrame({i: cols[i].reindex(areas) for i in ids}, index=areas)
    return matrix, meta.loc[ids]


def data_decisions(panel: pd.DataFrame, pop2023: Population, pop2024: Population,
                   indicators: pd.DataFrame, values: pd.DataFrame) -> list[tuple[str, str]]:
    """(title, text) of every data decision, in the order they appear in the data log.

    Parameters
    ----------
    panel : DataFrame
        The ICT GVA panel (``ict_gva_panel.csv``).
    pop2023, pop2024 : Population
        The April 2023 (Table 17) and April 2024 (Table 6) population releases.
    indicators, values : DataFrame
        The built ``indicators.csv`` and ``indicator_values.csv`` tables.
    """
    from .components import COMPONENTS
    from .near_duplicates import (DEFAULT_ALTERNATIVES, NEAR_DUPLICATE_RHO, NEAR_DUPLICATE_RULE,
                                  near_duplicates_in, spearman_pairs)

    meta = indicators.set_index("indicator_id")
    gva = panel.set_index(["area_code", "sic07_code", "year"])["gva_gbp_million"]
    check = curate_ons.j_rounding_check(panel)
    lon = {c: gva[("TLI", c, 2021)] for c in ("J", "58", "59", "60", "61", "62", "63")}
    lon_div = sum(lon[c] for c in curate_ons.ADOPTION_DIVISIONS)
    first, last = min(curate_ons.GVA_YEARS), max(curate_ons.GVA_YEARS)
    old_lon = _pct_change(pop2023, "TLI", 2020, 2021)
    new_lon = _pct_change(pop2024, "TLI", 2020, 2021)
    # differences of one person are rounding of the regional sums; more is a revision
    diff = {(a, y): abs(pop2024.get(a, y) - pop2023.get(a, y))
            for a in pop2023.table["area_code"].unique() for y in range(first, last + 1)}
    revised = sorted({a for (a, y), d in diff.items() if d > 1})
    same = sorted(set(pop2023.table["area_code"]) - set(revised))
    revised_years = sorted({y for (a, y), d in diff.items() if d > 1})
    rounding = max(d for (a, y), d in diff.items() if y < revised_years[0])
    matrix, scored = _default_period_matrix(values, indicators, list(COMPONENTS))
    pairs = near_duplicates_in(matrix, scored)
    below = spearman_pairs(matrix, scored)
    below = below[below["abs_rho"] < NEAR_DUPLICATE_RHO].sort_values("abs_rho").iloc[-1]
    pair_text = "; ".join(f"{p.kept} kept, {p.alternative} the alternative (Spearman "
                          f"{p.rho:+.3f}, rule '{p.rule}')" for p in pairs.itertuples())
    founded = meta.loc["tech_companies_founded_per_100k"]
    innov = values[values["indicator_id"] == "innovate_uk_funding_per_head"]["period"]

    return [
        ("Digital Adoption does not count Data Ecosystems again",
         "SIC07 section J (divisions 58-63) contains division 63, information service "
         "activities, which is the Data Ecosystems proxy. The Digital Adoption indicators "
         "(`ict_gva_per_head`, `ict_gva_share_pct`; ids kept so that code and tests referring "
         "to them still work) therefore use J less division 63, i.e. divisions 58-62, computed "
         "as the published J total minus the published division 63 of the same Table 1c row "
         "set. Table 1c rounds every figure to £1m independently, so J less 63 and the sum of "
         f"the five published divisions 58-62 differ in {check['differ']} of {check['cells']} "
         f"region-years, by at most £{check['max_abs_gbp_million']:.0f}m; J less 63 is used "
         "because it carries two roundings instead of five (it is within £1m of the unrounded "
         f"value) and because it equals J minus exactly the figure Data Ecosystems uses. "
         f"Example, London {last}: J £{lon['J']:,.0f}m less division 63 £{lon['63']:,.0f}m = "
         f"£{lon['J'] - lon['63']:,.0f}m; the sum of divisions 58-62 is £{lon_div:,.0f}m. "
         "Tested in tests/test_curate.py."),
        ("Which GVA definition each figure uses",
         "Index, Digital Adoption: SIC07 J less 63 (above). Index, Data Ecosystems: division 63. "
         "techUK's Digital GVA per person (the £1,945 median, the uplifts, £4.8bn and £120bn): "
         "techUK's published figures, reproduced from the published regional values "
         "(`ldi_helpers.analysis.gva`), not recomputed from ONS data; techUK did not publish which SIC "
         "codes its digital sector covers. Growth models (`ldi_helpers.analysis.growth_models`, "
         "'ICT GVA per head'): the whole of section J (58-63) from `ict_gva_panel.csv`, as the "
         "open stand-in for techUK's whole-sector figure; it is not an index input, so nothing "
         "is counted twice there."),
        ("One population vintage for every per-head figure",
         "Every per-head value (GVA indicators included) and every growth model divides by the "
         "total resident population of the ONS April 2024 regional-accounts release (Table 6, "
         "1998-2022). The April 2023 release's population (Table 17, the release of the GVA "
         f"table) is no longer used as a denominator: its {last} figure is Census-2021-based "
         f"and {first}-2020 are not (the workbook's note 4: growth per head between 2020 and "
         "2021 'is unreliable due to a discontinuity in population data'). London's population "
         f"change 2020-2021 is {old_lon:+.1f}% in Table 17 and {new_lon:+.1f}% in Table 6. "
         f"Table 6 revises Table 17 only in {revised_years[0]}-{revised_years[-1]} (before "
         f"{revised_years[0]} the two differ by at most {rounding:.0f} person, rounding) and "
         f"only for {', '.join(AREA_NAME[a] for a in revised)}, by amounts that grow from "
         f"{revised_years[0]} to 2020: the intercensal estimates rebased to be consistent with "
         "Census 2021 ("
         f"{', '.join(AREA_NAME[a] for a in same) or 'no region'}: the same in both releases). "
         "So within Table 6 each region's series runs on one basis, without a break at "
         "2020-2021. "
         "Cost: per-head GVA combines the April 2023 GVA with the April 2024 population (the "
         "raw data hold no by-industry GVA of the April 2024 release). Table 17 stays in "
         "`population.csv` for reference only. Tested in tests/test_curate.py and "
         "tests/test_growth_models.py."),
        ("Near-duplicate indicators",
         f"Within one component, two indicators whose |Spearman| across the 12 regions is "
         f"{NEAR_DUPLICATE_RHO} or more at their default periods measure the same thing; an "
         "index that uses both gives that thing double weight. `ldi_helpers.analysis.coherence."
         "near_duplicate_pairs` finds them and says which to keep. Rule: "
         f"{NEAR_DUPLICATE_RULE} Pairs in this data: {pair_text or 'none'}. The closest "
         f"pair below the threshold is {below.a} / {below.b} (Spearman {below.rho:+.3f}): "
         "both stay. (ICT GVA per head and share of GVA were a pair while Digital Adoption used "
         "the whole of section J; without division 63 they no longer reach the threshold.) "
         "The kept -> "
         "alternative pairs are `coherence.DEFAULT_ALTERNATIVES` ("
         + ", ".join(f"{k} -> {v}" for k, v in DEFAULT_ALTERNATIVES.items())
         + "); using them in the default specification is a method decision made in `spec.py`. "
         "Tested in tests/test_coherence.py."),
        ("Crunchbase companies founded: default period before the undercount",
         f"`tech_companies_founded_per_100k` defaults to {founded['default_period']}, not the "
         "latest year: the counts fall in every later year (see its caveat), the pattern of a "
         "source that adds companies with a lag, so the latest year ranks regions on the "
         "largest undercount. The peak year is chosen from the published counts by rule (no "
         "correction is estimated and all years stay in the data). A multi-year figure was not "
         "used: it would mix undercounted years in or need a period label the data contract "
         "does not have."),
        ("Innovate UK years are financial years",
         "beis-indicators' Innovate UK `year` is the financial year of the competition (its "
         f"first calendar year). Periods are labelled as financial years ({min(innov)} to "
         f"{max(innov)}) and divided by the mid-year population of their first calendar year, "
         "as for other financial years."),
        ("Inward FDI is a proxy",
         "`fdi_inward_per_head` (and the context total) count inward FDI into all industries; "
         "they stand in for investment in digital businesses and are flagged `is_proxy` = "
         "true."),
        ("HESA HE-BCI licence",
         "The source names no licence for the HESA data: beis-indicators' SOURCE.txt names MIT "
         "for the repository and lists HESA HE-BCI as underlying data, and neither its README "
         "nor the HE-BCI .yaml files name a licence. The licence column says so ('not stated "
         "by the source; used as re-published by Nesta under MIT') rather than guess."),
        ("5G caveat compares figures with their dates",
         "The 5G caveat quotes Scotland's area share from this data and Ofcom's premises share "
         "from its Connected Nations 2024 report (`figures_from_publications.csv`), each with "
         "its date, and says they are different measures at different dates."),
        ("Known problems in the shared data, checked",
         "(1) Table 17 population break at 2020-2021: not used as a denominator (above). "
         "(2) Section J includes division 63: Digital Adoption uses J less 63 (above). "
         "(3) Crunchbase undercounts recent years: default period moved, caveat states it "
         "(above). (4) Innovate UK years are financial: relabelled (above). (5) beis-"
         "indicators `gtr` 'total' UKRI funding is a per-project mean: not used by any "
         "indicator (`curate_beis` reads only HE-BCI, Innovate UK and Crunchbase files; a test "
         "checks that no indicator's raw path names `gtr/`). Also not used: HE-BCI CPD learner "
         "days (values about 1,000 times too large) and the beis-indicators shares, averages "
         "and quotients (not summable to ITL1)."),
    ]
