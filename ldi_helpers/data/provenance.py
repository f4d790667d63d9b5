"""Attribution, licences and provenance text that every output carries."""
from __future__ import annotations

#: The attribution the Open Government Licence v3.0 asks re-users to show.
OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)

#: Said wherever a figure comes from the open reconstruction rather than from techUK.
RECONSTRUCTION_NOTE = (
    "Open reconstruction of techUK's Local Digital Index: techUK never published its method, "
    "so scores and ranks here are ours, not techUK's."
)


def source_line(*sources: str, licence: str = OGL_ATTRIBUTION) -> str:
    """Return a one-line source note for a chart or table.

    Parameters
    ----------
    *sources : str
        Short source names, e.g. ``"Ofcom via ONS Explore Local Statistics (2026-01)"``.
    licence : str, optional
        Licence attribution appended to the line (OGL v3.0 by default).
    """
    src = "; ".join(s for s in sources if s)
    return f"Source: {src}. {licence}" if src else licence
