"""One formatting layer for every reader-facing number and name.

Money, percentages, ranks, rank changes, counts, sample sizes, periods and plain numbers are written
the same way on every page (no ``1.07e+03``, no ``£120,229,842,938``, no ``+0``), and ids from the
data (indicator ids, source ids, area codes, component ids) are translated to the names the data
tables hold: :class:`Names` reads them from ``data.indicators``, ``data.sources``, ``data.areas``
and :mod:`ldi_helpers.data.components`, never from the ids themselves.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ..text import ordinal  # noqa: F401 - the one ordinal, shared with the analyses

MINUS = "\u2212"  # a real minus sign, readable and the width of a plus


def _finite(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def money(x, digits: int = 1, missing: str = "n/a") -> str:
    """Pounds, readable: ``£4.8bn``, ``£640.4m``, ``£1,945``, ``£384.50`` only below £100.

    Amounts of £1m or more are shown in millions or billions with ``digits`` decimals; amounts of
    £100 or more in whole pounds (so £1,561 and £385 sit side by side, never £384.50 beside
    £1,561); smaller amounts keep pence when they have any.
    """
    v = _finite(x)
    if v is None:
        return missing
    sign = MINUS if v < 0 else ""
    a = abs(v)
    if a >= 1e9:
        return f"{sign}£{a / 1e9:,.{digits}f}bn"
    if a >= 1e6:
        return f"{sign}£{a / 1e6:,.{digits}f}m"
    if a >= 100 or a == round(a):
        return f"{sign}£{int(math.floor(a + 0.5)):,}"
    return f"{sign}£{a:,.2f}"


def percent(x, digits: int = 1, share: bool = False, missing: str = "n/a") -> str:
    """A percentage: ``71%`` for a whole number, ``71.3%`` otherwise (``share``: x is 0-1)."""
    v = _finite(x)
    if v is None:
        return missing
    if share:
        v *= 100
    r = round(v, digits)
    text = f"{abs(r):,.0f}" if r == round(r) else f"{abs(r):,.{digits}f}".rstrip("0").rstrip(".")
    return f"{MINUS if r < 0 else ''}{text}%"


def rank(x, missing: str = "n/a") -> str:
    """A rank as a whole number (``3``); missing ranks as ``missing``."""
    v = _finite(x)
    return missing if v is None else f"{int(round(v))}"


def rank_change(x, missing: str = "n/a") -> str:
    """A change of rank in places: ``+2``, ``−1`` (minus sign), ``no change`` for 0."""
    v = _finite(x)
    if v is None:
        return missing
    n = int(round(v))
    if n == 0:
        return "no change"
    return f"+{n}" if n > 0 else f"{MINUS}{-n}"


def count(x, missing: str = "n/a") -> str:
    """A whole count with thousands separators: ``1,024``, ``4,096``."""
    v = _finite(x)
    return missing if v is None else f"{int(round(v)):,}"


def sample_size(n) -> str:
    """A sample size as readers see it: ``n = 4,096``."""
    return f"n = {count(n)}"


def number(x, sig: int = 3, missing: str = "n/a") -> str:
    """A plain number to ``sig`` significant figures (whole digits are kept), never in e-notation.

    ``1070.4 -> '1,070'``, ``0.01234 -> '0.0123'``, ``12.0 -> '12'``, ``-3.5 -> '−3.5'``.
    """
    v = _finite(x)
    if v is None:
        return missing
    if v == 0:
        return "0"
    a = abs(v)
    decimals = max(0, sig - 1 - int(math.floor(math.log10(a))))
    r = round(a, decimals)
    text = f"{r:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{MINUS if v < 0 else ''}{text}"


def compact(x, missing: str = "n/a") -> str:
    """A short label for a chart tile: ``1.1k``, ``25.3m``, ``71``, ``3.4`` (never e-notation)."""
    v = _finite(x)
    if v is None:
        return missing
    a = abs(v)
    for div, suffix in ((1e9, "bn"), (1e6, "m"), (1e4, "k")):
        if a >= div:
            return number(v / (1e3 if suffix == "k" else div), 3) + suffix
    return number(v, 3)


def fixed(x, digits: int = 1, missing: str = "") -> str:
    """A number with a fixed number of decimals and thousands separators (``-0.0`` shown as 0)."""
    v = _finite(x)
    if v is None:
        return missing
    text = f"{v:,.{digits}f}"
    if re.fullmatch(r"-0(\.0+)?", text):
        text = text[1:]
    return text.replace("-", MINUS)


_PERIOD = re.compile(r"^(\d{4})(?:/(\d{2}))?$|^(\d{4})-(\d{2})$")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def period(p) -> str:
    """A data period in words: ``2022``, ``2021/22``, ``2026-01 -> 'January 2026'``."""
    text = str(p).strip()
    m = _PERIOD.match(text)
    if not m:
        return text
    if m.group(3):
        month = int(m.group(4))
        return f"{_MONTHS[month - 1]} {m.group(3)}" if 1 <= month <= 12 else text
    return text


def date(d) -> str:
    """An ISO date as ``13 May 2026`` (anything else unchanged)."""
    try:
        t = pd.Timestamp(str(d))
    except (ValueError, TypeError):
        return str(d)
    return f"{t.day} {_MONTHS[t.month - 1]} {t.year}"


class Names:
    """Translate the data's ids (indicators, sources, areas, components) to their names.

    Every name comes from the data tables: ``data.indicators.name``, ``data.sources`` (publisher:
    dataset), ``data.areas.name`` and the components' names.

    Parameters
    ----------
    data : LDIData
    """

    def __init__(self, data):
        ind = data.indicators
        self.indicators = dict(zip(ind["indicator_id"], ind["name"]))
        src = data.sources
        self.sources = {} if src is None else {
            s: f"{p}: {d}" for s, p, d in zip(src["source_id"], src["publisher"], src["dataset"])}
        self.areas = dict(zip(data.areas["area_code"], data.areas["name"]))
        fw = getattr(data, "framework", None)
        self.components = ({} if fw is None else  # every aggregate but the root (the index)
                           dict(zip(fw.loc[fw["parent"] != "", "aggregate_id"],
                                    fw.loc[fw["parent"] != "", "name"])))
        self.components.update(data.components)
        self.components.setdefault("context", "Context (not scored)")

    def all(self) -> dict[str, str]:
        """Every id the data hold, mapped to its name."""
        return {**self.sources, **self.components, **self.indicators, **self.areas}

    def name(self, key) -> str:
        """The name of any id (unknown values are returned unchanged, as text)."""
        return self.all().get(key, str(key))

    def text(self, text: str) -> str:
        """``text`` with every id of the data that appears as a word replaced by its name."""
        lookup = self.all()
        return re.sub(r"[A-Za-z0-9_]+", lambda m: lookup.get(m.group(0), m.group(0)), str(text))

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``df`` with ids in the index, column names and cells replaced by names."""
        lookup = self.all()

        def tr(v):
            return self.text(lookup.get(v, v)) if isinstance(v, str) else v

        out = df.copy()
        out.columns = [tr(c) for c in out.columns]
        out.index = [tr(i) for i in out.index]
        out.index.name = tr(df.index.name) if df.index.name else None
        for c in out.columns:
            if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
                out[c] = out[c].map(tr)
        return out


def ids_in_text(text: str, data) -> list[str]:
    """Indicator ids, source ids and area codes of ``data`` that appear as words in ``text``."""
    ids = set(data.indicators["indicator_id"]) | set(data.sources["source_id"]) | \
        set(data.areas["area_code"])
    words = set(re.findall(r"[A-Za-z0-9_]+", text))
    return sorted(ids & words)


def format_column(values: pd.Series, kind: str, **kw) -> pd.Series:
    """Format a whole column with one of this module's functions (by name)."""
    fn = {"money": money, "percent": percent, "rank": rank, "rank_change": rank_change,
          "count": count, "number": number, "fixed": fixed, "period": period,
          "ordinal": ordinal}[kind]
    return pd.Series([fn(v, **kw) if not (isinstance(v, float) and np.isnan(v)) or kind != "fixed"
                      else "" for v in values], index=values.index, dtype=object)
