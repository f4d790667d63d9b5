"""Show a table to two audiences at once: an HTML table for readers, plain text for nbval.

``show(df)`` displays one output with two representations. Rendered notebooks and reports use the
HTML one (a readable table that wraps with the page); nbval regression-checks the plain-text one
(``conftest.py`` tells nbval to skip HTML), which is rounded and deterministic.
"""
from __future__ import annotations

import html

import pandas as pd


def table_bundle(df: pd.DataFrame, caption: str | None = None, index: bool = True,
                 digits: int | None = None) -> dict[str, str]:
    """The ``text/plain`` and ``text/html`` representations of a table.

    Parameters
    ----------
    df : DataFrame
    caption : str, optional
        Shown above the HTML table and as the first line of the text.
    index : bool
        Include the index.
    digits : int, optional
        Round numeric columns to this many decimals first (keeps nbval stable).
    """
    if digits is not None:
        df = df.round(digits)
    text = df.to_string(index=index)
    body = df.to_html(index=index, border=0, na_rep="", escape=True,
                      float_format=(lambda x: f"{x:,.{digits}f}") if digits is not None else None)
    if caption:
        text = f"{caption}\n{text}"
        body = f"<p><strong>{html.escape(caption)}</strong></p>{body}"
    return {"text/plain": text, "text/html": body}


def ordinal(n: float) -> str:
    """``1 -> '1st'``, ``2 -> '2nd'``, ``11 -> '11th'`` (rounded to the nearest whole number)."""
    n = int(round(float(n)))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def show_bullets(sentences) -> None:
    """Display sentences as a bulleted list: Markdown for readers, the same text for nbval."""
    from IPython.display import display

    text = "\n".join(f"- {s}" for s in sentences)
    display({"text/plain": text, "text/markdown": text}, raw=True)


def show(df: pd.DataFrame, caption: str | None = None, index: bool = True,
         digits: int | None = None) -> None:
    """Display a table: HTML for readers, plain text for regression checks."""
    from IPython.display import display

    display(table_bundle(df, caption, index, digits), raw=True)
