"""The two-audience table display."""
import pandas as pd

from ldi_helpers.display import table_bundle


def test_bundle_has_text_and_escaped_html():
    df = pd.DataFrame({"region": ["<b>North</b>", "South"], "value": [1.23456, 2.0]})
    b = table_bundle(df, caption="Values & more", index=False, digits=2)
    assert b["text/plain"].splitlines()[0] == "Values & more"
    assert "1.23" in b["text/plain"] and "1.2346" not in b["text/plain"]
    assert "&lt;b&gt;North&lt;/b&gt;" in b["text/html"] and "<b>North</b>" not in b["text/html"]
    assert "Values &amp; more" in b["text/html"] and "<table" in b["text/html"]
