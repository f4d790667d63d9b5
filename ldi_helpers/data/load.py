"""Load an edition (a folder of tables, ``docs/EDITIONS.md``) into validated pandas frames.

Every table has a declared schema (columns, types, allowed values, keys). Loading checks it with
pandera, then checks that the tables agree (the framework is a tree, every indicator hangs from a
component, every value names a known unit and indicator), and turns any failure into one
:class:`~ldi_helpers.errors.DataValidationError` that names the file, the row (as the line number
in the CSV) or column, and how to fix it, never a pandas traceback.

The Local Digital Index for the twelve ITL1 regions (``data/``) is one edition; its extra tables
(population, ICT GVA panel, techUK's published figures, sources) are optional: ``None`` when absent.
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

from .components import CONTEXT
from .edition import (
    EDITION_FILE, check_framework, check_sibling_weights, fill_edition_defaults,
    framework_levels, read_edition_yaml,
)
from ..errors import DataValidationError
from ..choices import NORMALISATIONS, TREATMENTS

#: Repository root (the package is installed editable from it).
REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def default_data_dir() -> Path:
    """The curated data folder: ``$LDI_DATA_DIR`` if set, else ``<repo>/data``."""
    return Path(os.environ.get("LDI_DATA_DIR", REPO_ROOT / "data"))


@dataclass(frozen=True)
class TableSpec:
    """What one table of an edition must look like.

    Attributes
    ----------
    filename : str
        File name inside the edition folder.
    columns : tuple of str
        Every known column, in the order of the loaded frame (other columns in the file are kept,
        after these).
    header : tuple of str
        Columns the file must have; the others of ``columns`` are optional and take ``defaults``.
    numeric : tuple of str
        Columns that must parse as numbers (empty cells allowed unless listed in ``required``).
    key : tuple of str
        Columns whose combination must be unique.
    required : tuple of str
        Columns that may not be empty.
    checks : dict
        Column -> list of pandera checks.
    defaults : dict
        Optional column -> value used when the column is absent (or, for numeric columns with a
        default, when the cell is empty). Optional columns not listed default to empty text
        (numeric ones to missing).
    aliases : dict
        Other header name -> column name (``parent`` is read as ``component`` in indicators.csv).
    optional_file : bool
        The edition may leave the file out (the table is then ``None``).
    """

    filename: str
    columns: tuple[str, ...]
    header: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    checks: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)
    aliases: dict = field(default_factory=dict)
    optional_file: bool = False

    def __post_init__(self):
        if not self.header:
            object.__setattr__(self, "header", self.columns)


#: Period labels the data contract allows: "2022", "2021/22", "2026-01".
PERIOD_PATTERN = re.compile(r"^\d{4}(/\d{2}|-\d{2})?$")
_PERIOD = pa.Check(lambda s: s.str.fullmatch(PERIOD_PATTERN.pattern), element_wise=False,
                   error='period must look like "2022", "2021/22" or "2026-01"')
_PERIOD_OR_EMPTY = pa.Check(lambda s: (s == "") | s.str.fullmatch(PERIOD_PATTERN.pattern),
                            element_wise=False,
                            error='default_period must look like "2022", "2021/22" or "2026-01"')
_POSITIVE_POPULATION = pa.Check.gt(0, error="population must be more than 0")


def _choice_or_empty(column: str, choices: tuple[str, ...]) -> pa.Check:
    return pa.Check.isin(("", *choices),
                         error=f"{column} must be empty or one of {', '.join(choices)}")


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


#: The tables of an edition. ``framework``, ``indicators``, ``areas`` and ``values`` are needed by
#: every edition; the others are the LDI edition's own (optional, ``None`` when absent).
TABLES: dict[str, TableSpec] = {
    "values": TableSpec(
        "indicator_values.csv",
        ("area_code", "area_name", "geography", "indicator_id", "period", "value"),
        header=("area_code", "indicator_id", "period", "value"),
        numeric=("value",),
        key=("area_code", "indicator_id", "period"),
        required=("area_code", "indicator_id", "period", "value"),
        checks={"period": [_PERIOD]},
    ),
    "indicators": TableSpec(
        "indicators.csv",
        ("indicator_id", "name", "component", "direction", "unit", "denominator", "source_id",
         "source_org", "dataset", "url", "release_date", "licence", "caveats", "is_proxy",
         "raw_path", "default_period", "weight", "normalisation", "treatment"),
        header=("indicator_id", "name", "component", "direction", "unit"),
        numeric=("direction", "weight"),
        key=("indicator_id",),
        required=("indicator_id", "name", "component", "direction", "unit", "is_proxy"),
        checks={
            "direction": [pa.Check.isin([1, -1], error="direction must be +1 or -1")],
            "is_proxy": [pa.Check.isin(["true", "false"], error="is_proxy must be true or false")],
            "default_period": [_PERIOD_OR_EMPTY],
            "normalisation": [_choice_or_empty("normalisation", NORMALISATIONS)],
            "treatment": [_choice_or_empty("treatment", TREATMENTS)],
        },
        defaults={"is_proxy": "false", "weight": 1.0},
        aliases={"parent": "component"},
    ),
    "framework": TableSpec(
        "framework.csv",
        ("aggregate_id", "name", "parent", "weight"),
        numeric=("weight",),
        key=("aggregate_id",),
        required=("aggregate_id", "name"),
    ),
    "areas": TableSpec(
        "areas.csv",
        ("area_code", "gss_code", "nuts1_code", "name", "ons_accounts_name", "techuk_name",
         "aliases", "tile_q", "tile_r", "population_total", "population_16_64",
         "population_period", "population_source", "geography", "group", "parent_code"),
        header=("area_code", "name"),
        numeric=("tile_q", "tile_r", "population_total", "population_16_64"),
        key=("area_code",),
        required=("area_code", "name"),
        checks={
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
            "population": [_POSITIVE_POPULATION],
            "age_band": [pa.Check.isin(["all_ages", "16-64"],
                                       error="age_band must be all_ages or 16-64")],
        },
        optional_file=True,
    ),
    "ict_panel": TableSpec(
        "ict_gva_panel.csv",
        ("area_code", "area_name", "sic07_code", "sic07_description", "year",
         "gva_gbp_million", "release", "source_id"),
        numeric=("year", "gva_gbp_million"),
        key=("area_code", "sic07_code", "year"),
        required=("area_code", "sic07_code", "year"),
        optional_file=True,
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
            "digital_gva_per_person_gbp": [pa.Check.in_range(
                0, 1e7, include_min=False,
                error="Digital GVA per person must be more than 0 and at most 10,000,000 GBP")],
            "ldi_2023_index_rank": [pa.Check.ge(1, error="rank must be at least 1")],
        },
        optional_file=True,
    ),
    "headlines": TableSpec(
        "published_techuk_2023_headlines.csv",
        ("fact", "value", "unit", "as_published"),
        numeric=("value",),
        key=("fact",),
        required=("fact", "value"),
        optional_file=True,
    ),
    "sources": TableSpec(
        "sources.csv",
        ("source_id", "publisher", "dataset", "via_repository", "commit", "url", "licence",
         "attribution", "raw_files"),
        header=("source_id", "publisher", "url", "licence"),
        key=("source_id",),
        required=("source_id", "publisher", "url", "licence"),
        optional_file=True,
    ),
}

#: Tables every edition must have.
EDITION_TABLES: tuple[str, ...] = tuple(n for n, s in TABLES.items() if not s.optional_file)


@dataclass(frozen=True)
class LDIData:
    """An edition's data, validated. Frames are read-only by convention: copy before changing.

    Attributes
    ----------
    values : DataFrame
        Long table of indicator values (area_code, area_name, geography, indicator_id, period,
        value).
    indicators : DataFrame
        One row per indicator: ``component`` (the id of its parent aggregate, or ``context``),
        direction (+1/-1), unit, ``weight`` (default 1.0), ``default_period`` (default the latest
        period with a value), ``normalisation`` / ``treatment`` overrides (empty: none), source,
        licence, proxy flag.
    areas : DataFrame
        The units: area_code, name, geography, group, parent_code, tile positions, aliases (and,
        in the LDI edition, GSS/NUTS1 codes and population).
    population, ict_panel, published, headlines, sources : DataFrame or None
        The LDI edition's own tables (resident population by year, age band and release; GVA of
        SIC07 section J by region; techUK's published 2023 figures; sources with licence and
        attribution); ``None`` when the edition has no such file.
    data_dir : Path
        Folder the tables were read from.
    framework : DataFrame
        One row per aggregate: aggregate_id, name, parent (``""`` for the root), weight (float)
        and level (int; 2 = component, the root has the highest level).
    edition : dict
        ``edition.yaml`` with defaults filled: name, index_name, unit_word, unit_word_plural,
        geography, description, attribution (and any other key of the file).
    """

    values: pd.DataFrame
    indicators: pd.DataFrame
    areas: pd.DataFrame
    population: pd.DataFrame | None
    ict_panel: pd.DataFrame | None
    published: pd.DataFrame | None
    headlines: pd.DataFrame | None
    sources: pd.DataFrame | None
    data_dir: Path
    framework: pd.DataFrame | None = None
    edition: dict = field(default_factory=dict)

    @property
    def area_codes(self) -> list[str]:
        """The units' codes, in the order of ``areas.csv``."""
        return list(self.areas["area_code"])

    @property
    def has_ldi_tables(self) -> bool:
        """True when the edition holds the LDI's own tables (techUK's published figures, the ICT
        GVA panel and population), which the growth scenarios and Digital GVA figures need."""
        return all(t is not None for t in (self.published, self.ict_panel, self.population))

    @property
    def root(self) -> str:
        """The ``aggregate_id`` of the index (the framework's root)."""
        return str(self.framework.loc[self.framework["parent"] == "", "aggregate_id"].iloc[0])

    @property
    def components(self) -> dict[str, str]:
        """Level-2 aggregates (the parents of indicators): id -> name, in framework order."""
        fw = self.framework[self.framework["level"] == 2]
        return dict(zip(fw["aggregate_id"], fw["name"]))

    def indicator_matrix(self, indicator_ids=None, periods=None) -> pd.DataFrame:
        """Areas x indicators matrix of values at each indicator's period.

        Parameters
        ----------
        indicator_ids : list of str, optional
            Indicators to include (default: every non-context indicator).
        periods : dict, optional
            ``indicator_id -> period``; default each indicator's ``default_period``.

        Returns
        -------
        DataFrame
            Rows: the edition's areas in the order of ``areas.csv``; missing values are NaN.
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
        return (pd.DataFrame(cols, columns=list(indicator_ids)).reindex(self.area_codes)
                .astype("float64"))


def _fail(path: Path, problem: str, fix: str) -> DataValidationError:
    return DataValidationError(f"{path}: {problem}. Fix: {fix}")


def read_table(name: str, data_dir: Path | None = None) -> pd.DataFrame:
    """Read and validate one table of an edition on its own.

    Parameters
    ----------
    name : str
        Key in :data:`TABLES` (``values``, ``indicators``, ``framework``, ``areas``, ...).
    data_dir : Path, optional
        Folder to read from (default :func:`default_data_dir`).

    Returns
    -------
    DataFrame
        Columns: the spec's ``columns`` (optional ones filled with their defaults), then any other
        column of the file. Index: CSV line number - 2.

    Raises
    ------
    DataValidationError
        Missing file, missing column, empty required cell, non-numeric value, duplicate key or a
        failed check (bad direction, malformed period, negative population, ...).
    """
    if name not in TABLES:
        raise DataValidationError(f"unknown table {name!r}; valid tables: {', '.join(TABLES)}")
    spec = TABLES[name]
    path = Path(data_dir or default_data_dir()) / spec.filename
    rebuild = ("see docs/EDITIONS.md, or for the LDI data rebuild it with "
               "`ldi data build --raw ../shared/data/raw`")
    if not path.is_file():
        raise _fail(path, "file not found", f"check the data folder, or {rebuild}")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        problem = str(exc).replace("\n", " ")
        raise _fail(path, f"not a readable UTF-8 CSV ({problem})", rebuild) from None
    df = df.fillna("")
    for alias, canonical in spec.aliases.items():
        if alias in df.columns:
            if canonical in df.columns:
                raise _fail(path, f"both {alias!r} and {canonical!r} columns",
                            f"keep one of them ({alias!r} and {canonical!r} mean the same)")
            df = df.rename(columns={alias: canonical})
    missing = [c for c in spec.header if c not in df.columns]
    extra = [c for c in df.columns if c not in spec.columns]
    if missing:
        parts = [f"missing column(s) {', '.join(missing)}"]
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        raise _fail(path, "; ".join(parts),
                    f"the file needs the columns {', '.join(spec.header)}; {rebuild}")
    for col in spec.columns:
        if col not in df.columns:
            default = spec.defaults.get(col, "")
            df[col] = "" if col in spec.numeric else str(default)
    df = df[[*spec.columns, *extra]]
    for col in spec.required:
        blank = df.index[df[col].str.strip() == ""]
        if len(blank):
            raise _fail(path, f"empty {col!r} on line {blank[0] + 2}",
                        f"every row needs a {col}; fill it in or remove the row")
    for col in spec.numeric:
        text = df[col].str.strip()
        num = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = df.index[(text != "") & num.isna()]
        if len(bad):
            raise _fail(path, f"non-numeric {col} {df.at[bad[0], col]!r} on line {bad[0] + 2}",
                        f"{col} must be a number (missing values are left empty)")
        num = num.astype("float64")
        huge = df.index[num.notna() & ~(num.abs() <= MAX_MAGNITUDE)]
        if len(huge):
            raise _fail(path, f"{col} {df.at[huge[0], col]!r} on line {huge[0] + 2} is not a "
                        f"finite number of at most {MAX_MAGNITUDE:g} in size",
                        "write the real value (missing values are left empty)")
        if col in spec.defaults:
            num = num.fillna(float(spec.defaults[col]))
        df[col] = num
    for col in ("direction", "year", "tile_q", "tile_r"):
        if col in spec.numeric and df[col].notna().all() and len(df):
            df[col] = df[col].astype("int64")
    if spec.key:
        dup = df.index[df.duplicated(list(spec.key), keep="first")]
        if len(dup):
            row = df.loc[dup[0], list(spec.key)].to_dict()
            first = df.index[(df[list(spec.key)] == df.loc[dup[0], list(spec.key)]).all(axis=1)][0]
            raise _fail(path, f"duplicate {' + '.join(spec.key)} {row} on line {dup[0] + 2} "
                        f"(first on line {first + 2})",
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
                    "correct the value") from None
    return df


#: Editions already loaded and validated in this process, by folder and SHA-256 of every file
#: (a warm kernel briefs hundreds of units from one edition); at most four are kept.
_LOADED: dict = {}


def load_data(data_dir: Path | str | None = None) -> LDIData:
    """Load an edition folder (``docs/EDITIONS.md``) and check that its tables agree.

    An edition whose files are byte for byte the same as at an earlier call in this process is
    not read and validated again: the caller gets its own deep copy of the earlier result
    (changing it cannot affect another caller). Any change to a file is a new load.

    Parameters
    ----------
    data_dir : path, optional
        The edition folder (default ``data/`` in the repository, the LDI edition, or
        ``$LDI_DATA_DIR``).

    Returns
    -------
    LDIData

    Raises
    ------
    DataValidationError
        The first problem found, on one line naming the file, the CSV line and the fix: a table
        fails its schema; the framework is not a tree of consistent levels with one root; an
        indicator's parent is not a component; sibling weights are all zero; values name an
        unknown unit or indicator or lie outside their unit's plausible range; or (LDI tables) an
        area is unknown, a population is not positive, or a region has no published row.
    """
    import copy

    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    try:
        key = (str(data_dir.resolve()), tuple(sorted(data_fingerprint(data_dir).items())))
    except OSError:
        key = None      # unreadable folder: the load below says what is wrong
    if key is not None and key in _LOADED:
        return copy.deepcopy(_LOADED[key])
    data = _load_data(data_dir)
    if key is not None:
        if len(_LOADED) >= 4:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = copy.deepcopy(data)
    return data


def _load_data(data_dir: Path) -> LDIData:
    """:func:`load_data` without the per-process memory of loaded editions."""
    frames: dict[str, pd.DataFrame | None] = {}
    for name, spec in TABLES.items():
        if spec.optional_file and not (data_dir / spec.filename).is_file():
            frames[name] = None
        else:
            frames[name] = read_table(name, data_dir)
    path = {name: data_dir / spec.filename for name, spec in TABLES.items()}
    edition = read_edition_yaml(data_dir / EDITION_FILE)

    framework = frames.pop("framework")
    no_weight = framework.index[framework["weight"].isna() & (framework["parent"] != "")]
    if len(no_weight):
        raise _fail(path["framework"], f"empty 'weight' on line {no_weight[0] + 2}",
                    "every aggregate except the root needs its weight within its parent")
    framework["weight"] = framework["weight"].fillna(1.0)
    check_framework(framework, path["framework"])
    indicators = frames["indicators"]
    framework["level"] = framework_levels(framework, indicators, path["framework"],
                                          path["indicators"])
    check_sibling_weights(framework, "aggregate_id", "parent", path["framework"], "aggregates")
    check_sibling_weights(indicators, "indicator_id", "component", path["indicators"],
                          "indicators")
    edition = fill_edition_defaults(edition, framework)

    areas = frames["areas"]
    areas["geography"] = areas["geography"].where(areas["geography"].str.strip() != "",
                                                  edition["geography"])
    codes = set(areas["area_code"])
    for name in ("values", "population", "ict_panel", "published"):
        table = frames[name]
        if table is None:
            continue
        unknown = table.index[~table["area_code"].isin(codes)]
        if len(unknown):
            i = unknown[0]
            raise _fail(path[name], f"invalid area_code {table.at[i, 'area_code']!r} on line "
                        f"{i + 2} (not an area_code of {TABLES['areas'].filename})",
                        f"correct the code, or add the unit to {TABLES['areas'].filename}")

    values = frames["values"]
    known = set(indicators["indicator_id"])
    orphan = values.index[~values["indicator_id"].isin(known)]
    if len(orphan):
        unknown_ids = list(dict.fromkeys(values.loc[orphan, "indicator_id"]))
        raise _fail(path["values"],
                    f"indicator(s) {', '.join(unknown_ids[:5])} have values but no metadata "
                    f"(first on line {orphan[0] + 2})",
                    f"add them to {TABLES['indicators'].filename} or correct the indicator_id")
    names = areas.set_index("area_code")
    values["area_name"] = values["area_name"].where(values["area_name"] != "",
                                                    values["area_code"].map(names["name"]))
    values["geography"] = values["geography"].where(values["geography"] != "",
                                                    values["area_code"].map(names["geography"]))
    latest = values.groupby("indicator_id")["period"].max()
    indicators["default_period"] = indicators["default_period"].where(
        indicators["default_period"] != "",
        indicators["indicator_id"].map(latest).fillna(""))

    sources = frames["sources"]
    if sources is not None:
        listed = set(sources["source_id"])
        cited = indicators.index[(indicators["source_id"] != "")
                                 & ~indicators["source_id"].isin(listed)]
        if len(cited):
            missing = sorted(set(indicators.loc[cited, "source_id"]))
            raise _fail(path["indicators"],
                        f"source_id(s) {', '.join(missing)} not in {TABLES['sources'].filename} "
                        f"(first on line {cited[0] + 2})",
                        "every indicator must cite a listed source; add the source or correct "
                        "the source_id")
    _check_value_ranges(data_dir, values, indicators)
    _check_ldi_tables(path, frames, areas)
    return LDIData(data_dir=data_dir, framework=framework, edition=edition, **frames)


def _check_ldi_tables(path: dict[str, Path], frames: dict, areas: pd.DataFrame) -> None:
    """Checks of the LDI edition's own tables, each applied only when the table exists."""
    published = frames["published"]
    if published is None:
        return
    missing = [c for c in areas["area_code"] if c not in set(published["area_code"])]
    if missing:
        raise _fail(path["published"], f"no row for area(s) {', '.join(missing)}",
                    f"every area of {TABLES['areas'].filename} needs one row; restore the row or "
                    "rebuild the data")
    n = len(areas)
    high = published.index[published["ldi_2023_index_rank"] > n]
    if len(high):
        i = high[0]
        raise _fail(path["published"],
                    f"invalid ldi_2023_index_rank {published.at[i, 'ldi_2023_index_rank']:g} on "
                    f"line {i + 2} (rank must be between 1 and {n})", "correct the value")
    no_pop = areas.index[areas["population_16_64"].isna()]
    if len(no_pop):
        raise _fail(path["areas"],
                    f"empty 'population_16_64' on line {no_pop[0] + 2}",
                    "every region needs its population aged 16-64 (it turns Digital GVA per "
                    "person into pounds a year); rebuild the data")


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
    """Number of indicators with a value, per component (rows) and area (columns).

    Parameters
    ----------
    data : LDIData
    default_period_only : bool
        Count only values at each indicator's default period (what the default index uses).

    Returns
    -------
    DataFrame
        Rows: the edition's components (level-2 aggregates, by name, in framework order); columns:
        ``indicators`` = how many indicators the component has, then the area codes (in the order
        of ``areas.csv``). A component with no real data shows 0 everywhere.
    """
    components = data.components
    meta = data.indicators[data.indicators.component != CONTEXT]
    vals = data.values.merge(meta[["indicator_id", "component", "default_period"]],
                             on="indicator_id")
    if default_period_only:
        vals = vals[vals.period == vals.default_period]
    counts = (vals.groupby(["component", "area_code"])["indicator_id"].nunique()
              .unstack().reindex(index=list(components), columns=data.area_codes).fillna(0)
              .astype("int64"))
    counts.insert(0, "indicators",
                  meta.groupby("component")["indicator_id"].nunique()
                  .reindex(list(components)).fillna(0).astype("int64"))
    counts.index = [components[c] for c in counts.index]
    counts.index.name = "component"
    return counts
