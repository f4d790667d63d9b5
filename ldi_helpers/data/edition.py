"""The parts of an edition that are not single tables: ``edition.yaml`` and the framework tree.

An edition (``docs/EDITIONS.md``) is a folder of tables. :mod:`ldi_helpers.data.load` reads and checks
each table; this module checks how they fit together as a hierarchy: every parent exists, there are
no cycles, there is exactly one root, the children of one aggregate are all on one level, every
indicator hangs from a level-2 aggregate (a *component*) and sibling weights are not all zero.
Each failure is one :class:`~ldi_helpers.errors.DataValidationError` line naming the file, the CSV
line and the fix.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .components import CONTEXT
from ..errors import DataValidationError

#: File names of the two edition-level files.
EDITION_FILE = "edition.yaml"
FRAMEWORK_FILE = "framework.csv"

#: Keys of ``edition.yaml`` that are read, and their defaults (``None``: derived, see
#: :func:`read_edition_yaml`). Other keys are kept as they are.
EDITION_KEYS: dict[str, str | None] = {
    "name": None,              # default: the root aggregate's name
    "index_name": None,        # default: the root aggregate's name
    "unit_word": "area",
    "unit_word_plural": None,  # default: unit_word + "s"
    "geography": "",
    "description": "",
    "attribution": "",
}

#: Ids of aggregates: letters, digits and underscores.
ID_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")


def _fail(path: Path, problem: str, fix: str) -> DataValidationError:
    return DataValidationError(f"{path}: {problem}. Fix: {fix}")


def read_edition_yaml(path: Path) -> dict:
    """Read ``edition.yaml`` (without filling the defaults that need the framework).

    Parameters
    ----------
    path : Path
        The ``edition.yaml`` file.

    Returns
    -------
    dict
        Its keys; every value of a key of :data:`EDITION_KEYS` is a string.

    Raises
    ------
    DataValidationError
        The file is missing, is not YAML, is not a mapping, or a known key is not text.
    """
    fix_file = (f"write {EDITION_FILE} with at least `name:` and `unit_word:` (see "
                "docs/EDITIONS.md), or rebuild the LDI data with `ldi data build --raw "
                "../shared/data/raw`")
    if not path.is_file():
        raise _fail(path, "file not found", fix_file)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problem = str(exc).replace("\n", " ")
        raise _fail(path, f"not readable UTF-8 YAML ({problem})", fix_file) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _fail(path, f"expected a mapping of keys to text, found {type(raw).__name__}",
                    fix_file)
    out = {}
    for key, value in raw.items():
        key = str(key)
        if key in EDITION_KEYS:
            if value is None:
                value = ""
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise _fail(path, f"{key!r} must be text, found {type(value).__name__}",
                            f"write `{key}: some text`")
            value = str(value).strip()
        out[key] = value
    return out


def fill_edition_defaults(edition: dict, framework: pd.DataFrame) -> dict:
    """``edition`` with every key of :data:`EDITION_KEYS` present (defaults from the framework).

    Parameters
    ----------
    edition : dict
        As returned by :func:`read_edition_yaml`.
    framework : DataFrame
        The validated framework (with ``level``); the root's name is the default ``name`` and
        ``index_name``.

    Returns
    -------
    dict
    """
    root_name = str(framework.loc[framework["parent"] == "", "name"].iloc[0])
    out = dict(edition)
    for key, default in EDITION_KEYS.items():
        if out.get(key, "") != "":
            continue
        if key in ("name", "index_name"):
            out[key] = root_name
        elif key == "unit_word_plural":
            out[key] = out.get("unit_word") or "area"
            out[key] = out[key] + "s"
        else:
            out[key] = default
    return out


def check_framework(framework: pd.DataFrame, path: Path) -> None:
    """Check the aggregates alone: ids, parents, cycles, one root.

    Parameters
    ----------
    framework : DataFrame
        ``framework.csv`` as read (``aggregate_id``, ``name``, ``parent``, ``weight``), index = CSV
        row number - 2.
    path : Path
        The file, for messages.

    Raises
    ------
    DataValidationError
    """
    ids = framework["aggregate_id"]
    for i, a in ids.items():
        if not ID_PATTERN.match(a):
            raise _fail(path, f"invalid aggregate_id {a!r} on line {i + 2}",
                        "use only letters, digits and underscores")
        if a == CONTEXT:
            raise _fail(path, f"aggregate_id {CONTEXT!r} on line {i + 2} is reserved",
                        f"{CONTEXT!r} marks indicators shown but never scored; rename the "
                        "aggregate")
    known = set(ids)
    parent_of = dict(zip(ids, framework["parent"]))
    for i, p in framework["parent"].items():
        if p != "" and p not in known:
            raise _fail(path, f"parent {p!r} of {ids[i]!r} on line {i + 2} is not an "
                        "aggregate_id of this file",
                        "add the parent aggregate, correct the parent, or leave it empty for the "
                        "root (the index)")
    line = {a: i + 2 for i, a in ids.items()}
    for start in ids:
        seen = [start]
        node = parent_of[start]
        while node != "":
            if node in seen:
                loop = seen[seen.index(node):] + [node]
                raise _fail(path, f"cycle {' -> '.join(loop)} (line {line[start]})",
                            "each aggregate's parent must lead up to the root; correct one of "
                            "these parents")
            seen.append(node)
            node = parent_of[node]
    roots = framework.index[framework["parent"] == ""]
    if len(roots) == 0:
        raise _fail(path, "no root (no row with an empty parent)",
                    "leave the parent of the index (the top aggregate) empty")
    if len(roots) > 1:
        names = ", ".join(f"{ids[i]!r} (line {i + 2})" for i in roots[:3])
        raise _fail(path, f"{len(roots)} roots: {names}",
                    "exactly one aggregate (the index) has an empty parent; give the others "
                    "their parent")


def framework_levels(framework: pd.DataFrame, indicators: pd.DataFrame, framework_path: Path,
                     indicators_path: Path) -> pd.Series:
    """Level of every aggregate (indicators are level 1), checking that levels are consistent.

    An aggregate whose children are indicators (or that has no children) is level 2; an aggregate
    whose children are aggregates of level ``k`` is level ``k + 1``.

    Parameters
    ----------
    framework : DataFrame
        Checked by :func:`check_framework`.
    indicators : DataFrame
        With ``indicator_id`` and ``component`` (the parent aggregate id, or ``context``).
    framework_path, indicators_path : Path
        The files, for messages.

    Returns
    -------
    Series of int
        Indexed like ``framework``.

    Raises
    ------
    DataValidationError
        An indicator's parent is unknown or not a level-2 aggregate, or the children of one
        aggregate are on different levels.
    """
    ids = list(framework["aggregate_id"])
    known = set(ids)
    fline = {a: i + 2 for i, a in framework["aggregate_id"].items()}
    for i, (ind, parent) in enumerate(zip(indicators["indicator_id"], indicators["component"])):
        if parent != CONTEXT and parent not in known:
            line = indicators.index[i] + 2
            raise _fail(indicators_path,
                        f"invalid component {parent!r} on line {line} (indicator {ind!r}: not an "
                        f"aggregate_id of {FRAMEWORK_FILE}, nor {CONTEXT!r})",
                        f"use the id of its component in {FRAMEWORK_FILE}, or {CONTEXT!r} for a "
                        "measure that is shown but never scored")
    with_indicators = set(indicators["component"]) - {CONTEXT}
    children: dict[str, list[str]] = {a: [] for a in ids}
    for a, p in zip(framework["aggregate_id"], framework["parent"]):
        if p != "":
            children[p].append(a)
    level: dict[str, int] = {}

    def visit(a: str) -> int:
        if a in level:
            return level[a]
        kids = children[a]
        if not kids:
            level[a] = 2
            return 2
        kid_levels = {k: visit(k) for k in kids}
        if a in with_indicators:
            ind = indicators.loc[indicators["component"] == a]
            line = ind.index[0] + 2
            raise _fail(indicators_path,
                        f"indicator {ind['indicator_id'].iloc[0]!r} on line {line} has parent "
                        f"{a!r}, which is a level-{max(kid_levels.values()) + 1} aggregate (its "
                        f"other children, such as {kids[0]!r}, are aggregates)",
                        "an indicator's parent must be a component (a level-2 aggregate whose "
                        "children are all indicators); move the indicator under a component")
        distinct = sorted(set(kid_levels.values()))
        if len(distinct) > 1:
            lo = next(k for k in kids if kid_levels[k] == distinct[0])
            hi = next(k for k in kids if kid_levels[k] == distinct[-1])
            raise _fail(framework_path,
                        f"the children of {a!r} are on different levels: {lo!r} (line "
                        f"{fline[lo]}) is level {distinct[0]}, {hi!r} (line {fline[hi]}) is "
                        f"level {distinct[-1]}",
                        "all children of one aggregate must be on the same level; add the "
                        "missing intermediate aggregate or move the child")
        level[a] = distinct[0] + 1
        return level[a]

    for a in ids:
        visit(a)
    return pd.Series([level[a] for a in framework["aggregate_id"]], index=framework.index,
                     dtype="int64")


def check_sibling_weights(frame: pd.DataFrame, id_col: str, parent_col: str, path: Path,
                          what: str) -> None:
    """Weights are finite and >= 0, and not all zero among the children of one parent.

    Parameters
    ----------
    frame : DataFrame
        With ``id_col``, ``parent_col`` and a numeric ``weight`` column; index = CSV row - 2.
    id_col, parent_col : str
        Column names of the child id and the parent id (rows with an empty parent or the parent
        ``context`` are skipped).
    path : Path
        The file, for messages.
    what : str
        ``"aggregates"`` or ``"indicators"``, for messages.

    Raises
    ------
    DataValidationError
    """
    w = frame["weight"].astype("float64")
    bad = frame.index[~np.isfinite(w) | (w < 0)]
    if len(bad):
        i = bad[0]
        raise _fail(path, f"invalid weight {float(frame.at[i, 'weight']):g} of "
                    f"{frame.at[i, id_col]!r} on line {i + 2}",
                    "a weight is a finite number of at least 0")
    scored = frame[(frame[parent_col] != "") & (frame[parent_col] != CONTEXT)]
    for parent, group in scored.groupby(parent_col, sort=False):
        if not (group["weight"] > 0).any():
            lines = ", ".join(str(i + 2) for i in group.index[:5])
            raise _fail(path, f"every weight of the {what} under {parent!r} is 0 (lines {lines})",
                        "give at least one of them a weight above 0, or remove the aggregate")
