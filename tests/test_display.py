"""The two-audience table display."""
import pandas as pd

from ldi_helpers.report.display import table_bundle


def test_bundle_has_text_and_escaped_html():
    df = pd.DataFrame({"region": ["<b>North</b>", "South"], "value": [1.23456, 2.0]})
    b = table_bundle(df, caption="Values & more", index=False, digits=2)
    assert b["text/plain"].splitlines()[0] == "Values & more"
    assert "1.23" in b["text/plain"] and "1.2346" not in b["text/plain"]
    assert "&lt;b&gt;North&lt;/b&gt;" in b["text/html"] and "<b>North</b>" not in b["text/html"]
    assert "Values &amp; more" in b["text/html"] and "<table" in b["text/html"]


def test_ordinal_rounds_and_handles_teens():
    from ldi_helpers.report.display import ordinal

    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "111th"]
    assert ordinal(2.4) == "2nd" and ordinal(2.6) == "3rd"


def test_show_bullets_gives_markdown_and_identical_text(monkeypatch):
    import IPython.display

    from ldi_helpers.report.display import show_bullets

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    show_bullets(["one", "two"])
    assert shown == [{"text/plain": "- one\n- two", "text/markdown": "- one\n- two"}]
