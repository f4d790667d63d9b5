"""The twelve ITL1 nations and regions: codes, names, aliases and name resolution.

Codes and names are identifiers, not statistics, so they live in code. Figures about areas
(population, tile-map position) live in ``data/areas.csv`` and are built from the raw sources.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from .errors import UnknownAreaError


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
