"""Show tables and charts to two audiences at once: readers (HTML) and nbval (plain text).

``show(df)`` displays one output with two representations. Rendered notebooks and reports use the
HTML one (a readable table that scrolls inside its box on a phone, with a CSV download of its
numbers); nbval regression-checks the plain-text one (``conftest.py`` tells nbval to skip HTML),
which is rounded and deterministic. The table's numbers also travel in the output's metadata
(``ldi_table``), from which ``ldi run`` builds one Excel workbook of the run.

``show_figure(fig)`` displays a chart as a PNG whose ``alt`` text says what it shows; the plotting
helpers of :mod:`ldi_helpers.report.plots` store that description on the figure (:func:`set_alt`).
"""
from __future__ import annotations

import base64
import html
import io
import urllib.parse

import pandas as pd

from .formatting import ordinal  # noqa: F401 - re-exported: one formatting layer

#: Metadata key of a displayed table's numbers (caption and CSV text).
TABLE_KEY = "ldi_table"
#: Attribute of a matplotlib figure holding its alt text.
ALT_ATTR = "ldi_alt"


def _has_plain_index(df: pd.DataFrame) -> bool:
    return isinstance(df.index, pd.RangeIndex) and df.index.name is None


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
    if index and _has_plain_index(df):
        index = False  # a 0, 1, 2 ... row number means nothing to a reader
    text = df.to_string(index=index)
    shown = df.reset_index() if index else df
    body = shown.to_html(index=False, border=0, na_rep="", escape=True,
                         float_format=(lambda x: f"{x:,.{digits}f}".replace("-", "\u2212"))
                         if digits is not None else (lambda x: _plain_number(x)))
    body = f"<div class='ldi-table'>{body}</div>"
    csv = shown.to_csv(index=False)
    name = _file_name(caption or "table") + ".csv"
    link = (f"<p class='ldi-download'><a download='{html.escape(name, quote=True)}' "
            f"href='data:text/csv;charset=utf-8,{urllib.parse.quote(csv)}'>Download this table "
            "(CSV)</a></p>")
    if caption:
        text = f"{caption}\n{text}"
        body = f"<p><strong>{html.escape(caption)}</strong></p>{body}"
    return {"text/plain": text, "text/html": body + link}


def _plain_number(x: float) -> str:
    from .formatting import number

    return number(x, sig=4)


def _file_name(caption: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in caption)[:60]
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-") or "table"


def table_metadata(df: pd.DataFrame, caption: str | None = None, index: bool = True) -> dict:
    """The output metadata that carries a table's numbers (caption and CSV) to the workbook."""
    shown = df.reset_index() if index and not _has_plain_index(df) else df
    return {TABLE_KEY: {"caption": caption or "", "csv": shown.to_csv(index=False)}}


_EDITION: dict = {"data": None}


def use_edition(data) -> None:
    """Make this page speak the edition's words.

    Prose written for the LDI's regions (Markdown shown with :class:`Markdown`, table captions
    and headers, bullets and alt texts shown by this module) is put in the edition's words by
    :func:`~ldi_helpers.data.geography.in_edition_words`; the LDI edition's text is unchanged.
    """
    _EDITION["data"] = data


def edition_text(text):
    """``text`` in the words of the edition set by :func:`use_edition` (unchanged if none)."""
    data = _EDITION["data"]
    if data is None or not isinstance(text, str):
        return text
    from ..data.geography import in_edition_words

    return in_edition_words(text, data)


try:
    from IPython.display import Markdown as _IPyMarkdown
except ImportError:  # pragma: no cover - IPython is a dependency of the notebooks only
    _IPyMarkdown = object


class Markdown(_IPyMarkdown):
    """IPython's Markdown, in the edition's words (:func:`use_edition`)."""

    def __init__(self, data=None, url=None, filename=None, metadata=None):
        super().__init__(edition_text(data), url, filename, metadata)


class MarkdownAsWritten(_IPyMarkdown):
    """IPython's Markdown, never put in the edition's words: for text where "region" means the
    ITL1 region (a district briefing's region) rather than the edition's unit."""


def _in_words(df: pd.DataFrame) -> pd.DataFrame:
    if _EDITION["data"] is None:
        return df
    out = df.copy()
    out.columns = [edition_text(c) for c in out.columns]
    out.index.name = edition_text(out.index.name)
    return out


def show_bullets(sentences) -> None:
    """Display sentences as a bulleted list: Markdown for readers, the same text for nbval."""
    from IPython.display import display

    text = "\n".join(f"- {edition_text(s)}" for s in sentences)
    display({"text/plain": text, "text/markdown": text}, raw=True)


def show(df: pd.DataFrame, caption: str | None = None, index: bool = True,
         digits: int | None = None, as_written: bool = False) -> None:
    """Display a table: HTML for readers, plain text for regression checks.

    ``as_written=True`` keeps the caption and headers as they are (see :class:`MarkdownAsWritten`).
    """
    from IPython.display import display

    if not as_written:
        df, caption = _in_words(df), edition_text(caption)
    display(table_bundle(df, caption, index, digits), raw=True,
            metadata=table_metadata(df, caption, index))


def show_html_list(items, ordered: bool = False) -> None:
    """Display text items as an HTML list (escaped), with the same items as plain text."""
    from IPython.display import display

    tag = "ol" if ordered else "ul"
    body = "".join(f"<li>{html.escape(str(i))}</li>" for i in items)
    display({"text/plain": "\n".join(f"- {i}" for i in items),
             "text/html": f"<{tag}>{body}</{tag}>"}, raw=True)


def set_alt(fig, text: str):
    """Store a chart's alt text (what it shows: region, measure, key value) on the figure."""
    setattr(fig, ALT_ATTR, " ".join(str(text).split()))
    return fig


def figure_alt(fig) -> str:
    """The alt text of a figure: the stored description, else built from its titles."""
    stored = getattr(fig, ALT_ATTR, None)
    if stored:
        return stored
    titles = []
    if getattr(fig, "_suptitle", None) is not None and fig._suptitle.get_text():
        titles.append(fig._suptitle.get_text())
    for ax in fig.axes:
        t = ax.get_title() or ax.get_title(loc="left")
        if t and ax.get_visible():
            titles.append(t)
    text = "; ".join(" ".join(t.split()) for t in titles[:4])
    return f"Chart: {text}" if text else "Chart (see the text around it)"


def figure_png(fig, dpi: int = 100) -> bytes:
    """A figure as PNG bytes (tight bounding box, no software stamp).

    The same picture as ``savefig(bbox_inches="tight")``, drawn once instead of twice: that
    call draws the whole figure to find the bounding box of its artists, then draws it again
    into the box; here the figure is drawn once and the box (padded by
    ``savefig.pad_inches``) cut out of it. A figure with artists outside its own area (which
    only a larger canvas can show) goes through ``savefig`` as before.
    """
    png = _tight_png_one_draw(fig, dpi)
    if png is not None:
        return png
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _tight_png_one_draw(fig, dpi: int) -> bytes | None:
    """:func:`figure_png` from one Agg draw, or None when that cannot give the same picture."""
    import matplotlib
    import matplotlib.image as mimg
    import numpy as np

    canvas = fig.canvas
    if not (hasattr(canvas, "buffer_rgba") and hasattr(canvas, "get_renderer")):
        return None
    old_dpi = fig.dpi
    try:
        fig.dpi = dpi
        canvas.draw()
        tight = fig.get_tightbbox(canvas.get_renderer())          # inches
        width, height = fig.get_size_inches()
        if tight.x0 < 0 or tight.y0 < 0 or tight.x1 > width or tight.y1 > height:
            return None                                             # artists outside the figure
        box = tight.padded(matplotlib.rcParams["savefig.pad_inches"])
        img = np.asarray(canvas.buffer_rgba())
        h, w = img.shape[:2]
        x0, x1 = int(round(box.x0 * dpi)), int(round(box.x1 * dpi))
        y0, y1 = int(round(h - box.y1 * dpi)), int(round(h - box.y0 * dpi))
        # the padding beyond the figure's edge is background, as savefig draws it
        face = matplotlib.colors.to_rgba(fig.get_facecolor())
        out = np.empty((y1 - y0, x1 - x0, 4), np.uint8)
        out[:] = np.round(np.asarray(face) * 255).astype(np.uint8)
        sy0, sy1, sx0, sx1 = max(y0, 0), min(y1, h), max(x0, 0), min(x1, w)
        out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = img[sy0:sy1, sx0:sx1]
        buf = io.BytesIO()
        mimg.imsave(buf, out, format="png", dpi=dpi, metadata={"Software": None})
        return buf.getvalue()
    except Exception:  # noqa: BLE001 - any backend oddity: savefig does it the usual way
        return None
    finally:
        fig.dpi = old_dpi


def show_figure(fig, alt: str | None = None) -> None:
    """Display a chart as a PNG with alt text (given, stored by :func:`set_alt`, or from titles).

    The figure is closed afterwards, so the inline backend does not show it a second time.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    text = " ".join(edition_text(alt or figure_alt(fig)).split())
    png = base64.b64encode(figure_png(fig)).decode("ascii")
    plt.close(fig)
    display({"image/png": png, "text/plain": text}, raw=True,
            metadata={"image/png": {"alt": text}})


def show_html(body: str, text: str, table: pd.DataFrame | None = None,
              caption: str | None = None) -> None:
    """Display trusted HTML (built with every data text escaped) with a plain-text twin.

    ``table``, when given, travels in the output metadata to the run's workbook.
    """
    from IPython.display import display

    display({"text/html": body, "text/plain": text}, raw=True,
            metadata=table_metadata(table, caption, index=False) if table is not None else None)


def method_table(spec, data) -> pd.DataFrame:
    """The method box as a two-column table (choice, setting), indicator ids given as names."""
    from .formatting import Names

    names = Names(data)
    lines = spec.describe(names=names.indicators).splitlines()
    rows = [[part.strip() for part in line.split(":", 1)] for line in lines if ":" in line]
    from ..data.geography import in_edition_words

    return pd.DataFrame([[a, in_edition_words(names.text(b), data)] for a, b in rows],
                        columns=["Choice", "Setting"])
