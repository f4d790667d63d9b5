"""Build the curated, tidy data in ``data/`` from the raw files in ``../shared/data/raw``.

Entry point: :func:`build_data` (wired to ``ldi data build --raw PATH --out PATH``). It reads the
raw files (never copies them), builds every table of ``docs/CONTRACTS.md`` with exactly those
columns, validates the result with :func:`ldi_helpers.load.load_data`, and only then moves the files
into place, so a failure leaves the previous data untouched. The build is deterministic: rerunning
it on the same raw files gives byte-for-byte identical files (rows sorted, floats written with
Python's shortest round-trip ``repr``, ``\\n`` line endings, no timestamps).

Readers live in one module per source family:

- :mod:`ldi_helpers.curate_els`: ONS Explore Local Statistics (Ofcom coverage, qualifications, R&D,
  FDI, exports);
- :mod:`ldi_helpers.curate_ons`: ONS regional accounts (population, GVA by industry), mid-2020
  population by age, Internet users 2020, hex tiles;
- :mod:`ldi_helpers.curate_beis`: Nesta beis-indicators NUTS2 files (HE-BCI, UKRI, Innovate UK,
  Crunchbase) summed to ITL1;
- :mod:`ldi_helpers.curate_published`: techUK's published 2023 figures and the Lloyds CDI 2018 table.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from . import curate_beis, curate_decisions, curate_els, curate_ons, curate_published
from .components import COMPONENTS, CONTEXT
from .curate_common import (
    AREA_NAME, OGL_ATTRIBUTION, Indicator, Source, raw_error,
)
from .errors import DataValidationError
from .geography import REGIONS

#: Repository root (the package is installed editable from it).
REPO_ROOT = Path(__file__).resolve().parent.parent

#: Output files and their columns, in order (docs/CONTRACTS.md).
COLUMNS: dict[str, list[str]] = {
    "indicator_values.csv": ["area_code", "area_name", "geography", "indicator_id", "period",
                             "value"],
    "indicators.csv": ["indicator_id", "name", "component", "direction", "unit", "denominator",
                       "source_id", "source_org", "dataset", "url", "release_date", "licence",
                       "caveats", "is_proxy", "raw_path", "default_period"],
    "areas.csv": ["area_code", "gss_code", "nuts1_code", "name", "ons_accounts_name",
                  "techuk_name", "aliases", "tile_q", "tile_r", "population_total",
                  "population_16_64", "population_period", "population_source"],
    "population.csv": ["area_code", "year", "age_band", "population", "release", "source_id"],
    "ict_gva_panel.csv": ["area_code", "area_name", "sic07_code", "sic07_description", "year",
                          "gva_gbp_million", "release", "source_id"],
    "published_techuk_2023.csv": ["area_code", "region", "digital_gva_per_person_gbp",
                                  "uplift_to_uk_median_gbp", "gva_uplift_gbp",
                                  "ldi_2023_index_rank"],
    "published_techuk_2023_headlines.csv": ["fact", "value", "unit", "as_published"],
    "sources.csv": ["source_id", "publisher", "dataset", "via_repository", "commit", "url",
                    "licence", "attribution", "raw_files"],
}
DATA_LOG = "DATA_LOG.md"
OUTPUT_FILES: tuple[str, ...] = (*COLUMNS, DATA_LOG)

#: Names techUK uses where they differ from the ONS ITL1 name (published/SOURCE.md: techUK's
#: table said "Greater London" and "East").
TECHUK_NAMES = {"TLI": "Greater London", "TLH": "East"}

_COMPONENT_ORDER = {c: i for i, c in enumerate((*COMPONENTS, CONTEXT))}


def default_raw_dir() -> Path:
    """The default raw folder: ``../shared/data/raw`` relative to the repository root."""
    return REPO_ROOT.parent / "shared" / "data" / "raw"


def default_out_dir() -> Path:
    """The default output folder: ``data/`` in the repository."""
    return REPO_ROOT / "data"


# --------------------------------------------------------------------------------------------
# Assembling tables
# --------------------------------------------------------------------------------------------
def _default_period(values: pd.DataFrame) -> str:
    """Latest period among those with the most regions covered."""
    counts = values.groupby("period")["area_code"].nunique()
    best = counts[counts == counts.max()].index
    return str(max(best))


def _chosen_default_period(ind: Indicator, values: pd.DataFrame) -> str:
    """The indicator's stated ``default_period`` if it has one, else :func:`_default_period`.

    A stated period must exist and have the best regional coverage of the indicator (an override
    picks a more reliable period, never a less complete one).
    """
    if ind.default_period is None:
        return _default_period(values)
    counts = values.groupby("period")["area_code"].nunique()
    if ind.default_period not in counts.index or counts[ind.default_period] != counts.max():
        raise DataValidationError(
            f"indicator {ind.indicator_id!r}: stated default_period {ind.default_period!r} is "
            f"not a period with the best coverage ({', '.join(counts.index)}); fix the indicator "
            "list in ldi_helpers/curate_*.py")
    return ind.default_period


def _indicator_tables(built: list[tuple[Indicator, pd.DataFrame]]
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``indicators.csv`` and ``indicator_values.csv`` frames from (metadata, values) pairs."""
    meta_rows, value_parts = [], []
    seen = set()
    for ind, values in built:
        if ind.indicator_id in seen:
            raise DataValidationError(f"indicator id {ind.indicator_id!r} built twice; "
                                      "fix the indicator lists in ldi_helpers/curate_*.py")
        seen.add(ind.indicator_id)
        if ind.component not in _COMPONENT_ORDER:
            raise DataValidationError(f"indicator {ind.indicator_id!r} has unknown component "
                                      f"{ind.component!r}; valid: {', '.join(_COMPONENT_ORDER)}")
        if values.empty or values["value"].isna().any():
            raise DataValidationError(f"indicator {ind.indicator_id!r} has no values or a "
                                      "missing value; missing values must be absent rows")
        s = ind.source
        meta_rows.append({
            "indicator_id": ind.indicator_id, "name": ind.name, "component": ind.component,
            "direction": int(ind.direction), "unit": ind.unit, "denominator": ind.denominator,
            "source_id": s.source_id, "source_org": s.publisher, "dataset": s.dataset,
            "url": s.url, "release_date": s.release_date, "licence": s.licence,
            "caveats": ind.caveats, "is_proxy": "true" if ind.is_proxy else "false",
            "raw_path": ind.raw_path, "default_period": _chosen_default_period(ind, values),
        })
        v = values.copy()
        v["indicator_id"] = ind.indicator_id
        value_parts.append(v)
    meta = pd.DataFrame(meta_rows, columns=COLUMNS["indicators.csv"])
    meta["_order"] = meta["component"].map(_COMPONENT_ORDER)
    meta = meta.sort_values(["_order", "indicator_id"], kind="mergesort").drop(columns="_order")
    vals = pd.concat(value_parts, ignore_index=True)
    vals["area_name"] = vals["area_code"].map(AREA_NAME)
    vals["geography"] = "ITL1"
    vals["value"] = vals["value"].astype("float64")
    vals = vals.sort_values(["indicator_id", "period", "area_code"], kind="mergesort")
    return meta.reset_index(drop=True), vals[COLUMNS["indicator_values.csv"]].reset_index(drop=True)


def _areas_table(raw_dir: Path, mid2020: pd.DataFrame) -> pd.DataFrame:
    """``areas.csv``: codes, names and aliases, hex tile position, mid-2020 population."""
    tiles = curate_ons.read_hex_tiles(raw_dir)
    ons_names = curate_ons.ons_accounts_names(raw_dir)
    pop = mid2020.set_index("area_code")
    rows = []
    for r in REGIONS:
        q, rr = tiles[r.itl1_code]
        rows.append({
            "area_code": r.itl1_code, "gss_code": r.gss_code, "nuts1_code": r.nuts1_code,
            "name": r.name, "ons_accounts_name": ons_names[r.itl1_code],
            "techuk_name": TECHUK_NAMES.get(r.itl1_code, r.name),
            "aliases": "; ".join(r.aliases), "tile_q": q, "tile_r": rr,
            "population_total": int(pop.at[r.itl1_code, "population_total"]),
            "population_16_64": int(pop.at[r.itl1_code, "population_16_64"]),
            "population_period": "2020", "population_source": "ons_mye2_mid2020",
        })
    return pd.DataFrame(rows, columns=COLUMNS["areas.csv"]).sort_values(
        "area_code", kind="mergesort").reset_index(drop=True)


def _sources_table(sources: list[Source]) -> pd.DataFrame:
    rows = [{
        "source_id": s.source_id, "publisher": s.publisher, "dataset": s.dataset,
        "via_repository": s.via_repository, "commit": s.commit, "url": s.url,
        "licence": s.licence, "attribution": s.attribution, "raw_files": "; ".join(s.raw_files),
    } for s in sources]
    df = pd.DataFrame(rows, columns=COLUMNS["sources.csv"])
    if df["source_id"].duplicated().any():
        raise DataValidationError("duplicate source_id in the build; fix ldi_helpers/curate_*.py")
    return df.sort_values("source_id", kind="mergesort").reset_index(drop=True)


def _md(text: object) -> str:
    """Make a value safe inside a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _periods_summary(periods: list[str]) -> str:
    periods = sorted(periods)
    if len(periods) <= 3:
        return ", ".join(periods)
    return f"{periods[0]} to {periods[-1]} ({len(periods)} periods)"


def data_log(sources: pd.DataFrame, indicators: pd.DataFrame, values: pd.DataFrame,
             decisions: list[tuple[str, str]] | tuple = ()) -> str:
    """The text of ``DATA_LOG.md``, generated from the sources, indicators and values tables.

    ``decisions`` are the (title, text) pairs of the "Data decisions" section
    (:func:`ldi_helpers.curate_decisions.data_decisions`).
    """
    lines = [
        "# Data log",
        "",
        "Generated by `ldi_helpers.curate.build_data` from `sources.csv` and `indicators.csv`; "
        "do not edit by hand (rebuild with `ldi data build --raw ../shared/data/raw`).",
        "",
        f"Licence: ONS and Ofcom statistics: {OGL_ATTRIBUTION} Other sources: see the licence "
        "column; cite the original publisher and the repository the file was read from.",
        "",
        "Method notes:",
        "",
        "- Values are as published (no rounding); missing values are absent rows.",
        "- Per head = amount / ONS total resident population of the same year, always from one "
        "release, the April 2024 regional-accounts release (Table 6, 1998-2022), for every "
        "indicator (see Data decisions: one population vintage). Financial years (2021/22) and "
        "academic years (2018/19) use the mid-year population of their first calendar year "
        "(2021, 2018). Periods without a population in that release are not divided; their "
        "totals are kept as `context` indicators.",
        "- NUTS2 figures (beis-indicators) are summed to NUTS1 = ITL1 (UKC..UKN = TLC..TLN).",
        "- `default_period` is the latest period with the most regions covered, unless a data "
        "decision below states another period (which must also have the best coverage).",
        "",
        "## Sources",
        "",
        "| source_id | publisher | dataset | read from | commit | licence | url |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in sources.itertuples(index=False):
        lines.append(f"| {_md(s.source_id)} | {_md(s.publisher)} | {_md(s.dataset)} | "
                     f"{_md(s.via_repository)} | {_md(s.commit[:12])} | {_md(s.licence)} | "
                     f"{_md(s.url)} |")
    if decisions:
        lines += ["", "## Data decisions", ""]
        for title, text in decisions:
            lines += [f"- **{title}.** {text}"]
    lines += [
        "",
        "## Indicators",
        "",
        "| indicator_id | component | unit | direction | periods | default period | regions at "
        "default | proxy | source | caveats |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for ind in indicators.itertuples(index=False):
        v = values[values["indicator_id"] == ind.indicator_id]
        cover = v.loc[v["period"] == ind.default_period, "area_code"].nunique()
        lines.append(
            f"| {_md(ind.indicator_id)} | {_md(ind.component)} | {_md(ind.unit)} | "
            f"{'+1' if ind.direction == 1 else '-1'} | "
            f"{_md(_periods_summary(list(v['period'].unique())))} | {_md(ind.default_period)} | "
            f"{cover}/12 | {ind.is_proxy} | {_md(ind.source_id)} | {_md(ind.caveats)} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# The build
# --------------------------------------------------------------------------------------------
def build_tables(raw_dir: Path, shared_dir: Path) -> dict[str, pd.DataFrame | str]:
    """Read the raw files and return every output (file name -> frame, or text for DATA_LOG.md).

    Raises
    ------
    DataValidationError
        A raw file is missing or its layout changed (the message names the file and what was
        expected).
    """
    if not raw_dir.is_dir():
        raise raw_error(raw_dir, "raw data folder not found; pass --raw PATH pointing to "
                                 "shared/data/raw")
    src = {**curate_ons.sources(raw_dir, shared_dir), **curate_beis.sources(raw_dir, shared_dir),
           **curate_published.sources(shared_dir)}
    pop2023 = curate_ons.read_population_release(raw_dir, "apr2023")
    pop2024 = curate_ons.read_population_release(raw_dir, "apr2024")
    mid2020 = curate_ons.read_mid2020_by_age(raw_dir)
    panel = curate_ons.read_ict_gva_panel(raw_dir)

    els_built, els_sources = curate_els.els_indicators(raw_dir, shared_dir, pop2024)
    built = [
        *els_built,
        *curate_ons.internet_indicators(raw_dir, shared_dir, src),
        *curate_published.lloyds_indicators(shared_dir, src),
        *curate_ons.gva_indicators(raw_dir, shared_dir, panel, pop2024, src),
        *curate_beis.beis_indicators(raw_dir, shared_dir, pop2024, src),
    ]
    indicators, values = _indicator_tables(built)
    missing = [c for c in COMPONENTS if c not in set(indicators["component"])]
    if missing:
        raise DataValidationError(f"no indicator built for component(s) {', '.join(missing)}")

    used = {s.source_id: s for s in els_sources}
    for sid in sorted(set(indicators["source_id"]) | {
            "ons_population_apr2023", "ons_population_apr2024", "ons_mye2_mid2020",
            "openinnovations_hexjson", "techuk_ldi_2023"}):
        if sid not in used:
            used[sid] = src[sid]
    sources = _sources_table(list(used.values()))

    population = curate_ons.population_table(pop2023, pop2024, mid2020).sort_values(
        ["area_code", "release", "age_band", "year"], kind="mergesort").reset_index(drop=True)
    panel = panel.sort_values(["area_code", "sic07_code", "year"], kind="mergesort")
    published, headlines = curate_published.read_published_techuk(shared_dir)
    areas = _areas_table(raw_dir, mid2020)
    return {
        "indicator_values.csv": values,
        "indicators.csv": indicators,
        "areas.csv": areas,
        "population.csv": population[COLUMNS["population.csv"]],
        "ict_gva_panel.csv": panel[COLUMNS["ict_gva_panel.csv"]].reset_index(drop=True),
        "published_techuk_2023.csv": published,
        "published_techuk_2023_headlines.csv": headlines,
        "sources.csv": sources,
        DATA_LOG: data_log(sources, indicators, values,
                           curate_decisions.data_decisions(panel, pop2023, pop2024, indicators,
                                                           values)),
    }


def _write(tables: dict[str, pd.DataFrame | str], folder: Path) -> None:
    """Write the outputs deterministically (UTF-8, ``\\n``, repr floats, no index)."""
    for name, content in tables.items():
        path = folder / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="\n")
            continue
        if list(content.columns) != COLUMNS[name]:
            raise DataValidationError(f"{name}: built columns {list(content.columns)} differ from "
                                      f"the contract {COLUMNS[name]}")
        content.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def _validate(folder: Path) -> None:
    """Run the lead's loader on the freshly built folder, if it exists."""
    if importlib.util.find_spec("ldi_helpers.load") is None:  # loader not written yet
        return
    from .load import load_data

    load_data(folder)


def build_data(raw_dir: Path, out_dir: Path, shared_dir: Path | None = None) -> dict[str, Path]:
    """Build every curated table from the raw files and move them into ``out_dir``.

    Parameters
    ----------
    raw_dir : Path
        The shared raw folder (``.../shared/data/raw``).
    out_dir : Path
        Folder to write (``data/`` in the repository); created if missing. Only the files listed in
        :data:`OUTPUT_FILES` are replaced.
    shared_dir : Path, optional
        Folder holding ``published/`` and ``figures_from_publications.csv``; default
        ``raw_dir.parent``.

    Returns
    -------
    dict
        Output file name -> path of the written file.

    Raises
    ------
    DataValidationError
        A raw file is missing or changed layout, or the built tables fail validation. Nothing in
        ``out_dir`` is changed in that case.
    """
    raw_dir = Path(raw_dir).resolve()
    out_dir = Path(out_dir).resolve()
    shared_dir = Path(shared_dir).resolve() if shared_dir is not None else raw_dir.parent
    tables = build_tables(raw_dir, shared_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-build-", dir=out_dir.parent))
    try:
        _write(tables, tmp)
        _validate(tmp)
        out_dir.mkdir(exist_ok=True)
        written = {}
        for name in tables:
            os.replace(tmp / name, out_dir / name)
            written[name] = out_dir / name
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
