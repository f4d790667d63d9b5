"""Words for numbers that every layer may use (the report layer's formatting builds on them)."""
from __future__ import annotations


def ordinal(n) -> str:
    """``1 -> '1st'``, ``2 -> '2nd'``, ``11 -> '11th'`` (rounded to the nearest whole number)."""
    n = int(round(float(n)))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


__all__ = ["ordinal"]
