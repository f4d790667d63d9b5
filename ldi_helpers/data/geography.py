"""The twelve ITL1 nations and regions: codes, names, aliases and name resolution.

Codes and names are identifiers, not statistics, so they live in code. Figures about areas
(population, tile-map position) live in ``data/areas.csv`` and are built from the raw sources.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..errors import UnknownAreaError


@dataclass(frozen=True)
class Region:
    """One ITL1 nation or region.

    Attributes
    ----------
    itl1_code : str
        ITL1 code, ``TLC`` .. ``TLN`` (identical to the NUTS1 code with ``UK`` -> ``TL``).
    gss_code : str
        GSS code (``E12000001`` .. ``E12000009``, ``W92000004``, ``S92000003``, ``N92000002``).
    name : str
        ONS ITL1 name, the name used throughout the workbench.
    aliases : tuple of str
        Other spellings met in sources: ONS regional accounts, techUK, mid-year estimates.
    """

    itl1_code: str
    gss_code: str
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def nuts1_code(self) -> str:
        """NUTS1 code (``UKC`` .. ``UKN``) used by older sources such as HE-BCI and the LFS."""
        return "UK" + self.itl1_code[2]


REGIONS: tuple[Region, ...] = (
    Region("TLC", "E12000001", "North East"),
    Region("TLD", "E12000002", "North West"),
    Region("TLE", "E12000003", "Yorkshire and The Humber", ("Yorkshire and the Humber", "Yorkshire")),
    Region("TLF", "E12000004", "East Midlands"),
    Region("TLG", "E12000005", "West Midlands"),
    Region("TLH", "E12000006", "East of England", ("East", "Eastern")),
    Region("TLI", "E12000007", "London", ("Greater London",)),
    Region("TLJ", "E12000008", "South East"),
    Region("TLK", "E12000009", "South West"),
    Region("TLL", "W92000004", "Wales"),
    Region("TLM", "S92000003", "Scotland"),
    Region("TLN", "N92000002", "Northern Ireland"),
)

ITL1_CODES: tuple[str, ...] = tuple(r.itl1_code for r in REGIONS)
_BY_CODE = {r.itl1_code: r for r in REGIONS}
_LOOKUP: dict[str, Region] = {}
for _r in REGIONS:
    for _key in (_r.itl1_code, _r.gss_code, _r.nuts1_code, _r.name, *_r.aliases):
        _LOOKUP[_key.casefold()] = _r


def region_by_code(itl1_code: str) -> Region:
    """Return the :class:`Region` with this ITL1 code (raises :class:`UnknownAreaError`)."""
    try:
        return _BY_CODE[itl1_code]
    except KeyError:
        raise UnknownAreaError(
            f"unknown ITL1 code {itl1_code!r}; valid codes are {', '.join(ITL1_CODES)}"
        ) from None


def resolve_area(name_or_code: str) -> Region:
    """Resolve a region from any code (ITL1, GSS, NUTS1) or name (case-insensitive, aliases too).

    Parameters
    ----------
    name_or_code : str
        e.g. ``"North East"``, ``"TLC"``, ``"E12000001"``, ``"greater london"``.

    Returns
    -------
    Region

    Raises
    ------
    UnknownAreaError
        When nothing matches; the message suggests the closest names.
    """
    key = str(name_or_code).strip().casefold()
    if key in _LOOKUP:
        return _LOOKUP[key]
    names = [r.name for r in REGIONS]
    close = difflib.get_close_matches(str(name_or_code).strip(), names, n=3, cutoff=0.4)
    if not close:
        close = difflib.get_close_matches(
            key, [n.casefold() for n in names], n=3, cutoff=0.4
        )
        close = [n for n in names if n.casefold() in close]
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise UnknownAreaError(
        f"unknown area {name_or_code!r}.{hint} Run `ldi list areas` for the valid names and codes."
    )


# ---------------------------------------------------------------------------------------------
# The units of any edition (docs/EDITIONS.md): countries, local authorities, ITL1 regions ...
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One unit (place) of an edition: its code, display name and other names.

    Duck-compatible with :class:`Region` where code reads ``itl1_code`` and ``name``.

    Attributes
    ----------
    code : str
        The unit's ``area_code`` in ``areas.csv``.
    name : str
        Display name.
    aliases : tuple of str
        Other names it may be asked for by (``aliases`` column, ``;``-separated).
    """

    code: str
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def itl1_code(self) -> str:
        """The code (named as on :class:`Region`, so code written for regions keeps working)."""
        return self.code


def _is_itl1_edition(data) -> bool:
    return set(data.area_codes) == set(ITL1_CODES)


def units_of(data) -> list[Unit]:
    """The edition's units in ``areas.csv`` order.

    Parameters
    ----------
    data : LDIData
        A loaded edition.
    """
    areas = data.areas
    has_alias = "aliases" in areas.columns
    out = []
    for i, row in enumerate(areas.itertuples(index=False)):
        aliases: tuple[str, ...] = ()
        if has_alias:
            raw = areas["aliases"].iloc[i]
            if isinstance(raw, str):
                aliases = tuple(a.strip() for a in raw.split(";") if a.strip())
        code = str(row.area_code)
        if code in _BY_CODE and _is_itl1_edition(data):
            aliases = tuple(dict.fromkeys(aliases + _BY_CODE[code].aliases))
        out.append(Unit(code, str(row.name), aliases))
    return out


def resolve_unit(data, name_or_code) -> Unit:
    """Resolve a unit of the edition from its code, name or an alias (case-insensitive).

    For the ITL1 edition GSS and NUTS1 codes are understood too (:func:`resolve_area`).

    Parameters
    ----------
    data : LDIData
    name_or_code : str
        e.g. ``"Avalon"``, ``"av"``, ``"Avalonia"``; ``"E12000001"`` for the ITL1 edition.

    Raises
    ------
    UnknownAreaError
        When nothing matches; the message suggests the closest of the edition's names.
    """
    units = units_of(data)
    raw = str(name_or_code).strip()
    key = raw.casefold()
    for unit in units:
        if key in {unit.code.casefold(), unit.name.casefold(),
                   *(a.casefold() for a in unit.aliases)}:
            return unit
    if _is_itl1_edition(data):  # GSS and NUTS1 codes too; its own message when unknown
        code = resolve_area(raw).itl1_code
        return next(u for u in units if u.code == code)
    names = [u.name for u in units]
    folded = {n.casefold(): n for n in names}
    close = difflib.get_close_matches(key, list(folded), n=3, cutoff=0.4)
    close = [folded[c] for c in close]
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    word = str(data.edition.get("unit_word") or "area")
    edition = "" if str(data.data_dir) == str(_default_dir()) else f" --edition {data.data_dir}"
    raise UnknownAreaError(
        f"unknown {word} {raw!r}.{hint} Run `ldi list areas{edition}` for the valid names "
        "and codes.")


def _default_dir():
    from .load import default_data_dir

    return default_data_dir()


def unit_words(data) -> dict[str, object]:
    """The words an edition's pages use for its units and its index.

    Returns
    -------
    dict
        ``unit`` ("country"), ``units`` ("countries"), ``Unit``/``Units`` (capitalised),
        ``n`` (number of units), ``index_name``, ``edition`` (the edition's name).
    """
    ed = data.edition
    unit = str(ed.get("unit_word") or "area")
    units = str(ed.get("unit_word_plural") or unit + "s")
    return {"unit": unit, "units": units, "Unit": unit[:1].upper() + unit[1:],
            "Units": units[:1].upper() + units[1:], "n": len(data.area_codes),
            "index_name": str(ed.get("index_name") or ""), "edition": str(ed.get("name") or "")}


_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                 "ten", "eleven", "twelve")


def in_edition_words(text: str, data) -> str:
    """LDI prose (written for the twelve ITL1 regions) in the edition's own words.

    For an edition whose unit word is "region" the text is returned unchanged; otherwise
    "nations and regions", "regions" and "region" (any capitalisation at the start) become the
    edition's words, and "twelve"/"12 regions" its number of units.

    Parameters
    ----------
    text : str
        Markdown written for the LDI edition.
    data : LDIData
    """
    import re

    w = unit_words(data)
    if w["unit"] == "region" and w["n"] == 12:
        return text
    n = w["n"]
    n_word = _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else f"{n:,}"
    subs = [
        (r"\bthe UK's (twelve )?nations and regions\b", f"the \\1{w['units']}"),
        (r"\b(twelve )?nations and regions\b", f"\\1{w['units']}"),
        (r"\bregions\b", w["units"]), (r"\bRegions\b", w["Units"]),
        (r"\bregion\b", w["unit"]), (r"\bRegion\b", w["Unit"]),
        (r"\bregional\b", f"{w['unit']}-level"), (r"\bRegional\b", f"{w['Unit']}-level"),
        (r"\btwelve\b", n_word), (r"\bTwelve\b", n_word.capitalize()),
        (r"\b12 (" + re.escape(w["units"]) + r")\b", f"{n} \\1"),
    ]
    for pat, rep in subs:
        text = re.sub(pat, rep, text)
    return text
