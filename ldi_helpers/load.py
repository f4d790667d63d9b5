"""Load the curated tables in ``data/`` into validated pandas frames.

Every table has a declared schema (columns, types, allowed values, keys). Loading checks it with
pandera and turns any failure into one :class:`~ldi_helpers.errors.DataValidationError` that names
the file, the row (as the line number in the CSV) or column, and how to fix it, never a pandas
traceback.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .components import COMPONENTS, CONTEXT
from .errors import DataValidationError
from .geography import ITL1_CODES

#: Repository root (the package is installed editable from it).
REPO_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """The curated data folder: ``$LDI_DATA_DIR`` if set, else ``<repo>/data``."""
    return Path(os.environ.get("LDI_DATA_DIR", REPO_ROOT / "data"))


@dataclass(frozen=True)
class TableSpec:
    """What one curated CSV must look like.

    Attributes
    ----------
    filename : str
        File name inside the data folder.
    columns : tuple of str
        Required columns, in order.
    numeric : tuple of str
        Columns that must parse as numbers (empty cells allowed unless listed in ``required``).
    key : tuple of str
        Columns whose combination must be unique.
    required : tuple of str
        Columns that may not be empty.
    """

    filename: str
    columns: tuple[str, ...]
    numeric: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    checks: dict = field(default_factory=dict)


_AREA = pa.Check.isin(ITL1_CODES, error="area_code must be one of the 12 ITL1 codes TLC..TLN")
_COMPONENT = pa.Check.isin(
    (*COMPONENTS, CONTEXT),
    error=f"component must be one of {', '.join((*COMPONENTS, CONTEXT))}",
)

#: Period labels the data contract allows: "2022", "2021/22", "2026-01".
PERIOD_PATTERN = re.compile(r"^\d{4}(/\d{2}|-\d{2})?$")
_PERIOD = pa.Check(lambda s: s.str.fullmatch(PERIOD_PATTERN.pattern), element_wise=False,
                   error='period must look like "2022", "2021/22" or "2026-01"')
_PERIOD_OR_EMPTY = pa.Check(lambda s: (s == "") | s.str.fullmatch(PERIOD_PATTERN.pattern),
                            element_wise=False,
                            error='default_period must look like "2022", "2021/22" or "2026-01"')
_POSITIVE_POPULATION = pa.Check.gt(0, error="population must be more than 0")

#: Plausible range of an indicator value per unit: (unit prefix, lowest, highest). The first
#: prefix that matches the indicator's ``unit`` applies; any other unit only has to be finite and
#: at most :data:`MAX_MAGNITUDE` in size (so that no sum or variance can overflow).
UNIT_RANGES: tuple[tuple[str, float, float], ...] = (
    ("%", 0.0, 100.0),                         # shares and percentages
    ("per 100,000", 0.0, 100_000.0),           # rates per 100,000 people
    ("GBP per", 0.0, 1e7),                     # pounds per resident / person
    ("GBP million", 0.0, 1e8),                 # the UK's whole GVA is about 2.5e6 GBP million
)
#: Largest absolute value any number in the curated data may have.
MAX_MAGNITUDE = 1e12


def plausible_range(unit: str) -> tuple[float, float]:
    """The (lowest, highest) plausible value of an indicator measured in ``unit``.

    Parameters
    ----------
    unit : str
        The ``unit`` column of ``indicators.csv`` (e.g. ``"% of adults"``).

    Returns
    -------
    tuple of float
        From :data:`UNIT_RANGES`, or ``(-MAX_MAGNITUDE, MAX_MAGNITUDE)`` for other units.
    """
    text = str(unit).strip()
    for prefix, lo, hi in UNIT_RANGES:
        if text.startswith(prefix):
            return lo, hi
    return -MAX_MAGNITUDE, MAX_MAGNITUDE


TABLES: dict[str, TableSpec] = {
    "values": TableSpec(
        "indicator_values.csv",
        ("area_code", "area_name", "geography", "indicator_id", "period", "value"),
        numeric=("value",),
        key=("area_code", "indicator_id", "period"),
        required=("area_code", "indicator_id", "period", "value"),
        checks={"area_code": [_AREA], "period": [_PERIOD]},
    ),
    "indicators": TableSpec(
        "indicators.csv",
        ("indicator_id", "name", "component", "direction", "unit", "denominator", "source_id",
         "source_org", "dataset", "url", "release_date", "licence", "caveats", "is_proxy",
         "raw_path", "default_period"),
        numeric=("direction",),
        key=("indicator_id",),
        required=("indicator_id", "name", "component", "direction", "unit", "source_id",
                  "url", "licence", "is_proxy"),
        checks={
            "component": [_COMPONENT],
            "direction": [pa.Check.isin([1, -1], error="direction must be +1 or -1")],
            "is_proxy": [pa.Check.isin(["true", "false"], error="is_proxy must be true or false")],
            "default_period": [_PERIOD_OR_EMPTY],
        },
    ),
    "areas": TableSpec(
        "areas.csv",
        ("area_code", "gss_code", "nuts1_code", "name", "ons_accounts_name", "techuk_name",
         "aliases", "tile_q", "tile_r", "population_total", "population_16_64",
         "population_period", "population_source"),
        numeric=("tile_q", "tile_r", "population_total", "population_16_64"),
        key=("area_code",),
        required=("area_code", "gss_code", "name", "tile_q", "tile_r"),
        checks={
            "area_code": [_AREA],
            "population_total": [_POSITIVE_POPULATION],
            "population_16_64": [_POSITIVE_POPULATION],
        },
    ),
    "population": TableSpec(
        "population.csv",
        ("area_code", "year", "age_band", "population", "release", "source_id"),
        numeric=("year", "population"),
        key=("area_code", "year", "age_band", "release"),
        required=("area_code", "year", "age_band", "population", "release"),
        checks={
            "area_code": [_AREA],
            "population": [_POSITIVE_POPULATION],
            "age_band": [pa.Check.isin(["all_ages", "16-64"],
                                       error="age_band must be all_ages or 16-64")],
        },
    ),
    "ict_panel": TableSpec(
        "ict_gva_panel.csv",
        ("area_code", "area_name", "sic07_code", "sic07_description", "year",
         "gva_gbp_million", "release", "source_id"),
        numeric=("year", "gva_gbp_million"),
        key=("area_code", "sic07_code", "year"),
        required=("area_code", "sic07_code", "year"),
        checks={"area_code": [_AREA]},
    ),
    "published": TableSpec(
        "published_techuk_2023.csv",
        ("area_code", "region", "digital_gva_per_person_gbp", "uplift_to_uk_median_gbp",
         "gva_uplift_gbp", "ldi_2023_index_rank"),
        numeric=("digital_gva_per_person_gbp", "uplift_to_uk_median_gbp", "gva_uplift_gbp",
                 "ldi_2023_index_rank"),
        key=("area_code",),
        required=("area_code", "digital_gva_per_person_gbp", "ldi_2023_index_rank"),
        checks={
            "area_code": [_AREA],
            "digital_gva_per_person_gbp": [pa.Check.in_range(
                0, 1e7, include_min=False,
                error="Digital GVA per person must be more than 0 and at most 10,000,000 GBP")],
            "ldi_2023_index_rank": [pa.Check.in_range(
                1, len(ITL1_CODES), error=f"rank must be between 1 and {len(ITL1_CODES)}")],
        },
    ),
    "headlines": TableSpec(
        "published_techuk_2023_headlines.csv",
        ("fact", "value", "unit", "as_published"),
        numeric=("value",),
        key=("fact",),
        required=("fact", "value"),
    ),
    "sources": TableSpec(
        "sources.csv",
        ("source_id", "publisher", "dataset", "via_repository", "commit", "url", "licence",
         "attribution", "raw_files"),
        key=("source_id",),
        required=("source_id", "publisher", "url", "licence"),
    ),
}


@dataclass(frozen=True)
class LDIData:
    """The curated data, validated. Frames are read-only by convention: copy before changing.

    Attributes
    ----------
    values : DataFrame
        Long table of indicator values (area_code, indicator_id, period, value, ...).
    indicators : DataFrame
        One row per indicator: component, direction (+1/-1), unit, source, licence, proxy flag.
    areas : DataFrame
        The 12 ITL1 regions: codes, names, tile positions, population (mid-2020).
    population : DataFrame
        Resident population by year, age band and ONS release.
    ict_panel : DataFrame
        GVA of SIC07 section J and divisions 58-63 (and all industries) by region, 1998-2021.
    published, headlines : DataFrame
        techUK's published 2023 figures, as published.
    sources : DataFrame
        One row per source with licence and attribution.
    data_dir : Path
        Folder the tables were read from.
    """

    values: pd.DataFrame
    indicators: pd.DataFrame
    areas: pd.DataFrame
    population: pd.DataFrame
    ict_panel: pd.DataFrame
    published: pd.DataFrame
    headlines: pd.DataFrame
    sources: pd.DataFrame
    data_dir: Path

    def indicator_matrix(self, indicator_ids=None, periods=None) -> pd.DataFrame:
        """Areas x indicators matrix of values at each indicator's period.

        Parameters
        ----------
        indicator_ids : list of str, optional
            Indicators to include (default: every non-context indicator).
        periods : dict, optional
            ``indicator_id -> period``; default each indicator's ``default_period``.
        """
        meta = self.indicators.set_index("indicator_id")
        if indicator_ids is None:
            indicator_ids = list(meta.index[meta["component"] != CONTEXT])
        periods = dict(periods or {})
        cols = {}
        for ind in indicator_ids:
            period = periods.get(ind, meta.loc[ind, "default_period"])
            rows = self.values[(self.values.indicator_id == ind) & (self.values.period == period)]
            cols[ind] = rows.set_index("area_code")["value"]
        return pd.DataFrame(cols).reindex(list(ITL1_CODES)).astype("float64")


def _fail(path: Path, problem: str, fix: str) -> DataValidationError:
    return DataValidationError(f"{path}: {problem}. Fix: {fix}")


def read_table(name: str, data_dir: Path | None = None) -> pd.DataFrame:
    """Read and validate one curated table.

    Parameters
    ----------
    name : str
        Key in :data:`TABLES` (``values``, ``indicators``, ``areas``, ...).
    data_dir : Path, optional
        Folder to read from (default :func:`default_data_dir`).

    Raises
    ------
    DataValidationError
        Missing file, wrong columns, empty required cell, non-numeric value, duplicate key or a
        failed check (unknown component or area, bad direction, negative population).
    """
    if name not in TABLES:
        raise DataValidationError(f"unknown table {name!r}; valid tables: {', '.join(TABLES)}")
    spec = TABLES[name]
    path = Path(data_dir or default_data_dir()) / spec.filename
    rebuild = "rebuild the curated data with `ldi data build --raw ../shared/data/raw`"
    if not path.is_file():
        raise _fail(path, "file not found", f"check the data folder, or {rebuild}")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise _fail(path, f"not a readable UTF-8 CSV ({exc})", rebuild) from None
    missing = [c for c in spec.columns if c not in df.columns]
    extra = [c for c in df.columns if c not in spec.columns]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        raise _fail(path, "; ".join(parts),
                    f"the columns must be exactly: {', '.join(spec.columns)}; {rebuild}")
    df = df[list(spec.columns)]
    for col in spec.required:
        blank = df.index[df[col].str.strip() == ""]
        if len(blank):
            raise _fail(path, f"empty {col!r} on line {blank[0] + 2}",
                        f"every row needs a {col}; remove the row or {rebuild}")
    for col in spec.numeric:
        text = df[col].str.strip()
        num = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = df.index[(text != "") & num.isna()]
        if len(bad):
            raise _fail(path, f"non-numeric {col} {df.at[bad[0], col]!r} on line {bad[0] + 2}",
                        f"{col} must be a number (missing values are left empty); {rebuild}")
        num = num.astype("float64")
        huge = df.index[num.notna() & ~(num.abs() <= MAX_MAGNITUDE)]
        if len(huge):
            raise _fail(path, f"{col} {df.at[huge[0], col]!r} on line {huge[0] + 2} is not a "
                        f"finite number of at most {MAX_MAGNITUDE:g} in size",
                        f"write the real value (missing values are left empty); {rebuild}")
        df[col] = num
    for col in ("direction", "year", "tile_q", "tile_r"):
        if col in spec.numeric and df[col].notna().all():
            df[col] = df[col].astype("int64")
    if spec.key:
        dup = df.index[df.duplicated(list(spec.key), keep="first")]
        if len(dup):
            row = df.loc[dup[0], list(spec.key)].to_dict()
            raise _fail(path, f"duplicate {' + '.join(spec.key)} {row} on line {dup[0] + 2}",
                        "each combination may appear once; remove the duplicate row")
    schema = pa.DataFrameSchema(
        {col: pa.Column(checks=checks, nullable=True) for col, checks in spec.checks.items()},
        strict=False,
    )
    try:
        schema.validate(df, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        col = first.get("column")
        idx = first.get("index")
        line = f" on line {int(idx) + 2}" if pd.notna(idx) else ""
        case = first.get("failure_case")
        if isinstance(case, (int, float)) and not isinstance(case, bool):
            case_txt = f"{float(case):g}"
        else:
            case_txt = repr(str(case))
        raise _fail(path, f"invalid {col} {case_txt}{line} ({first.get('check')})",
                    f"correct the value, or {rebuild}") from None
    return df


def load_data(data_dir: Path | str | None = None) -> LDIData:
    """Load every curated table and check they agree with each other.

    Parameters
    ----------
    data_dir : path, optional
        Folder holding the curated CSVs (default ``data/`` in the repository, or ``$LDI_DATA_DIR``).

    Returns
    -------
    LDIData

    Raises
    ------
    DataValidationError
        Any table fails its schema, or values refer to an indicator missing from the metadata.
    """
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    frames = {name: read_table(name, data_dir) for name in TABLES}
    known = set(frames["indicators"]["indicator_id"])
    unknown = sorted(set(frames["values"]["indicator_id"]) - known)
    if unknown:
        raise _fail(data_dir / TABLES["values"].filename,
                    f"indicator(s) {', '.join(unknown[:5])} have values but no metadata",
                    f"add them to {TABLES['indicators'].filename} or rebuild the data")
    sources = set(frames["sources"]["source_id"])
    orphan = sorted(set(frames["indicators"]["source_id"]) - sources)
    if orphan:
        raise _fail(data_dir / TABLES["indicators"].filename,
                    f"source_id(s) {', '.join(orphan)} not in {TABLES['sources'].filename}",
                    "every indicator must cite a listed source; rebuild the data")
    _check_value_ranges(data_dir, frames["values"], frames["indicators"])
    for name in ("areas", "published"):
        table = frames[name]
        missing = [c for c in ITL1_CODES if c not in set(table["area_code"])]
        if missing:
            raise _fail(data_dir / TABLES[name].filename,
                        f"no row for area(s) {', '.join(missing)}",
                        f"every ITL1 region ({ITL1_CODES[0]}..{ITL1_CODES[-1]}) needs one row; "
                        "restore the row or rebuild the data")
    no_pop = frames["areas"].index[frames["areas"]["population_16_64"].isna()]
    if len(no_pop):
        raise _fail(data_dir / TABLES["areas"].filename,
                    f"empty 'population_16_64' on line {no_pop[0] + 2}",
                    "every region needs its population aged 16-64 (it turns Digital GVA per "
                    "person into pounds a year); rebuild the data")
    return LDIData(data_dir=data_dir, **frames)


def _check_value_ranges(data_dir: Path, values: pd.DataFrame, indicators: pd.DataFrame) -> None:
    """Every indicator value lies in the plausible range of its unit (see :data:`UNIT_RANGES`)."""
    units = indicators.set_index("indicator_id")["unit"]
    unit = values["indicator_id"].map(units)
    bounds = unit.map(plausible_range)
    lo = bounds.map(lambda b: b[0]).astype("float64")
    hi = bounds.map(lambda b: b[1]).astype("float64")
    bad = values.index[(values["value"] < lo) | (values["value"] > hi)]
    if len(bad):
        i = bad[0]
        raise _fail(data_dir / TABLES["values"].filename,
                    f"value {values.at[i, 'value']:g} of {values.at[i, 'indicator_id']} for "
                    f"{values.at[i, 'area_code']} on line {i + 2} is outside the plausible range "
                    f"{lo[i]:g} to {hi[i]:g} for its unit {unit[i]!r}",
                    "correct the value (a share is between 0 and 100), or correct the unit in "
                    f"{TABLES['indicators'].filename}")


def data_fingerprint(data_dir: Path | str | None = None) -> dict[str, str]:
    """SHA-256 of every curated file, for run manifests (file name -> hex digest)."""
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(data_dir.glob("*")) if p.is_file()
    }


def coverage(data: LDIData, default_period_only: bool = True) -> pd.DataFrame:
    """Number of indicators with a value, per component (rows) and region (columns).

    Parameters
    ----------
    data : LDIData
    default_period_only : bool
        Count only values at each indicator's default period (what the default index uses).

    Returns
    -------
    DataFrame
        Rows: the eight components (in framework order), plus ``indicators`` = how many indicators
        the component has; columns: ITL1 codes. A component with no real data shows 0 everywhere.
    """
    meta = data.indicators[data.indicators.component != CONTEXT]
    vals = data.values.merge(meta[["indicator_id", "component", "default_period"]],
                             on="indicator_id")
    if default_period_only:
        vals = vals[vals.period == vals.default_period]
    counts = (vals.groupby(["component", "area_code"])["indicator_id"].nunique()
              .unstack().reindex(index=list(COMPONENTS), columns=list(ITL1_CODES)).fillna(0)
              .astype("int64"))
    counts.insert(0, "indicators",
                  meta.groupby("component")["indicator_id"].nunique()
                  .reindex(list(COMPONENTS)).fillna(0).astype("int64"))
    counts.index = [COMPONENTS[c] for c in counts.index]
    counts.index.name = "component"
    return counts
