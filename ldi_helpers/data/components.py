"""The eight components of the Local Digital Index (the framework, step 1 of the JRC/OECD method)."""
from __future__ import annotations

from ..errors import LDIError

#: Component id -> plain-English name, in techUK's order.
COMPONENTS: dict[str, str] = {
    "digital_infrastructure": "Digital Infrastructure",
    "digital_skills": "Digital Skills",
    "digital_adoption": "Digital Adoption",
    "research_innovation": "Research & Innovation",
    "finance_investment": "Finance & Investment",
    "trade_support": "Trade Support",
    "data_ecosystems": "Data Ecosystems",
    "collaboration_coordination": "Collaboration & Coordination",
}

#: Indicators that describe context (denominators, GVA) rather than a component carry this id.
CONTEXT = "context"


def component_name(component_id: str, components: dict[str, str] | None = None) -> str:
    """Plain-English name of a component id (raises :class:`LDIError` naming the valid ids).

    ``components`` is the edition's id -> name (``data.components``); default: the LDI's.
    """
    comps = COMPONENTS if components is None else components
    return comps[check_component(component_id, comps)]


def check_component(component: str, components: dict[str, str] | None = None) -> str:
    """Return the component id for an id or a display name; raise a clear error otherwise.

    Parameters
    ----------
    component : str
        A component id (``"digital_skills"``) or name (``"Digital Skills"``), any case.
    components : dict, optional
        The edition's components, id -> name (``data.components``); default: the LDI's eight.
    """
    comps = COMPONENTS if components is None else components
    key = str(component).strip()
    if key in comps:
        return key
    for cid, name in comps.items():
        if key.casefold() in (str(name).casefold(), cid.casefold(),
                              cid.replace("_", " ").casefold()):
            return cid
    raise LDIError(
        f"unknown component {component!r}; valid components are: "
        + ", ".join(f"{cid} ({name})" for cid, name in comps.items())
        + " (`ldi list components` lists them)"
    )
