"""Readers for Nesta's beis-indicators files (``raw/beis-indicators``): NUTS2 sums to ITL1.

Each ``<name>.csv`` has columns ``year, nuts_id, nuts_year_spec, <indicator>`` at NUTS2 level; its
``.yaml`` describes it (title, source, units). Counts and £ amounts add up, so the NUTS2 values are
summed to NUTS1 (the first three characters of the NUTS2 code), and NUTS1 UKC..UKN is ITL1 TLC..TLN.
NUTS1 regions are the same in the NUTS 2006, 2010, 2013 and 2016 versions the files use, so the
change of NUTS2 version between years (Scotland UKM2/UKM3 -> UKM7/UKM8/UKM9 in 2016) does not affect
the ITL1 sums. Shares, averages and quotients in the same repository are NOT summed and not used.

Not used: ``gtr/total_ukri_funding.nuts2.csv``. Despite its name its values cannot be totals (the UK
sum is £12m-£22m a year, Inner London West £0.5m in 2019, fractional pence): they behave like an
average per project, which cannot be summed to ITL1. ``hebci/ce_cpd_learner_days`` is also unused
(values about 1,000 times too large: the GBP000 x 1000 scaling seems applied to days).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from .curate_common import (
    ITL1_ORDER, OGL, Indicator, Population, Source, academic_year, itl1_code, raw_error,
    read_csv_checked, rel, require_file, source_commit,
)

BEIS = Path("beis-indicators")
_REPO = "github.com/nestauk/beis-indicators"
_REPO_LICENCE = "MIT (nestauk/beis-indicators, Copyright (c) 2021 Nesta)"
_POP_RAW = "raw/RegionalEconomicTools/Table 6 Total resident population numbers persons Apr2024.csv"
_RELEASE = "April 2024 release (ons_population_apr2024, Table 6)"
_DENOM_YEAR = f"ONS total resident population (mid-year), same year, {_RELEASE}"
_DENOM_FINANCIAL = (f"ONS total resident population (mid-year) of the financial year's first "
                    f"calendar year (2019/20 -> mid-2019), {_RELEASE}")
#: Marker in the indicator specs below: the file's ``year`` is a financial year (labelled
#: ``"2019/20"``), not an academic (``True``) or calendar (``False``) year.
FINANCIAL = "financial"
_DENOM_ACADEMIC = (f"ONS total resident population (mid-year) of the academic year's first "
                   f"calendar year (2018/19 -> mid-2018), {_RELEASE}")


def _yaml(path: Path) -> dict:
    require_file(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise raw_error(path, f"expected YAML metadata ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("schema", {}).get("value"), dict):
        raise raw_error(path, "expected YAML with schema.value (id, type, label)")
    return doc


def read_nuts2_summed(raw_dir: Path, relpath: str, value_col: str, expect_gbp: bool
                      ) -> tuple[dict[tuple[str, int], float], dict]:
    """Sum one beis-indicators NUTS2 file to ITL1.

    Parameters
    ----------
    raw_dir : Path
        The shared ``data/raw`` folder.
    relpath : str
        File inside ``raw/beis-indicators`` without extension, e.g. ``"hebci/ip_revenue.nuts2"``.
    value_col : str
        Name of the value column (the .yaml ``schema.value.id``).
    expect_gbp : bool
        ``True`` if the values must be pounds sterling (.yaml ``schema.value.type == "GBP"``);
        ``False`` for counts (no type).

    Returns
    -------
    (sums, meta)
        ``{(itl1_code, year): sum over NUTS2 areas}`` (units as in the file: GBP or a count) and
        the parsed .yaml.
    """
    csv_path = raw_dir / BEIS / f"{relpath}.csv"
    meta = _yaml(raw_dir / BEIS / f"{relpath}.yaml")
    value = meta["schema"]["value"]
    if value.get("id") != value_col:
        raise raw_error(raw_dir / BEIS / f"{relpath}.yaml",
                        f"expected schema.value.id {value_col!r}, found {value.get('id')!r}")
    if expect_gbp != (value.get("type") == "GBP"):
        raise raw_error(raw_dir / BEIS / f"{relpath}.yaml",
                        f"expected schema.value.type {'GBP' if expect_gbp else '(none: a count)'}"
                        f", found {value.get('type')!r}")
    df = read_csv_checked(csv_path, ["year", "nuts_id", "nuts_year_spec", value_col])
    sums: dict[tuple[str, int], float] = {}
    seen = set()
    for r in df.itertuples(index=False):
        nuts2 = str(r.nuts_id).strip()
        area = itl1_code(nuts2[:3])
        if len(nuts2) != 4 or area is None:
            raise raw_error(csv_path, f"expected NUTS2 codes UKC1..UKN0, found {nuts2!r}")
        try:
            year = int(r.year)
            amount = float(getattr(r, value_col))
        except ValueError:
            raise raw_error(csv_path, f"expected a year and a number for {nuts2}, found "
                                      f"{r.year!r}, {getattr(r, value_col)!r}") from None
        if (year, nuts2) in seen:
            raise raw_error(csv_path, f"expected one row per year and NUTS2 area, found two for "
                                      f"{nuts2} {year}")
        seen.add((year, nuts2))
        sums[(area, year)] = sums.get((area, year), 0.0) + amount
    return sums, meta


def sources(raw_dir: Path, shared_dir: Path) -> dict[str, Source]:
    """Sources of the beis-indicators files used, keyed by source_id."""
    commit = source_commit(raw_dir / BEIS / "SOURCE.txt")

    def files(*names: str) -> tuple[str, ...]:
        return tuple(rel(raw_dir / BEIS / f"{n}{ext}", shared_dir)
                     for n in names for ext in (".csv", ".yaml"))

    return {
        "hesa_hebci": Source(
            "hesa_hebci", "HESA",
            "Higher Education Business and Community Interaction (HE-BCI) survey, tables 1, 2a, "
            "2b and 4e, by provider, summed to NUTS2 by Nesta (beis-indicators 0.1.4)",
            _REPO, commit, "https://www.hesa.ac.uk/data-and-analysis/business-community",
            "Licence of the HESA data not stated by the source (beis-indicators' SOURCE.txt, "
            "README and .yaml name none); used as re-published by Nesta under "
            f"{_REPO_LICENCE}",
            "Source: HESA Higher Education Business and Community Interaction survey; NUTS2 "
            "sums by Nesta (beis-indicators, MIT).",
            files("hebci/collaborative_research_cash.nuts2", "hebci/contract_research_sme.nuts2",
                  "hebci/consultancy_facilities_sme.nuts2", "hebci/ce_cpd_income.nuts2",
                  "hebci/ip_revenue.nuts2", "hebci/graduate_startups.nuts2"),
            "2020-09"),
        "innovate_uk_funded_projects": Source(
            "innovate_uk_funded_projects", "Innovate UK",
            "Innovate UK funded projects (spreadsheet of 1 August 2020), funding by participant "
            "location, summed to NUTS2 by Nesta (beis-indicators 0.1.4)",
            _REPO, commit,
            "https://www.gov.uk/government/publications/innovate-uk-funded-projects",
            f"{OGL} (gov.uk publication); NUTS2 sums under {_REPO_LICENCE}",
            "Source: Innovate UK funded projects (gov.uk); NUTS2 sums by Nesta (beis-indicators, "
            "MIT). Contains public sector information licensed under the Open Government Licence "
            "v3.0.",
            files("innovate_uk/gbp_innovate_uk_funding.nuts2"), "2020-08-01"),
        "crunchbase_nesta": Source(
            "crunchbase_nesta", "Crunchbase",
            "Crunchbase organisations and funding rounds (proprietary), aggregated to NUTS2 by "
            "Nesta (beis-indicators 0.1.4): venture capital received and tech companies founded",
            _REPO, commit, "https://www.crunchbase.com/",
            f"Proprietary source data (Crunchbase); only Nesta's NUTS2 aggregates are used, "
            f"published under {_REPO_LICENCE}",
            "Source: Crunchbase data aggregated by Nesta (beis-indicators, MIT).",
            files("crunchbase/gbp_venture_capital_received", "crunchbase/companies_founded.nuts2"),
            "2020-09-22"),
    }


def beis_indicators(raw_dir: Path, shared_dir: Path, pop2024: Population,
                    src: dict[str, Source]) -> list[tuple[Indicator, pd.DataFrame]]:
    """Indicators built from NUTS2 sums: HE-BCI, UKRI, Innovate UK and Crunchbase.

    Amounts in GBP are divided by the total resident population of the matching year (April 2024
    release) -> £ per resident; counts -> per 100,000 residents. HE-BCI years are academic years
    (the file's ``year`` 2018 = 2018/19, divided by the mid-2018 population); Innovate UK years
    are financial competition years (2019 = 2019/20, divided by the mid-2019 population).
    """
    hebci_caveat = (
        "HESA HE-BCI income summed over universities by the location of each university's "
        "head office (providers not geocoded by Nesta are dropped), so activity is credited to "
        "the university's region, not the partner's. NUTS 2013 areas to 2015/16, NUTS 2016 "
        "after; ITL1 sums are unaffected.")
    specs = [
        # id, file, value col, gbp?, source, component, name, unit, scale,
        # academic? (True) / FINANCIAL / calendar (False), proxy, caveat
        ("hebci_collab_research_per_head", "hebci/collaborative_research_cash.nuts2",
         "collaborative_research_cash", True, "hesa_hebci", "collaboration_coordination",
         "University collaborative research income (cash from non-academic partners) per "
         "resident", "GBP per resident", 1.0, True, False,
         hebci_caveat + " Cash only (in-kind excluded); from 2015/16."),
        ("hebci_contract_research_sme_per_head", "hebci/contract_research_sme.nuts2",
         "contract_research_sme", True, "hesa_hebci", "collaboration_coordination",
         "University contract research income from SMEs per resident", "GBP per resident",
         1.0, True, False, hebci_caveat),
        ("hebci_consultancy_sme_per_head", "hebci/consultancy_facilities_sme.nuts2",
         "consultancy_facilities_sme", True, "hesa_hebci", "collaboration_coordination",
         "University consultancy and facilities income from SMEs per resident",
         "GBP per resident", 1.0, True, False, hebci_caveat),
        ("hebci_cpd_income_per_head", "hebci/ce_cpd_income.nuts2", "ce_cpd_income", True,
         "hesa_hebci", "collaboration_coordination",
         "University continuing professional development and continuing education income per "
         "resident", "GBP per resident", 1.0, True, False, hebci_caveat),
        ("hebci_ip_revenue_per_head", "hebci/ip_revenue.nuts2", "ip_revenue", True,
         "hesa_hebci", "collaboration_coordination",
         "University intellectual property income per resident", "GBP per resident", 1.0,
         True, False, hebci_caveat + " IP income is lumpy: one licence can dominate a year."),
        ("hebci_graduate_startups_per_100k", "hebci/graduate_startups.nuts2",
         "graduate_startups", False, "hesa_hebci", "collaboration_coordination",
         "Active graduate start-ups per 100,000 residents", "per 100,000 residents", 1e5,
         True, True,
         hebci_caveat + " Proxy: measures university-linked entrepreneurship rather than "
         "collaboration itself. Northern Ireland reports 0-7 active graduate start-ups a year, "
         "far below other regions: possibly incomplete reporting or geocoding."),
        ("innovate_uk_funding_per_head", "innovate_uk/gbp_innovate_uk_funding.nuts2",
         "gbp_innovate_uk_funding", True, "innovate_uk_funded_projects", "research_innovation",
         "Innovate UK funding awarded per resident", "GBP per resident", 1.0, FINANCIAL, False,
         "Financial years: the file's year is the financial year of the competition (its first "
         "calendar year: 2019 = 2019/20, April 2019 to March 2020), labelled 2019/20 here and "
         "divided by the mid-2019 population. Awards not withdrawn or on hold, by participant "
         "location, from the spreadsheet of 1 August 2020; 2020/21 is therefore a part year "
         "and is left out. Lumpy from year to year (UK total {uk_range})."),
        ("vc_received_per_head", "crunchbase/gbp_venture_capital_received",
         "gbp_venture_capital_received", True, "crunchbase_nesta", "finance_investment",
         "Venture capital received by companies based in the region, per resident",
         "GBP per resident", 1.0, False, False,
         "Crunchbase is a proprietary, incomplete source (crowd-sourced and partner data); "
         "some deals converted to GBP at announcement; data of February 2020, so the latest "
         "year may be incomplete (UK total {vc_last}). Experimental (Nesta)."),
        ("tech_companies_founded_per_100k", "crunchbase/companies_founded.nuts2",
         "companies_founded", False, "crunchbase_nesta", "finance_investment",
         "Technology companies founded (Crunchbase) per 100,000 residents",
         "per 100,000 residents", 1e5, False, True,
         "Proxy for the investment pipeline: counts new tech companies, not finance. "
         "Crunchbase is proprietary and undercounts (Nesta's warning); some companies have no "
         "location. Recent years are undercounted because companies are added to Crunchbase "
         "with a lag (data of September 2020): {founded_drop} The default period is therefore "
         "{founded_default}, the UK peak and the last year before the fall, not the latest "
         "year. Experimental (Nesta)."),
    ]
    out = []
    for (ind_id, relpath, col, gbp, sid, component, name, unit, scale, academic, proxy,
         caveat) in specs:
        sums, _meta = read_nuts2_summed(raw_dir, relpath, col, gbp)
        default_period = None
        if ind_id == "innovate_uk_funding_per_head":
            sums = {k: v for k, v in sums.items() if k[1] <= 2019}
            uk = _uk_by_year(sums)
            caveat = caveat.format(uk_range=f"£{min(uk.values()) / 1e9:.1f}bn-"
                                            f"£{max(uk.values()) / 1e9:.1f}bn a year")
        elif ind_id == "vc_received_per_head":
            uk = _uk_by_year(sums)
            last, prev = max(uk), max(uk) - 1
            caveat = caveat.format(vc_last=f"£{uk[last] / 1e9:.1f}bn in {last} against "
                                           f"£{uk[prev] / 1e9:.1f}bn in {prev}")
        elif ind_id == "tech_companies_founded_per_100k":
            default_period, drop = _founded_default(sums)
            caveat = caveat.format(founded_drop=drop, founded_default=default_period)
        rows = [(a, academic_year(y) if academic else str(y), y, v)
                for (a, y), v in sorted(sums.items())]
        values = pop2024.per_head(rows, scale=scale)
        if set(values["area_code"]) - set(ITL1_ORDER):
            raise raw_error(raw_dir / BEIS / f"{relpath}.csv", "expected only UK NUTS2 areas")
        raw_path = f"raw/beis-indicators/{relpath}.csv; {_POP_RAW}"
        denom = {True: _DENOM_ACADEMIC, False: _DENOM_YEAR, FINANCIAL: _DENOM_FINANCIAL}[academic]
        out.append((Indicator(ind_id, name, component, 1, unit, denom, src[sid], caveat, proxy,
                              raw_path, default_period), values))
    return out


def _uk_by_year(sums: dict[tuple[str, int], float]) -> dict[int, float]:
    """The 12 regions summed by year."""
    uk: dict[int, float] = {}
    for (_a, y), v in sums.items():
        uk[y] = uk.get(y, 0.0) + v
    return uk


def _founded_default(sums: dict[tuple[str, int], float]) -> tuple[str, str]:
    """Default period of Crunchbase companies founded, and the sentence that justifies it.

    The default is the year in which the UK count peaks: every later year is lower, the
    pattern of a source that adds companies with a lag (Nesta: the counts are "likely to be an
    underestimate"), so any later year would rank regions on an undercount that grows towards
    the present. Only published counts are used (no correction is estimated).
    """
    uk = _uk_by_year(sums)
    peak = max(uk, key=lambda y: uk[y])
    last = max(uk)
    london = {y: v for (a, y), v in sums.items() if a == "TLI"}
    drop = (f"the UK count peaks at {uk[peak]:,.0f} in {peak} and falls every year to "
            f"{uk[last]:,.0f} in {last}; London {london[peak]:,.0f} in {peak}, "
            f"{london[last]:,.0f} in {last}.")
    if any(uk[y] >= uk[y - 1] for y in range(peak + 1, last + 1)):
        drop = (f"the UK count peaks at {uk[peak]:,.0f} in {peak} and is {uk[last]:,.0f} in "
                f"{last}.")
    return str(peak), drop
