"""The params file of a run: ``{spec: {...}, scenario: {...}}`` overrides, read and checked.

``ldi run --params P.yaml`` and the methodology explorer's saved specs use the same reader, so a
file one writes the other accepts.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import LDIError

PARAM_SECTIONS = {"spec": "spec_overrides", "scenario": "scenario_overrides"}


def load_params(path: Path | None) -> dict:
    """Read and check a ``--params`` YAML file: ``{spec: {...}, scenario: {...}}``.

    Spec and scenario fields are validated by the index engine and the scenario engine, so a
    misspelt field fails here, before any notebook runs.
    """
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise LDIError(f"params file {path} not found; pass an existing YAML file to --params")
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LDIError(f"params file {path} is not valid YAML: {exc}") from None
    if not isinstance(params, dict):
        raise LDIError(f"params file {path} must be a mapping with keys "
                       f"{', '.join(PARAM_SECTIONS)}")
    unknown = sorted(set(params) - set(PARAM_SECTIONS))
    if unknown:
        raise LDIError(f"unknown section(s) {', '.join(unknown)} in {path}; valid sections: "
                       f"{', '.join(PARAM_SECTIONS)}")
    for section, value in params.items():
        if not isinstance(value, dict):
            raise LDIError(f"section {section!r} in {path} must be a mapping of field: value")
    if "spec" in params:
        from ..method.spec import coerce_spec

        coerce_spec(params["spec"])  # raises SpecError naming bad fields
    if "scenario" in params:
        from .scenarios import Scenario

        Scenario.from_dict(params["scenario"])  # raises an LDIError naming bad fields
    return params


__all__ = ["PARAM_SECTIONS", "load_params"]
