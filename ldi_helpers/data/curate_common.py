"""Shared pieces of the curated-data build: raw-file checks, area codes, periods, per-head maths.

Every reader in the ``curate_*`` modules uses these helpers so that a missing raw file or a changed
layout always raises one :class:`~ldi_helpers.errors.DataValidationError` that names the file and
what was expected, and so that every indicator is described the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import DataValidationError
from .geography import REGIONS

#: Attribution required by the Open Government Licence v3.0 (same text as
#: ``ldi_helpers.data.provenance.OGL_ATTRIBUTION``).
OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)
OGL = "Open Government Licence v3.0"

#: Any region-level code met in the raw files (ITL1, GSS, NUTS1) -> ITL1 code.
_TO_ITL1: dict[str, str] = {}
for _r in REGIONS:
    for _code in (_r.itl1_code, _r.gss_code, _r.nuts1_code):
        _TO_ITL1[_code] = _r.itl1_code

#: ITL1 code -> workbench region name.
AREA_NAME: dict[str, str] = {r.itl1_code: r.name for r in REGIONS}
ITL1_ORDER: tuple[str, ...] = tuple(r.itl1_code for r in REGIONS)


def raw_error(path: Path | str, expected: str) -> DataValidationError:
    """Build the error raised when a raw file is missing or its layout changed.

    Parameters
    ----------
    path : path
        The raw file.
    expected : str
        What the build expected to find (columns, sheet, labels, units).
    """
    return DataValidationError(
        f"raw file {path}: {expected}. Fix: restore the unchanged file from the source listed in "
        "its folder's SOURCE.txt, or update the reader in ldi_helpers/curate_*.py if the source "
        "really changed its layout."
    )


def require_file(path: Path) -> Path:
    """Return ``path`` if it is an existing file, else raise :class:`DataValidationError`."""
    if not path.is_file():
        raise raw_error(path, "file not found (the curated-data build needs it)")
    return path


def read_csv_checked(path: Path, required: list[str] | tuple[str, ...], **kwargs) -> pd.DataFrame:
    """Read a raw CSV as text and check that it has the ``required`` columns.

    Parameters
    ----------
    path : Path
        Raw CSV file.
    required : sequence of str
        Column names that must be present.
    **kwargs
        Passed to :func:`pandas.read_csv` (``dtype=str`` and ``keep_default_na=False`` are set).

    Returns
    -------
    DataFrame
        All cells as strings (empty string for empty cells).
    """
    require_file(path)
    kwargs.setdefault("encoding", "utf-8-sig")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise raw_error(path, f"expected a readable CSV ({exc})") from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise raw_error(path, f"expected column(s) {', '.join(map(repr, missing))}; "
                              f"found {', '.join(map(repr, df.columns[:12]))}")
    return df


def to_number(text: str, path: Path, where: str) -> float:
    """Parse a published number such as ``"2,680,763"`` or ``"87.8"`` (thousands commas allowed).

    Raises :class:`DataValidationError` naming the file and cell when the text is not a number.
    """
    clean = str(text).strip().replace(",", "")
    try:
        return float(clean)
    except ValueError:
        raise raw_error(path, f"expected a number at {where}, found {text!r}") from None


def itl1_code(code: str) -> str | None:
    """ITL1 code for a region-level ITL1, GSS or NUTS1 code; ``None`` for anything else."""
    return _TO_ITL1.get(str(code).strip())


def source_commit(source_txt: Path) -> str:
    """The commit recorded in a raw folder's ``SOURCE.txt``.

    The repository HEAD commit read is preferred; when only a file commit is given
    (``path @ <sha>``), the first one is returned.
    """
    text = require_file(source_txt).read_text(encoding="utf-8")
    for pattern in (r"HEAD commit read:\s*([0-9a-f]{40})", r"repository HEAD\s+([0-9a-f]{40})",
                    r"@\s*([0-9a-f]{40})"):
        match = re.search(pattern, text)
        if match:
            return match.group(1)
    raise raw_error(source_txt, "expected a 40-hex-digit commit ('HEAD commit read: <sha>' or "
                                "'<path> @ <sha>')")


_ISO_YEAR = re.compile(r"^(\d{4})-01-01/P1Y$")
_ISO_FY = re.compile(r"^(\d{4})-04-01/P1Y$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})-01$")


def period_from_iso(text: str, path: Path) -> tuple[str, int | None]:
    """Convert an ONS Explore Local Statistics period to the workbench period string.

    Returns
    -------
    (period, population_year)
        ``"2022-01-01/P1Y"`` -> ``("2022", 2022)``; the financial year ``"2021-04-01/P1Y"`` ->
        ``("2021/22", 2021)`` (its per-head denominator is the mid-2021 population, the mid-year
        estimate that falls inside the financial year); ``"2026-01-01"`` -> ``("2026-01", None)``
        (a month snapshot, never divided by population).
    """
    text = str(text).strip()
    if m := _ISO_YEAR.match(text):
        return m.group(1), int(m.group(1))
    if m := _ISO_FY.match(text):
        start = int(m.group(1))
        return f"{start}/{(start + 1) % 100:02d}", start
    if m := _ISO_MONTH.match(text):
        return f"{m.group(1)}-{m.group(2)}", None
    raise raw_error(path, f"expected periods like '2022-01-01/P1Y', '2021-04-01/P1Y' or "
                          f"'2026-01-01', found {text!r}")


def academic_year(start_year: int) -> str:
    """Academic year label: 2018 -> ``"2018/19"``."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


@dataclass(frozen=True)
class Source:
    """One source of curated data (a row of ``sources.csv``).

    Attributes
    ----------
    source_id : str
        Short id, cited by ``indicators.csv`` and ``population.csv``.
    publisher : str
        Original publisher (ONS, Ofcom, HESA, Lloyds Bank, techUK, ...).
    dataset : str
        Dataset or table name as published.
    via_repository : str
        Repository the raw file was read from.
    commit : str
        Commit recorded in that folder's ``SOURCE.txt``.
    url : str
        Publisher's page for the dataset.
    licence : str
        Licence of the data.
    attribution : str
        Attribution text to show with outputs.
    raw_files : tuple of str
        Raw files used, relative to the shared data folder.
    release_date : str
        Publication date of the release (ISO, as precise as the source says); copied to
        ``indicators.csv``, not a column of ``sources.csv``.
    """

    source_id: str
    publisher: str
    dataset: str
    via_repository: str
    commit: str
    url: str
    licence: str
    attribution: str
    raw_files: tuple[str, ...]
    release_date: str = ""


@dataclass(frozen=True)
class Indicator:
    """Metadata of one indicator (a row of ``indicators.csv`` before defaults are filled in).

    ``unit`` states exactly what a value is (e.g. ``"GBP per resident"``); ``denominator`` names the
    population or total used, with its release, or ``"none"`` when the source publishes a rate.
    ``default_period`` overrides the build's rule (the latest period with the most regions) when
    that period is known to be unreliable; the reason must be in ``caveats`` and in the data log's
    "Data decisions" section, and the period must still have the best coverage.
    """

    indicator_id: str
    name: str
    component: str
    direction: int
    unit: str
    denominator: str
    source: Source
    caveats: str
    is_proxy: bool
    raw_path: str
    default_period: str | None = None


def rel(path: Path, shared_dir: Path) -> str:
    """Path of a raw file relative to the shared data folder, with forward slashes."""
    try:
        return path.relative_to(shared_dir).as_posix()
    except ValueError:
        return path.as_posix()


def values_frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Build an ``(area_code, period, value)`` frame from tuples, dropping nothing."""
    return pd.DataFrame(rows, columns=["area_code", "period", "value"]).astype(
        {"area_code": "str", "period": "str", "value": "float64"}
    )


class Population:
    """Total resident population of one ONS release, looked up by ITL1 code and year.

    Parameters
    ----------
    table : DataFrame
        Columns ``area_code``, ``year`` (int), ``population`` (persons).
    release : str
        Release label, e.g. ``"ONS regional accounts, April 2024 (Table 6)"``.
    source_id : str
        Id of the source in ``sources.csv``.
    """

    def __init__(self, table: pd.DataFrame, release: str, source_id: str):
        self.table = table
        self.release = release
        self.source_id = source_id
        self._lookup = {(a, int(y)): float(p) for a, y, p in
                        table[["area_code", "year", "population"]].itertuples(index=False)}
        self.years = frozenset(int(y) for y in table["year"])

    def get(self, area_code: str, year: int) -> float | None:
        """Population (persons) or ``None`` when the release has no figure for that year."""
        return self._lookup.get((area_code, int(year)))

    def per_head(self, rows: list[tuple[str, str, int | None, float]], scale: float
                 ) -> pd.DataFrame:
        """Divide amounts by the population of their year.

        Parameters
        ----------
        rows : list of (area_code, period, population_year, amount)
            ``population_year`` is the mid-year the period is matched to.
        scale : float
            Multiplier applied to the amount before dividing: ``1e6`` turns £ million into £ per
            resident, ``1`` keeps £ (or counts) per resident, ``1e5`` with a count gives a rate per
            100,000 residents.

        Returns
        -------
        DataFrame
            ``area_code, period, value``; periods whose year has no population are left out (they
            are kept as totals in a ``context`` indicator by the callers).
        """
        out = []
        for area, period, year, amount in rows:
            pop = None if year is None else self.get(area, year)
            if pop is None:
                continue
            if pop <= 0:
                raise DataValidationError(f"{self.release}: population of {area} in {year} is "
                                          f"{pop}; a per-head denominator must be positive")
            out.append((area, period, amount * scale / pop))
        return values_frame(out)
