"""Statistical models of the ICT GVA panel: trends, projections, convergence, and the link to LDI.

techUK's Digital GVA per person is not published as a time series, and its definition of the
digital sector was not published either. The open proxy used here is **ICT GVA per head**: gross
value added of the whole of SIC07 section J "Information and communication", divisions 58-63
(ONS regional accounts, April 2023 release, balanced, current prices, £ million, 1998-2021),
divided by the **total resident population of one consistent ONS release, by year**: the April
2024 release (Table 6), whose population series is on one basis for every year
(:data:`POPULATION_SOURCE_ID`). The April 2023 release's own population (Table 17) is not used:
its 2021 figure is Census-2021-based and 1998-2020 are not, which breaks per-head growth across
2020-2021 (London's population change 2020-2021 is -2.3% there, -0.7% in the April 2024 release).
Where a figure is shown "per working-age resident", it is the per-head figure divided by each
region's share of residents aged 16-64 in mid-2020 (held fixed over time), so it has the same
growth rates and differs from per-head only by a constant per region.

Which definition: this proxy is the whole of section J because it stands in for techUK's
whole-sector figure. The index's Digital Adoption indicators use J less division 63 (division 63
is the Data Ecosystems proxy, see ``data/DATA_LOG.md``); techUK's own figures (:mod:`ldi_helpers.analysis.gva`)
are reproduced as published.

Models (statsmodels):

* :func:`trend_growth` - log-linear OLS trend per region, ``log(y) = a + b * year``; growth a year
  ``exp(b) - 1`` with a confidence interval; standard errors are HAC (Newey-West) because yearly
  residuals are autocorrelated.
* :func:`project_trend` - the trend extended with prediction intervals for a single future year.
* :func:`beta_convergence` - annualised growth on the log initial level across the 12 regions,
  heteroskedasticity-robust (HC3) standard errors; a negative slope means the lagging regions grew
  faster.
* :func:`sigma_convergence` - the dispersion (standard deviation) of log levels each year, with an
  OLS trend test (HAC standard errors); a falling dispersion means the regions are converging.
* :func:`compare_with_published` - how closely the proxy tracks techUK's published 2023 values.
* :func:`relate_to_index` - correlation of the composite index and its components with Digital GVA
  per person (n = 12: descriptive only).

Nominal growth: the GVA is in current prices, so the growth rates include inflation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ..errors import LDIError
from ..data.geography import ITL1_CODES, region_by_code

#: SIC07 code of the proxy (section J, "Information and communication", divisions 58-63).
ICT_SECTION = "J"
#: Source id (``population.csv``) of the population every per-head series over time divides by:
#: the ONS April 2024 regional-accounts release (Table 6), one basis for every year 1998-2022.
POPULATION_SOURCE_ID = "ons_population_apr2024"
#: Lags for the Newey-West (HAC) standard errors of yearly time-series regressions.
HAC_LAGS = 2


_MONTH_YEAR = re.compile(
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r" \d{4}")


class ModelError(LDIError):
    """A model cannot be fitted to the data given (too few years, missing values, bad argument)."""


def _name(code: str) -> str:
    return region_by_code(code).name if code in ITL1_CODES else str(code)


# --------------------------------------------------------------------------- building the panel


def _population_release(data, ict: pd.DataFrame, population_release: str | None) -> str:
    """The one population release a per-head series divides by.

    An explicit ``population_release`` wins; else the release of :data:`POPULATION_SOURCE_ID`
    (consistent across years) when the data have it; else (other editions, test data) the
    release matching the GVA release.
    """
    pop = data.population
    releases = sorted(pop["release"].dropna().unique())
    if population_release is not None:
        if population_release not in releases:
            raise ModelError(f"population_release: unknown release {population_release!r}; "
                             f"valid releases are {', '.join(map(repr, releases))}")
        return population_release
    preferred = sorted(pop.loc[(pop["source_id"] == POPULATION_SOURCE_ID)
                               & (pop["age_band"] == "all_ages"), "release"].dropna().unique())
    if len(preferred) == 1:
        return preferred[0]
    ict_releases = sorted(ict["release"].dropna().unique())
    same = [r for r in ict_releases if r in releases]
    if len(same) == 1:
        return same[0]
    # same ONS publication: the release labels name the same month and year ("April 2023")
    months = {m for r in ict_releases for m in _MONTH_YEAR.findall(str(r))}
    all_ages = pop.loc[pop["age_band"] == "all_ages", "release"].dropna().unique()
    same_month = sorted(r for r in all_ages if months & set(_MONTH_YEAR.findall(str(r))))
    if len(same_month) == 1:
        return same_month[0]
    ict_sources = set(ict["source_id"].dropna())
    by_source = sorted(pop.loc[pop["source_id"].isin(ict_sources), "release"].unique())
    if len(by_source) == 1:
        return by_source[0]
    raise ModelError(
        f"cannot tell which population release matches the ICT GVA release(s) {ict_releases}; "
        f"pass population_release= one of {', '.join(map(repr, releases))}"
    )


def ict_gva_per_head(data, sic07_code: str = ICT_SECTION,
                     population_release: str | None = None) -> pd.DataFrame:
    """ICT GVA per head by region and year: the open proxy for Digital GVA per person.

    Parameters
    ----------
    data : LDIData
        Uses ``ict_panel``, ``population`` (all ages, by year) and ``areas`` (mid-2020 16-64 share).
    sic07_code : str
        SIC07 code in ``ict_gva_panel.csv`` (default section ``"J"``; ``"63"`` is information
        service activities).
    population_release : str, optional
        ONS release of the population denominator (default: the release of
        :data:`POPULATION_SOURCE_ID`, April 2024, consistent across years; without it in the
        data, the release matching the GVA release).

    Returns
    -------
    DataFrame
        area_code, region, year, gva_gbp_million, population (total residents, one release),
        gva_per_head_gbp (£ per resident), working_age_share_2020,
        gva_per_working_age_gbp (£ per resident aged 16-64, = per head / mid-2020 16-64 share),
        population_release (one release for every row). Only years with both GVA and
        population are kept.
    """
    codes = data.ict_panel["sic07_code"].astype(str)
    ict = data.ict_panel[codes == str(sic07_code)]
    if ict.empty:  # the ONS tables label the section "J (58-63)": accept the leading code
        ict = data.ict_panel[codes.str.split(" ").str[0] == str(sic07_code)]
    if ict.empty:
        codes = sorted(data.ict_panel["sic07_code"].astype(str).unique())
        raise ModelError(f"sic07_code: {sic07_code!r} is not in ict_gva_panel.csv; valid codes "
                         f"are {', '.join(codes)}")
    release = _population_release(data, ict, population_release)
    pop = data.population[(data.population["release"] == release)
                          & (data.population["age_band"] == "all_ages")]
    panel = ict[["area_code", "year", "gva_gbp_million"]].merge(
        pop[["area_code", "year", "population"]], on=["area_code", "year"], how="inner")
    panel = panel.dropna(subset=["gva_gbp_million", "population"])
    if panel.empty:
        raise ModelError(f"no years with both ICT GVA and population (release {release!r})")
    areas = data.areas.set_index("area_code")
    share = (areas["population_16_64"] / areas["population_total"]).astype("float64")
    panel["gva_per_head_gbp"] = panel["gva_gbp_million"] * 1e6 / panel["population"]
    panel["working_age_share_2020"] = panel["area_code"].map(share)
    panel["gva_per_working_age_gbp"] = (panel["gva_per_head_gbp"]
                                        / panel["working_age_share_2020"])
    panel.insert(1, "region", panel["area_code"].map(_name))
    panel["population_release"] = release
    order = {c: i for i, c in enumerate(ITL1_CODES)}
    panel = panel.sort_values(["area_code", "year"], key=lambda s: s.map(order)
                              if s.name == "area_code" else s).reset_index(drop=True)
    return panel


def uk_total(panel: pd.DataFrame) -> pd.DataFrame:
    """The 12 regions summed by year: year, gva_gbp_million, population, gva_per_head_gbp.

    Only years where all regions of the panel are present are kept.
    """
    n = panel["area_code"].nunique()
    g = panel.groupby("year").agg(gva_gbp_million=("gva_gbp_million", "sum"),
                                  population=("population", "sum"),
                                  regions=("area_code", "nunique")).reset_index()
    g = g[g["regions"] == n].drop(columns="regions")
    g["gva_per_head_gbp"] = g["gva_gbp_million"] * 1e6 / g["population"]
    return g


# --------------------------------------------------------------------------- trends


def _loglinear(years: np.ndarray, y: np.ndarray, cov: str = "HAC"):
    if len(y) < 5:
        raise ModelError(f"a trend needs at least 5 years, got {len(y)}")
    if np.any(~np.isfinite(y)) or np.any(y <= 0):
        raise ModelError("a log-linear trend needs positive, finite values")
    x = sm.add_constant(years.astype("float64") - years.min())
    model = sm.OLS(np.log(y), x)
    if cov == "HAC":
        return model.fit(cov_type="HAC", cov_kwds={"maxlags": HAC_LAGS})
    return model.fit()


def trend_growth(panel: pd.DataFrame, value: str = "gva_per_head_gbp", start_year: int | None = None,
                 end_year: int | None = None, alpha: float = 0.05,
                 include_uk: bool = True) -> pd.DataFrame:
    """Trend growth a year per region from a log-linear OLS fit, with a confidence interval.

    Parameters
    ----------
    panel : DataFrame
        Columns area_code, year and ``value`` (e.g. from :func:`ict_gva_per_head`).
    value : str
        Column to model (must be positive).
    start_year, end_year : int, optional
        Window of years (inclusive); default all years.
    alpha : float
        1 - confidence level (0.05 gives 95% intervals).
    include_uk : bool
        Add a row ``UK`` for the 12 regions summed (needs gva_gbp_million and population columns).

    Returns
    -------
    DataFrame
        area_code, region, first_year, last_year, n_years, growth_rate, ci_lo, ci_hi (fractions a
        year, ``exp(b) - 1``), r_squared. Standard errors are HAC (Newey-West, 2 lags).
    """
    p = panel
    if start_year is not None:
        p = p[p["year"] >= start_year]
    if end_year is not None:
        p = p[p["year"] <= end_year]
    groups = [(c, g) for c, g in p.groupby("area_code", sort=False)]
    if include_uk and {"gva_gbp_million", "population"} <= set(p.columns) \
            and value == "gva_per_head_gbp":
        groups.append(("UK", uk_total(p)))
    rows = []
    for code, g in groups:
        g = g.sort_values("year")
        fit = _loglinear(g["year"].to_numpy(), g[value].to_numpy(dtype="float64"))
        lo, hi = fit.conf_int(alpha=alpha)[1]
        rows.append({
            "area_code": code,
            "region": "United Kingdom (12 regions)" if code == "UK" else _name(code),
            "first_year": int(g["year"].min()), "last_year": int(g["year"].max()),
            "n_years": int(len(g)),
            "growth_rate": float(np.expm1(fit.params[1])),
            "ci_lo": float(np.expm1(lo)), "ci_hi": float(np.expm1(hi)),
            "r_squared": float(fit.rsquared),
        })
    return pd.DataFrame(rows)


def project_trend(panel: pd.DataFrame, area_code: str, to_year: int,
                  value: str = "gva_per_head_gbp", start_year: int | None = None,
                  alpha: float = 0.10) -> pd.DataFrame:
    """Observed values, fitted trend and projection with prediction intervals for one region.

    The projection is the exponentiated log-linear trend (a median, not a mean); the interval is
    the ``1 - alpha`` prediction interval for a single year's value (parameter uncertainty plus
    the residual variance), exponentiated. ``area_code="UK"`` projects the 12 regions summed.

    Returns
    -------
    DataFrame
        year, observed (NaN for future years), trend, pi_lo, pi_hi.
    """
    if area_code == "UK":
        g = uk_total(panel)
    else:
        g = panel[panel["area_code"] == area_code]
        if g.empty:
            raise ModelError(f"area_code: {area_code!r} not in the panel; valid codes are "
                             f"{', '.join(panel['area_code'].unique())} or 'UK'")
    if start_year is not None:
        g = g[g["year"] >= start_year]
    g = g.sort_values("year")
    years = g["year"].to_numpy()
    if to_year < years.max():
        raise ModelError(f"to_year: {to_year} is before the last observed year {years.max()}")
    fit = _loglinear(years, g[value].to_numpy(dtype="float64"), cov="nonrobust")
    all_years = np.arange(years.min(), to_year + 1)
    x = sm.add_constant(all_years.astype("float64") - years.min(), has_constant="add")
    pred = fit.get_prediction(x).summary_frame(alpha=alpha)
    obs = g.set_index("year")[value].reindex(all_years)
    return pd.DataFrame({
        "year": all_years,
        "observed": obs.to_numpy(dtype="float64"),
        "trend": np.exp(pred["mean"].to_numpy()),
        "pi_lo": np.exp(pred["obs_ci_lower"].to_numpy()),
        "pi_hi": np.exp(pred["obs_ci_upper"].to_numpy()),
    })


# --------------------------------------------------------------------------- convergence


@dataclass(frozen=True)
class BetaConvergence:
    """Cross-section regression of annualised growth on the log initial level.

    Attributes
    ----------
    start_year, end_year, n : int
    beta : float
        Slope: change in annual log growth per unit of log initial level (< 0: catching up).
    se, p_value, ci_lo, ci_hi : float
        HC3 robust standard error, p-value and 95% interval of the slope.
    r_squared : float
    speed : float
        Implied convergence speed ``-log(1 + beta * T) / T`` a year (NaN when undefined).
    half_life_years : float
        ``log(2) / speed`` when the speed is positive, else NaN.
    table : DataFrame
        area_code, region, log_initial, annual_growth (log points a year).
    """

    start_year: int
    end_year: int
    n: int
    beta: float
    se: float
    p_value: float
    ci_lo: float
    ci_hi: float
    r_squared: float
    speed: float
    half_life_years: float
    table: pd.DataFrame = field(repr=False)


def beta_convergence(panel: pd.DataFrame, value: str = "gva_per_head_gbp",
                     start_year: int | None = None, end_year: int | None = None) -> BetaConvergence:
    """Beta convergence: do regions that started lower grow faster? (OLS, HC3 robust SEs).

    ``(log y_end - log y_start) / T = a + beta * log y_start + e`` across regions.
    """
    start = int(panel["year"].min()) if start_year is None else int(start_year)
    end = int(panel["year"].max()) if end_year is None else int(end_year)
    if end <= start:
        raise ModelError(f"end_year {end} must be after start_year {start}")
    wide = panel.pivot(index="area_code", columns="year", values=value)
    if start not in wide.columns or end not in wide.columns:
        raise ModelError(f"years {start} and {end} must both be in the panel")
    y0, y1 = wide[start].astype("float64"), wide[end].astype("float64")
    ok = y0.notna() & y1.notna() & (y0 > 0) & (y1 > 0)
    y0, y1 = y0[ok], y1[ok]
    if len(y0) < 4:
        raise ModelError(f"beta convergence needs at least 4 regions, got {len(y0)}")
    T = end - start
    growth = (np.log(y1) - np.log(y0)) / T
    x = sm.add_constant(np.log(y0).to_numpy())
    fit = sm.OLS(growth.to_numpy(), x).fit(cov_type="HC3")
    beta = float(fit.params[1])
    lo, hi = fit.conf_int()[1]
    arg = 1.0 + beta * T
    speed = float(-np.log(arg) / T) if arg > 0 else float("nan")
    half = float(np.log(2) / speed) if np.isfinite(speed) and speed > 0 else float("nan")
    table = pd.DataFrame({"area_code": y0.index, "region": [_name(c) for c in y0.index],
                          "log_initial": np.log(y0).to_numpy(),
                          "annual_growth": growth.to_numpy()})
    return BetaConvergence(start, end, int(len(y0)), beta, float(fit.bse[1]),
                           float(fit.pvalues[1]), float(lo), float(hi), float(fit.rsquared),
                           speed, half, table)


@dataclass(frozen=True)
class SigmaConvergence:
    """Dispersion of log levels across regions over time, with a linear trend test.

    Attributes
    ----------
    table : DataFrame
        year, sd_log (standard deviation of log values, ddof=1), cv (coefficient of variation).
    slope : float
        Change in sd_log a year (< 0: converging).
    ci_lo, ci_hi, p_value : float
        95% interval and p-value of the slope (HAC, Newey-West 2 lags).
    first_sd, last_sd : float
    """

    table: pd.DataFrame = field(repr=False)
    slope: float
    ci_lo: float
    ci_hi: float
    p_value: float
    first_sd: float
    last_sd: float


def sigma_convergence(panel: pd.DataFrame, value: str = "gva_per_head_gbp") -> SigmaConvergence:
    """Sigma convergence: is the spread of (log) values across regions narrowing over time?"""
    wide = panel.pivot(index="year", columns="area_code", values=value).astype("float64")
    wide = wide.dropna()
    if len(wide) < 5:
        raise ModelError(f"sigma convergence needs at least 5 complete years, got {len(wide)}")
    if (wide <= 0).any().any():
        raise ModelError("sigma convergence needs positive values")
    sd_log = np.log(wide).std(axis=1, ddof=1)
    cv = wide.std(axis=1, ddof=1) / wide.mean(axis=1)
    table = pd.DataFrame({"year": wide.index.to_numpy(), "sd_log": sd_log.to_numpy(),
                          "cv": cv.to_numpy()})
    x = sm.add_constant(table["year"].to_numpy(dtype="float64") - table["year"].min())
    fit = sm.OLS(table["sd_log"].to_numpy(), x).fit(cov_type="HAC",
                                                    cov_kwds={"maxlags": HAC_LAGS})
    lo, hi = fit.conf_int()[1]
    return SigmaConvergence(table, float(fit.params[1]), float(lo), float(hi),
                            float(fit.pvalues[1]), float(sd_log.iloc[0]), float(sd_log.iloc[-1]))


# --------------------------------------------------------------------------- rates for scenarios


def estimated_growth_rate(data, start_year: int | None = None) -> float:
    """Trend growth a year of UK ICT GVA per head (12 regions summed, current prices).

    The "estimated" baseline growth of :class:`ldi_helpers.analysis.scenarios.Scenario`: log-linear OLS
    trend over all years of the panel (or from ``start_year``). Nominal: it includes inflation.
    """
    uk = uk_total(ict_gva_per_head(data))
    if start_year is not None:
        uk = uk[uk["year"] >= start_year]
    fit = _loglinear(uk["year"].to_numpy(), uk["gva_per_head_gbp"].to_numpy(dtype="float64"))
    return float(np.expm1(fit.params[1]))


def growth_volatility(data) -> float:
    """Standard deviation of the year-on-year log change in UK ICT GVA per head (ddof=1)."""
    uk = uk_total(ict_gva_per_head(data)).sort_values("year")
    return float(np.diff(np.log(uk["gva_per_head_gbp"].to_numpy(dtype="float64"))).std(ddof=1))


def _uk_population(data) -> pd.DataFrame:
    panel = ict_gva_per_head(data)
    return uk_total(panel).sort_values("year")


def estimated_population_growth(data) -> float:
    """Trend growth a year of the UK's total resident population (the release the per-head
    series divides by: April 2024, see :func:`ict_gva_per_head`).

    Used as the "estimated" population path of a scenario; it is total residents, applied to the
    population aged 16-64 as an assumption (no 16-64 series by year is in the curated data).
    """
    uk = _uk_population(data)
    fit = _loglinear(uk["year"].to_numpy(), uk["population"].to_numpy(dtype="float64"))
    return float(np.expm1(fit.params[1]))


def population_growth_volatility(data) -> float:
    """Standard deviation of the year-on-year log change in UK total residents (ddof=1)."""
    uk = _uk_population(data)
    return float(np.diff(np.log(uk["population"].to_numpy(dtype="float64"))).std(ddof=1))


# --------------------------------------------------------------------------- published values


def _corr(x: np.ndarray, y: np.ndarray) -> dict:
    r, rp = stats.pearsonr(x, y)
    rho, sp = stats.spearmanr(x, y)
    return {"n": int(len(x)), "pearson_r": float(r), "pearson_p": float(rp),
            "spearman_rho": float(rho), "spearman_p": float(sp)}


def compare_with_published(data, year: int | None = None,
                           panel: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    """How closely the proxy (ICT GVA per working-age resident) tracks techUK's 2023 values.

    Parameters
    ----------
    data : LDIData
    year : int, optional
        Year of the proxy (default: the latest in the panel; techUK did not say which year its
        2023 edition used).
    panel : DataFrame, optional
        Output of :func:`ict_gva_per_head` (default: built from ``data``).

    Returns
    -------
    table : DataFrame
        area_code, region, proxy_gbp (ICT GVA per working-age resident), published_gbp,
        ratio (published / proxy), proxy_rank, published_rank (1 = highest).
    stats : dict
        n, pearson_r, pearson_p (on levels), spearman_rho, spearman_p, log_pearson_r,
        ratio_median, ratio_min, ratio_max, year.
    """
    panel = ict_gva_per_head(data) if panel is None else panel
    year = int(panel["year"].max()) if year is None else int(year)
    proxy = panel[panel["year"] == year].set_index("area_code")["gva_per_working_age_gbp"]
    if proxy.empty:
        raise ModelError(f"year: {year} not in the panel; valid years "
                         f"{int(panel['year'].min())}-{int(panel['year'].max())}")
    pub = data.published.set_index("area_code")["digital_gva_per_person_gbp"].astype("float64")
    codes = [c for c in ITL1_CODES if c in proxy.index and c in pub.index]
    t = pd.DataFrame({"area_code": codes, "region": [_name(c) for c in codes],
                      "proxy_gbp": proxy.reindex(codes).to_numpy(dtype="float64"),
                      "published_gbp": pub.reindex(codes).to_numpy()})
    t["ratio"] = t["published_gbp"] / t["proxy_gbp"]
    t["proxy_rank"] = t["proxy_gbp"].rank(ascending=False, method="min").astype("int64")
    t["published_rank"] = t["published_gbp"].rank(ascending=False, method="min").astype("int64")
    s = _corr(t["proxy_gbp"].to_numpy(), t["published_gbp"].to_numpy())
    s["log_pearson_r"] = float(stats.pearsonr(np.log(t["proxy_gbp"]),
                                              np.log(t["published_gbp"]))[0])
    s.update(ratio_median=float(t["ratio"].median()), ratio_min=float(t["ratio"].min()),
             ratio_max=float(t["ratio"].max()), year=year)
    return t, s


def relate_to_index(scores: pd.DataFrame, outcome: pd.Series) -> pd.DataFrame:
    """Correlation of the composite index and each component with Digital GVA per person.

    Parameters
    ----------
    scores : DataFrame
        Regions (ITL1 codes) x columns (the composite and each component score).
    outcome : Series
        Digital GVA per person by ITL1 code (e.g. techUK's published values).

    Returns
    -------
    DataFrame
        One row per column of ``scores``: n, pearson_r, pearson_p, spearman_rho, spearman_p,
        slope_log_outcome (OLS of log outcome on the score standardised to mean 0, sd 1: the
        change in log Digital GVA per person for one standard deviation), slope_se (HC3),
        slope_p. With 12 regions (London far above the rest) these are descriptive only:
        a single region can make or break a correlation, and p-values are not corrected for
        testing several columns.
    """
    outcome = pd.Series(outcome, dtype="float64")
    rows = []
    for col in scores.columns:
        both = pd.concat([scores[col].astype("float64"), outcome], axis=1, join="inner").dropna()
        if len(both) < 4 or both.iloc[:, 0].std(ddof=1) == 0:
            rows.append({"measure": col, "n": int(len(both))})
            continue
        x, y = both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy()
        row = {"measure": col, **_corr(x, y)}
        z = (x - x.mean()) / x.std(ddof=1)
        fit = sm.OLS(np.log(y), sm.add_constant(z)).fit(cov_type="HC3")
        row.update(slope_log_outcome=float(fit.params[1]), slope_se=float(fit.bse[1]),
                   slope_p=float(fit.pvalues[1]))
        if "TLI" in both.index and len(both) > 4:
            rest = both.drop(index="TLI")
            row["spearman_rho_without_london"] = float(
                stats.spearmanr(rest.iloc[:, 0], rest.iloc[:, 1])[0])
        rows.append(row)
    return pd.DataFrame(rows)


def relate_index_to_digital_gva(data, spec=None) -> tuple[pd.DataFrame, list[str]]:
    """Relate the composite index and its components to techUK's Digital GVA per person.

    Builds the index with :func:`ldi_helpers.method.index.build_index` (default spec unless given) and
    passes the composite and component scores to :func:`relate_to_index` with techUK's published
    2023 values as the outcome.

    Returns
    -------
    table : DataFrame
        As :func:`relate_to_index`, first row ``composite``, then one row per component.
    gva_indicators : list of str
        Indicators inside the index that are themselves GVA-based (so part of any correlation is
        mechanical, not evidence that the other components drive Digital GVA).
    """
    from ..method.index import build_index

    result = build_index(data, spec)
    scores = pd.concat([result.composite.rename("composite"), result.component_scores], axis=1)
    outcome = data.published.set_index("area_code")["digital_gva_per_person_gbp"]
    table = relate_to_index(scores, outcome)
    gva_inds = [i for i in result.meta.index if "gva" in str(i).lower()]
    return table, gva_inds


# --------------------------------------------------------------------------- plain English


def _pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


def describe_trends(trends: pd.DataFrame, assumed_growth: float | None = None) -> str:
    """One paragraph reading a :func:`trend_growth` table for a policy reader.

    Parameters
    ----------
    trends : DataFrame
        Output of :func:`trend_growth` (with the ``UK`` row for the comparison sentence).
    assumed_growth : float, optional
        A growth assumption to set against the UK trend (e.g. techUK's sector growth rate).
    """
    reg = trends[trends["area_code"] != "UK"].sort_values("growth_rate")
    uk = trends[trends["area_code"] == "UK"]
    lo, hi = reg.iloc[0], reg.iloc[-1]
    text = (f"Over {int(reg['first_year'].min())}-{int(reg['last_year'].max())}, ICT GVA per head "
            f"grew fastest in {hi.region} ({_pct(hi.growth_rate)} a year, 95% CI "
            f"{_pct(hi.ci_lo)} to {_pct(hi.ci_hi)}) and slowest in {lo.region} "
            f"({_pct(lo.growth_rate)}, {_pct(lo.ci_lo)} to {_pct(lo.ci_hi)}).")
    if not uk.empty:
        u = uk.iloc[0]
        text += (f" For the UK as a whole the trend is {_pct(u.growth_rate)} a year "
                 f"({_pct(u.ci_lo)} to {_pct(u.ci_hi)}).")
    text += " These are nominal (current-price) rates, so they include inflation."
    if assumed_growth is not None and not uk.empty and uk.iloc[0].growth_rate > 0:
        text += (f" techUK's assumed sector growth of {_pct(assumed_growth, 0)} a year is "
                 f"{assumed_growth / uk.iloc[0].growth_rate:.1f} times the UK trend of this proxy.")
    return text


def describe_beta(b: BetaConvergence) -> str:
    """Plain-English reading of a :class:`BetaConvergence` result."""
    direction = "lower" if b.beta < 0 else "higher"
    text = (f"Across the {b.n} regions, a 10% higher starting level of ICT GVA per head in "
            f"{b.start_year} went with {abs(b.beta) * np.log(1.1) * 100:.2f} percentage points "
            f"{direction} annual growth to {b.end_year} (slope {b.beta:.4f}, robust 95% CI "
            f"{b.ci_lo:.4f} to {b.ci_hi:.4f}, p = {b.p_value:.2f}).")
    if b.ci_lo < 0 < b.ci_hi:
        text += (" The interval includes zero: there is no clear evidence that the lagging "
                 "regions have been catching up, nor that they have been falling behind.")
    elif b.beta < 0:
        text += (f" Lagging regions grew faster (implied half-life of the gap about "
                 f"{b.half_life_years:.0f} years).")
    else:
        text += " Leading regions grew faster: the regions have been drifting apart."
    return text


def describe_sigma(s: SigmaConvergence) -> str:
    """Plain-English reading of a :class:`SigmaConvergence` result."""
    t = s.table
    text = (f"The spread of ICT GVA per head across regions (standard deviation of logs) was "
            f"{s.first_sd:.3f} in {int(t['year'].iloc[0])} and {s.last_sd:.3f} in "
            f"{int(t['year'].iloc[-1])}; its trend is {s.slope:+.4f} a year (95% CI "
            f"{s.ci_lo:+.4f} to {s.ci_hi:+.4f}, p = {s.p_value:.2f}).")
    if s.ci_lo < 0 < s.ci_hi:
        text += " No significant narrowing or widening: the gaps have been broadly stable."
    elif s.slope < 0:
        text += " The gaps have been narrowing."
    else:
        text += " The gaps have been widening."
    return text


def describe_comparison(stats_: dict) -> str:
    """Plain-English reading of the statistics from :func:`compare_with_published`."""
    return (f"ICT GVA per working-age resident in {stats_['year']} and techUK's published "
            f"Digital GVA per person are closely related across the {stats_['n']} regions "
            f"(Pearson r = {stats_['pearson_r']:.3f}, Spearman rank correlation "
            f"{stats_['spearman_rho']:.3f}); techUK's values are {stats_['ratio_min']:.2f} to "
            f"{stats_['ratio_max']:.2f} times the proxy (median {stats_['ratio_median']:.2f}). "
            "With one region far above the rest (London), a correlation of levels is dominated by "
            "it; the rank correlation is the fairer test. "
            "The proxy is a stand-in, not techUK's measure: techUK's sector definition and year "
            "were not published.")


def describe_index_relation(table: pd.DataFrame, gva_indicators: list[str],
                            indicator_names: dict[str, str] | None = None) -> str:
    """Plain-English reading of :func:`relate_index_to_digital_gva`, with the small-n caveat.

    Components are named as in :data:`ldi_helpers.data.components.COMPONENTS` and the GVA-based
    indicators by ``indicator_names`` (indicator id -> name, e.g. from ``data.indicators``); an
    indicator without a name is shown by its id.
    """
    from ..data.components import COMPONENTS

    names = dict(indicator_names or {})
    comp = table.set_index("measure")
    c = comp.loc["composite"]
    parts = comp.drop(index="composite").dropna(subset=["spearman_rho"])
    top = parts.sort_values("spearman_rho", ascending=False)

    def cname(cid: str) -> str:
        return COMPONENTS.get(cid, str(cid).replace("_", " "))

    text = (f"Across {int(c['n'])} regions the composite index and techUK's Digital GVA per "
            f"person move together (rank correlation {c['spearman_rho']:.2f}; "
            f"{c.get('spearman_rho_without_london', float('nan')):.2f} without London). "
            f"Among the components the closest is {cname(top.index[0])} "
            f"({top['spearman_rho'].iloc[0]:.2f}) and the weakest "
            f"{cname(top.index[-1])} ({top['spearman_rho'].iloc[-1]:.2f}).")
    if gva_indicators:
        text += (f" Part of this is mechanical: the index itself contains GVA-based indicators "
                 f"({'; '.join(names.get(i, i) for i in gva_indicators)}), so it is not "
                 "independent of the outcome.")
    text += (" Twelve observations support little: one region can make or break a correlation, "
             "several measures are compared without correcting for multiple testing, and "
             "association is not causation.")
    return text
